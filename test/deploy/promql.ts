/**
 * A small PromQL checker for the tests of the alert rules and the dashboard: a recursive-descent
 * parser over the subset we write (selectors, ranges, subqueries, functions, aggregations with
 * by/without, binary operators with bool/on/ignoring/group_*, offset, numbers with unit
 * arithmetic), which throws on anything malformed and returns the metric names and label matchers
 * an expression reads. It also checks argument kinds: rate() and friends need a range vector.
 * No Prometheus binary is needed.
 */

/** A vector selector found in an expression. */
export interface Selector {
  readonly metric: string;
  readonly matchers: readonly { label: string; op: string; value: string }[];
}

type Kind = 'scalar' | 'string' | 'instant' | 'range';

const AGGREGATIONS = new Set([
  'sum',
  'min',
  'max',
  'avg',
  'count',
  'stddev',
  'stdvar',
  'group',
  'topk',
  'bottomk',
  'quantile',
  'count_values',
]);
const PARAM_AGGREGATIONS = new Set(['topk', 'bottomk', 'quantile', 'count_values']);

/** Functions we accept, with the kind of each argument ('?' marks optional ones). */
const FUNCTIONS: Readonly<Record<string, readonly string[]>> = {
  rate: ['range'],
  irate: ['range'],
  increase: ['range'],
  delta: ['range'],
  idelta: ['range'],
  deriv: ['range'],
  changes: ['range'],
  resets: ['range'],
  predict_linear: ['range', 'scalar'],
  avg_over_time: ['range'],
  min_over_time: ['range'],
  max_over_time: ['range'],
  sum_over_time: ['range'],
  count_over_time: ['range'],
  last_over_time: ['range'],
  quantile_over_time: ['scalar', 'range'],
  histogram_quantile: ['scalar', 'instant'],
  absent: ['instant'],
  absent_over_time: ['range'],
  abs: ['instant'],
  ceil: ['instant'],
  floor: ['instant'],
  round: ['instant', '?scalar'],
  clamp_min: ['instant', 'scalar'],
  clamp_max: ['instant', 'scalar'],
  clamp: ['instant', 'scalar', 'scalar'],
  scalar: ['instant'],
  vector: ['scalar'],
  time: [],
  timestamp: ['instant'],
  sort: ['instant'],
  sort_desc: ['instant'],
  label_replace: ['instant', 'string', 'string', 'string', 'string'],
};

const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'offset']);
const SET_OPS = new Set(['and', 'or', 'unless']);
const BINARY_OPS = ['==', '!=', '>=', '<=', '>', '<', '+', '-', '*', '/', '%', '^'];

interface Token {
  readonly t: 'id' | 'num' | 'str' | 'dur' | 'op' | 'punct';
  readonly v: string;
  readonly at: number;
}

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const rest = src.slice(i);
    let m: RegExpExecArray | null;
    if ((m = /^(\d+(\.\d+)?(ms|s|m|h|d|w|y))+/.exec(rest)) && !/^[\d.]+e/i.test(rest)) {
      out.push({ t: 'dur', v: m[0], at: i });
    } else if ((m = /^(\d+\.?\d*|\.\d+)(e[+-]?\d+)?/i.exec(rest))) {
      out.push({ t: 'num', v: m[0], at: i });
    } else if ((m = /^[a-zA-Z_][a-zA-Z0-9_:]*/.exec(rest))) {
      out.push({ t: 'id', v: m[0], at: i });
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < src.length && src[j] !== c) j += src[j] === '\\' ? 2 : 1;
      if (j >= src.length) throw new Error(`unterminated string at ${i}`);
      out.push({ t: 'str', v: src.slice(i + 1, j), at: i });
      i = j + 1;
      continue;
    } else if ((m = /^(==|!=|>=|<=|=~|!~|[-+*/%^<>=])/.exec(rest))) {
      out.push({ t: 'op', v: m[0], at: i });
    } else if ('(){}[],:'.includes(c)) {
      out.push({ t: 'punct', v: c, at: i });
      i++;
      continue;
    } else throw new Error(`unexpected character ${JSON.stringify(c)} at ${i}`);
    i += m[0].length;
  }
  return out;
}

