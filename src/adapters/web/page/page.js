/* global document, window, EventSource, confirm */
// The status page's script: no framework, no build step, nothing loaded from elsewhere. It listens
// to /events (server-sent events; the browser reconnects by itself), renders each status with DOM
// calls only (never innerHTML, so nothing the bot reports can inject markup), and says loudly when
// the data stops coming: a page that silently shows old numbers is worse than none.

const $ = (id) => document.getElementById(id);

/** A status older than this many ms (or 3 intervals) makes the page say NO DATA. */
const STALE_MS = 5000;
/** A quoter paused for less than this still counts as quoting on the banner. */
const QUOTER_PAUSE_GRACE_MS = 2000;
/** PnL points kept for the chart (one per update). */
const CHART_POINTS = 900;

let lastStatus = null;
let lastReceived = 0;
let lastInterval = 1000;
let updates = 0;
/** The event stream is down (the browser is reconnecting): what the page shows is not current. */
let linkDown = false;
const pnlPoints = [];
const symbolViews = new Map();

function el(tag, text, className) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (className) e.className = className;
  return e;
}

function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
}

function fmtTime(ms) {
  const d = new Date(ms);
  return d.toLocaleTimeString([], { hour12: false });
}

function fmtDuration(ms) {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  const h = Math.floor(m / 60);
  return `${h} h ${m % 60} min`;
}

function fmtMoney(x) {
  if (x === null || x === undefined || !Number.isFinite(x)) return '–';
  const sign = x > 0 ? '+' : x < 0 ? '−' : '';
  return `${sign}${Math.abs(x).toFixed(2)}`;
}

function signClass(x) {
  return x > 0 ? 'pos' : x < 0 ? 'neg' : '';
}

function setMoney(node, x) {
  node.textContent = fmtMoney(x);
  node.className = signClass(x);
}

/** ok, warn, bad or '' (idle) for a machine state. */
function stateClass(state) {
  const s = String(state);
  if (/gaveUp|halted|invalid|error/.test(s)) return 'bad';
  if (/stale|backoff|connecting|authenticating|subscribing|syncing|paused|waiting|reducing/.test(s))
    return 'warn';
  if (/starting|recovering|shuttingDown|closing/.test(s)) return 'warn';
  if (/live|quoting|active|running/.test(s)) return 'ok';
  return '';
}

/**
 * Whether a symbol counts as quoting: quoting, or paused for less than QUOTER_PAUSE_GRACE_MS.
 * The quoter holds for a moment whenever the request budget is spent; the banner should not
 * flicker for that, only for a pause that lasts.
 */
function isQuoting(s, x) {
  if (x.quoter === 'quoting') return true;
  const m = s.machines.find((k) => k.name === `quoter.${x.symbol}`);
  return (
    x.quoter === 'paused' && m !== undefined && m.since !== null && s.at - m.since < QUOTER_PAUSE_GRACE_MS
  );
}

function verdictOf(s) {
  const root = (s.machines.find((m) => m.name === 'root') || {}).state || '';
  if (/^(shuttingDown|stopped)/.test(root)) return ['SHUTTING DOWN', 'warn'];
  if (s.risk === 'halted') return ['HALTED · KILL SWITCH', 'bad'];
  if (Object.values(s.reconnects.feeds).some((f) => f.gaveUp)) return ['SOCKET GAVE UP', 'bad'];
  if (/^starting/.test(root)) return ['STARTING', 'warn'];
  if (!s.ready.ready) return ['NOT READY', 'warn'];
  if (s.risk === 'reducing') return ['REDUCING ONLY', 'warn'];
  if (s.symbols.length > 0 && s.symbols.every((x) => isQuoting(s, x))) return ['QUOTING', 'ok'];
  return ['PAUSED', 'warn'];
}

function renderHeader(s) {
  $('mode').textContent = s.mode;
  $('prefix').textContent = `prefix ${s.prefix}`;
  const [text, cls] = verdictOf(s);
  const v = $('verdict');
  v.textContent = text;
  v.className = `verdict ${cls}`;
  const reasons = [...s.ready.reasons, ...s.riskReasons.map((r) => `risk: ${r}`)];
  $('reasons').textContent = reasons.length > 0 ? reasons.join(' · ') : '';
}

function machineCard(name, state, since, now) {
  const card = el('div', null, `machine ${stateClass(state)}`);
  card.dataset.testid = `machine-${name}`;
  card.appendChild(el('span', name, 'name'));
  card.appendChild(el('span', state, 'value'));
  card.appendChild(el('span', since === null ? '' : `for ${fmtDuration(now - since)}`, 'since'));
  return card;
}

function renderMachines(s) {
  const box = $('machines');
  clear(box);
  for (const m of s.machines) box.appendChild(machineCard(m.name, m.state, m.since, s.at));
}

function renderTotals(s) {
  setMoney($('pnl-total'), s.pnl);
  setMoney($('pnl-realised'), s.totals.realisedPnl);
  setMoney($('pnl-unrealised'), s.totals.unrealisedPnl);
  $('pnl-fees').textContent = fmtMoney(-s.totals.fees);
  $('pnl-fees').className = signClass(-s.totals.fees);
  setMoney($('pnl-daily'), s.totals.dailyPnl);
  $('pnl-drawdown').textContent = s.totals.drawdown.toFixed(2);
  $('pnl-losses').textContent = String(s.totals.consecutiveLosses);
  const counts = Object.entries(s.orderCounts)
    .map(([k, n]) => `${n} ${k}`)
    .join(', ');
  $('order-counts').textContent = counts === '' ? 'none' : counts;
  pnlPoints.push(s.pnl);
  if (pnlPoints.length > CHART_POINTS) pnlPoints.shift();
  renderChart();
}

function renderChart() {
  const svg = $('pnl-chart');
  clear(svg);
  if (pnlPoints.length < 2) return;
  const lo = Math.min(0, ...pnlPoints);
  const hi = Math.max(0, ...pnlPoints);
  const span = hi - lo || 1;
  const y = (v) => 76 - ((v - lo) / span) * 72;
  const ns = 'http://www.w3.org/2000/svg';
  const zero = document.createElementNS(ns, 'line');
  zero.setAttribute('x1', '0');
  zero.setAttribute('x2', '600');
  zero.setAttribute('y1', String(y(0)));
  zero.setAttribute('y2', String(y(0)));
  svg.appendChild(zero);
  const line = document.createElementNS(ns, 'polyline');
  const step = 600 / (CHART_POINTS - 1);
  const offset = 600 - (pnlPoints.length - 1) * step;
  line.setAttribute(
    'points',
    pnlPoints.map((v, i) => `${(offset + i * step).toFixed(1)},${y(v).toFixed(1)}`).join(' '),
  );
  svg.appendChild(line);
}

function decimals(s) {
  const i = s.indexOf('.');
  return i < 0 ? 0 : s.length - i - 1;
}

/** Book levels of one side merged with our orders of that side, best first. */
function sideRows(levels, orders, best) {
  const rows = new Map();
  for (const l of levels) rows.set(l.price, { price: l.price, size: l.size, ours: 0, dec: decimals(l.size) });
  for (const o of orders) {
    const r = rows.get(o.price) || { price: o.price, size: '', ours: 0, dec: decimals(o.qty) };
    r.ours += Number(o.qty) - Number(o.filled);
    r.dec = Math.max(r.dec, decimals(o.qty));
    rows.set(o.price, r);
  }
  const sorted = [...rows.values()].sort(
    (a, b) => (Number(a.price) - Number(b.price)) * (best === 'low' ? 1 : -1),
  );
  return sorted;
}

/** Our best ask over our best bid, in bps of the mid ('–' unless we quote both sides). */
function ourSpread(buys, sells, mid) {
  if (buys.length === 0 || sells.length === 0 || mid === null) return '–';
  const bid = Math.max(...buys.map((o) => Number(o.price)));
  const ask = Math.min(...sells.map((o) => Number(o.price)));
  return `${(((ask - bid) / Number(mid)) * 1e4).toFixed(2)} bps`;
}

function ladderRow(r) {
  const tr = el('tr', null, r.ours > 0 ? 'ours' : '');
  tr.appendChild(el('td', r.ours > 0 ? r.ours.toFixed(r.dec) : '', 'num'));
  tr.appendChild(el('td', r.size, 'num'));
  tr.appendChild(el('td', r.price, 'num price'));
  return tr;
}