class Parser {
  #pos = 0;
  readonly selectors: Selector[] = [];
  constructor(
    readonly src: string,
    readonly toks: readonly Token[],
  ) {}

  #peek(k = 0): Token | undefined {
    return this.toks[this.#pos + k];
  }
  #next(): Token {
    const t = this.toks[this.#pos++];
    if (t === undefined) throw new Error(`unexpected end of ${this.src}`);
    return t;
  }
  #is(v: string, k = 0): boolean {
    const t = this.#peek(k);
    return t !== undefined && (t.t === 'punct' || t.t === 'op' || t.t === 'id') && t.v === v;
  }
  #expect(v: string): void {
    const t = this.#next();
    if (t.v !== v) throw new Error(`expected ${v} at ${t.at}, found ${t.v} in ${this.src}`);
  }

  parse(): Kind {
    const k = this.#expr(0);
    const extra = this.#peek();
    if (extra !== undefined) throw new Error(`unexpected ${extra.v} at ${extra.at} in ${this.src}`);
    return k;
  }

  #binaryOp(): { op: string; prec: number } | undefined {
    const t = this.#peek();
    if (t === undefined) return undefined;
    if (t.t === 'id' && SET_OPS.has(t.v)) return { op: t.v, prec: t.v === 'or' ? 1 : 2 };
    if (t.t === 'op' && BINARY_OPS.includes(t.v)) {
      const prec = ['==', '!=', '>=', '<=', '>', '<'].includes(t.v)
        ? 3
        : t.v === '+' || t.v === '-'
          ? 4
          : t.v === '^'
            ? 6
            : 5;
      return { op: t.v, prec };
    }
    return undefined;
  }

  #expr(minPrec: number): Kind {
    let left = this.#unary();
    for (;;) {
      const op = this.#binaryOp();
      if (op === undefined || op.prec < minPrec) return left;
      this.#next();
      if (this.#is('bool')) this.#next();
      if (this.#is('on') || this.#is('ignoring')) {
        this.#next();
        this.#labelList();
      }
      if (this.#is('group_left') || this.#is('group_right')) {
        this.#next();
        if (this.#is('(')) this.#labelList();
      }
      const right = this.#expr(op.op === '^' ? op.prec : op.prec + 1);
      if (left === 'range' || right === 'range')
        throw new Error(`binary ${op.op} on a range vector in ${this.src}`);
      if (SET_OPS.has(op.op) && (left !== 'instant' || right !== 'instant'))
        throw new Error(`${op.op} needs vectors on both sides in ${this.src}`);
      left = left === 'scalar' && right === 'scalar' ? 'scalar' : 'instant';
    }
  }

  #unary(): Kind {
    if (this.#is('-') || this.#is('+')) {
      this.#next();
      return this.#unary();
    }
    let k = this.#primary();
    if (this.#is('[')) {
      // A subquery: (expr)[range:step].
      this.#next();
      this.#duration();
      this.#expect(':');
      if (this.#peek()?.t === 'dur') this.#duration();
      this.#expect(']');
      if (k !== 'instant') throw new Error(`a subquery needs an instant vector in ${this.src}`);
      k = 'range';
    }
    if (this.#is('offset')) {
      this.#next();
      if (this.#is('-')) this.#next();
      this.#duration();
    }
    return k;
  }

  #duration(): void {
    const t = this.#next();
    if (t.t !== 'dur') throw new Error(`expected a duration at ${t.at}, found ${t.v} in ${this.src}`);
  }

  #labelList(): string[] {
    this.#expect('(');
    const labels: string[] = [];
    while (!this.#is(')')) {
      const t = this.#next();
      if (t.t !== 'id') throw new Error(`expected a label name at ${t.at} in ${this.src}`);
      labels.push(t.v);
      if (!this.#is(')')) this.#expect(',');
    }
    this.#expect(')');
    return labels;
  }

  #primary(): Kind {
    const t = this.#next();
    if (t.t === 'num') return 'scalar';
    if (t.t === 'str') return 'string';
    if (t.t === 'punct' && t.v === '(') {
      const k = this.#expr(0);
      this.#expect(')');
      return k;
    }
    if (t.t === 'punct' && t.v === '{') return this.#selector('', true);
    if (t.t !== 'id') throw new Error(`unexpected ${t.v} at ${t.at} in ${this.src}`);
    if (AGGREGATIONS.has(t.v) && (this.#is('(') || this.#is('by') || this.#is('without')))
      return this.#aggregation(t.v);
    if (this.#is('(')) return this.#call(t.v);
    if (KEYWORDS.has(t.v) || SET_OPS.has(t.v))
      throw new Error(`unexpected keyword ${t.v} at ${t.at} in ${this.src}`);
    if (this.#is('{')) {
      this.#next();
      return this.#selector(t.v, true);
    }
    return this.#selector(t.v, false);
  }

  #selector(metric: string, braces: boolean): Kind {
    const matchers: { label: string; op: string; value: string }[] = [];
    if (braces) {
      while (!this.#is('}')) {
        const name = this.#next();
        if (name.t !== 'id') throw new Error(`expected a label name at ${name.at} in ${this.src}`);
        const op = this.#next();
        if (!['=', '!=', '=~', '!~'].includes(op.v))
          throw new Error(`expected a matcher operator at ${op.at} in ${this.src}`);
        const value = this.#next();
        if (value.t !== 'str') throw new Error(`expected a quoted value at ${value.at} in ${this.src}`);
        if (op.v === '=~' || op.v === '!~') new RegExp(`^(?:${value.v})$`);
        matchers.push({ label: name.v, op: op.v, value: value.v });
        if (!this.#is('}')) this.#expect(',');
      }
      this.#expect('}');
    }
    const named = metric !== '' ? metric : matchers.find((m) => m.label === '__name__')?.value;
    if (named === undefined) throw new Error(`a selector without a metric name in ${this.src}`);
    this.selectors.push({ metric: named, matchers });
    if (this.#is('[') && this.#peek(1)?.t === 'dur' && this.#is(']', 2)) {
      this.#next();
      this.#duration();
      this.#expect(']');
      return 'range';
    }
    return 'instant';
  }

  #aggregation(name: string): Kind {
    if (this.#is('by') || this.#is('without')) {
      this.#next();
      this.#labelList();
    }
    this.#expect('(');
    if (PARAM_AGGREGATIONS.has(name)) {
      this.#expr(0);
      this.#expect(',');
    }
    const k = this.#expr(0);
    this.#expect(')');
    if (k !== 'instant') throw new Error(`${name}() needs an instant vector in ${this.src}`);
    if (this.#is('by') || this.#is('without')) {
      this.#next();
      this.#labelList();
    }
    return 'instant';
  }

  #call(name: string): Kind {
    const sig = FUNCTIONS[name];
    if (sig === undefined) throw new Error(`unknown function ${name}() in ${this.src}`);
    this.#expect('(');
    const args: Kind[] = [];
    while (!this.#is(')')) {
      args.push(this.#expr(0));
      if (!this.#is(')')) this.#expect(',');
    }
    this.#expect(')');
    const required = sig.filter((s) => !s.startsWith('?')).length;
    if (args.length < required || args.length > sig.length)
      throw new Error(`${name}() takes ${sig.length} arguments, was given ${args.length} in ${this.src}`);
    args.forEach((k, i) => {
      const want = sig[i]!.replace('?', '');
      if (k !== want)
        throw new Error(`${name}() argument ${i + 1} must be a ${want}, was a ${k} in ${this.src}`);
    });
    return name === 'time' || name === 'scalar' ? 'scalar' : 'instant';
  }
}

/** Parses a PromQL expression; throws on a syntax or kind error. */
export function parsePromql(expr: string): { kind: Kind; selectors: readonly Selector[] } {
  const p = new Parser(expr, tokenize(expr));
  const kind = p.parse();
  return { kind, selectors: p.selectors };
}

/** The metric family a series name belongs to (histogram and summary suffixes removed). */
export function familyOf(metric: string, families: ReadonlySet<string>): string | undefined {
  if (families.has(metric)) return metric;
  for (const suffix of ['_bucket', '_sum', '_count'])
    if (metric.endsWith(suffix) && families.has(metric.slice(0, -suffix.length)))
      return metric.slice(0, -suffix.length);
  return undefined;
}