/** Fills one side of the ladder; our orders beyond the levels shown come after a gap row. */
function fillSide(body, rows, reversed) {
  clear(body);
  const out = [];
  let inBook = true;
  for (const r of rows) {
    if (inBook && r.size === '' && out.length > 0) {
      const gap = el('tr', null, 'gap');
      const td = el('td', '⋯ beyond the levels shown ⋯');
      td.colSpan = 3;
      gap.appendChild(td);
      out.push(gap);
    }
    inBook = r.size !== '';
    out.push(ladderRow(r));
  }
  if (reversed) out.reverse();
  for (const tr of out) body.appendChild(tr);
}

function symbolView(symbol) {
  let v = symbolViews.get(symbol);
  if (v) return v;
  const node = $('symbol-template').content.firstElementChild.cloneNode(true);
  node.dataset.testid = `symbol-${symbol}`;
  $('symbols').appendChild(node);
  const q = (sel) => node.querySelector(sel);
  v = {
    node,
    name: q('.name'),
    quoter: q('.quoter'),
    book: q('.book'),
    asks: q('.asks'),
    bids: q('.bids'),
    mid: q('.mid-price'),
    position: q('.position'),
    notional: q('.notional'),
    entry: q('.entry'),
    mark: q('.mark'),
    fills: q('.fills'),
    equity: q('.equity'),
    spread: q('.spread'),
    ourSpread: q('.our-spread'),
    vol: q('.vol'),
    age: q('.age'),
    fill: q('.bar .fill'),
    ratio: q('.ratio'),
    orders: q('.order-rows'),
  };
  v.fills.dataset.testid = `fills-${symbol}`;
  v.book.dataset.testid = `book-${symbol}`;
  v.quoter.dataset.testid = `quoter-${symbol}`;
  v.position.dataset.testid = `position-${symbol}`;
  v.ourSpread.dataset.testid = `our-spread-${symbol}`;
  symbolViews.set(symbol, v);
  return v;
}

function renderSymbol(x) {
  const v = symbolView(x.symbol);
  v.name.textContent = x.symbol;
  v.quoter.textContent = `quoter ${x.quoter}`;
  v.quoter.className = `state quoter ${stateClass(x.quoter)}`;
  v.book.textContent = `book ${x.book}`;
  v.book.className = `state book ${stateClass(x.book)}`;
  const sells = x.orders.filter((o) => o.side === 'Sell');
  const buys = x.orders.filter((o) => o.side === 'Buy');
  fillSide(v.asks, sideRows(x.asks, sells, 'low'), true);
  fillSide(v.bids, sideRows(x.bids, buys, 'high'), false);
  v.mid.textContent = x.mid === null ? 'no book' : x.mid;
  v.position.textContent = String(x.inventory.positionBase);
  v.position.className = signClass(x.inventory.positionBase);
  v.notional.textContent = x.inventory.notional.toFixed(2);
  v.entry.textContent = x.inventory.avgEntry === null ? '–' : x.inventory.avgEntry.toFixed(2);
  v.mark.textContent = x.inventory.mark === null ? '–' : x.inventory.mark.toFixed(2);
  v.fills.textContent = String(x.fills);
  setMoney(v.equity, x.pnl.equity);
  v.spread.textContent = x.spreadBps === null ? '–' : `${x.spreadBps.toFixed(2)} bps`;
  v.ourSpread.textContent = ourSpread(buys, sells, x.mid);
  v.vol.textContent = x.volBps === null ? '–' : `${x.volBps.toFixed(2)} bps`;
  v.age.textContent = x.bookAgeMs === null ? '–' : `${(x.bookAgeMs / 1000).toFixed(1)} s`;
  v.age.className = x.bookAgeMs !== null && x.bookAgeMs > 2000 ? 'neg' : '';
  const ratio = Math.max(-1, Math.min(1, x.inventory.ratio));
  v.fill.style.left = `${50 + Math.min(0, ratio) * 50}%`;
  v.fill.style.width = `${Math.abs(ratio) * 50}%`;
  v.fill.className = `fill ${Math.abs(ratio) >= 0.8 ? 'bad' : Math.abs(ratio) >= 0.5 ? 'warn' : ''}`;
  v.ratio.textContent = `${(x.inventory.ratio * 100).toFixed(0)} % of limit`;
  clear(v.orders);
  for (const o of x.orders) {
    const tr = el('tr');
    tr.appendChild(el('td', o.side, o.side));
    tr.appendChild(el('td', o.price, 'num'));
    tr.appendChild(el('td', o.qty, 'num'));
    tr.appendChild(el('td', o.filled, 'num'));
    tr.appendChild(el('td', o.state, stateClass(o.state)));
    v.orders.appendChild(tr);
  }
  if (x.orders.length === 0) {
    const tr = el('tr');
    const td = el('td', 'no order of ours', 'muted');
    td.colSpan = 5;
    tr.appendChild(td);
    v.orders.appendChild(tr);
  }
}

function renderReconnects(s) {
  const feeds = $('feeds');
  clear(feeds);
  for (const [kind, f] of Object.entries(s.reconnects.feeds)) {
    const card = machineCard(`${kind} socket`, f.state, null, s.at);
    card.dataset.testid = `feed-${kind}`;
    const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;
    card.appendChild(
      el('span', `${plural(f.drops, 'drop')} · ${plural(f.reconnectAttempts, 'attempt')}`, 'since'),
    );
    feeds.appendChild(card);
  }
  const body = $('history');
  clear(body);
  const rows = [...s.reconnects.history].reverse();
  for (const c of rows) {
    const tr = el('tr');
    tr.appendChild(el('td', fmtTime(c.at)));
    tr.appendChild(el('td', c.machine.replace(/^feed\./, '')));
    tr.appendChild(el('td', c.from, stateClass(c.from)));
    tr.appendChild(el('td', c.to, stateClass(c.to)));
    body.appendChild(tr);
  }
  $('history-empty').hidden = rows.length > 0;
}

function renderAdmin(s) {
  $('admin-form').hidden = !s.admin.enabled;
  $('admin-state').textContent = s.admin.enabled
    ? 'Commands need the admin token; each one is audit-logged.'
    : 'Admin commands are disabled (web.admin_token_file is empty).';
  const list = $('admin-recent');
  clear(list);
  for (const a of [...s.admin.recent].reverse())
    list.appendChild(el('li', `${fmtTime(a.at)} ${a.action}: ${a.outcome} (from ${a.caller})`));
}

function render(s) {
  renderHeader(s);
  renderMachines(s);
  renderTotals(s);
  for (const x of s.symbols) renderSymbol(x);
  renderReconnects(s);
  renderAdmin(s);
}

function onStatus(text) {
  let s;
  try {
    s = JSON.parse(text);
  } catch {
    return;
  }
  const now = Date.now();
  if (lastReceived > 0) lastInterval = Math.min(60000, Math.max(100, now - lastReceived));
  lastReceived = now;
  lastStatus = s;
  linkDown = false;
  updates++;
  $('seq').textContent = `#${updates}`;
  try {
    render(s);
  } catch (err) {
    $('reasons').textContent = `the page could not show this status: ${err && err.message}`;
  }
  tick();
}

/** Refreshes the age line and flags a page that stopped receiving. */
function tick() {
  if (lastReceived === 0) return;
  const age = Date.now() - lastReceived;
  $('updated').textContent = `updated ${fmtDuration(age)} ago at ${fmtTime(lastReceived)}`;
  if (linkDown || age > Math.max(STALE_MS, 3 * lastInterval)) {
    const v = $('verdict');
    v.textContent = 'NO DATA';
    v.className = 'verdict bad';
    $('link').textContent = linkDown
      ? 'connection to the bot lost, retrying…'
      : 'no update from the bot: is it running?';
  } else if (lastStatus !== null && $('verdict').textContent === 'NO DATA') renderHeader(lastStatus);
}

function connect() {
  const es = new EventSource('/events');
  es.addEventListener('status', (e) => onStatus(e.data));
  es.addEventListener('open', () => {
    $('link').textContent = 'live';
  });
  es.addEventListener('error', () => {
    linkDown = true;
    tick();
  });
}

async function command(button) {
  const token = $('admin-token').value;
  const out = $('admin-result');
  if (token === '') {
    out.textContent = 'Enter the admin token first.';
    return;
  }
  const question = button.dataset.confirm;
  if (question && !confirm(question)) return;
  out.textContent = `${button.dataset.action}…`;
  try {
    const r = await fetch(`/admin/${button.dataset.action}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
    const body = await r.json().catch(() => ({}));
    out.textContent = `${r.status}: ${body.message || body.error || r.statusText}`;
  } catch (err) {
    out.textContent = `request failed: ${err && err.message}`;
  }
}

for (const b of document.querySelectorAll('#admin-form button'))
  b.addEventListener('click', () => void command(b));
window.setInterval(tick, 500);
connect();
