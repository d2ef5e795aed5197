/**
 * Renders machine definitions for people: a Mermaid `stateDiagram-v2` (GitHub renders it inline)
 * built from `toDirectedGraph`, and the machine config as JSON with every function replaced by its
 * name (the shape the Stately inspector draws from; functions cannot travel as JSON). Pure string
 * work, so the export script and its test share it.
 */
import type { AnyStateMachine, AnyStateNode } from 'xstate';
import { toDirectedGraph, type DirectedGraphNode } from 'xstate/graph';

/** One state of a machine, for indexes and tests. */
export interface StateSummary {
  /** The state node id, such as `connection.session.live`. */
  readonly id: string;
  /** The state's own key, such as `live`. */
  readonly key: string;
  readonly type: string;
  readonly description: string | undefined;
}

/** Lists every state node of a machine (the root excluded), depth first in document order. */
export function listStates(machine: AnyStateMachine): StateSummary[] {
  const out: StateSummary[] = [];
  const walk = (node: AnyStateNode): void => {
    for (const child of Object.values(node.states)) {
      out.push({ id: child.id, key: child.key, type: child.type, description: child.description });
      walk(child);
    }
  };
  walk(machine.root);
  return out;
}

function guardName(guard: unknown): string | undefined {
  if (guard === undefined || guard === null) return undefined;
  if (typeof guard === 'string') return guard;
  if (typeof guard === 'function') {
    const g = guard as { guards?: unknown[]; name?: string };
    if (Array.isArray(g.guards)) return `${g.name ?? 'and'}(${g.guards.map(guardName).join(', ')})`;
    return g.name !== undefined && g.name !== '' ? g.name : 'guard';
  }
  if (typeof guard === 'object' && 'type' in guard) {
    const g = guard as { type: unknown; params?: unknown };
    const params =
      g.params !== null && typeof g.params === 'object'
        ? Object.values(g.params).filter((v) => typeof v === 'string' || typeof v === 'number')
        : [];
    return params.length > 0 ? `${String(g.type)}(${params.join(', ')})` : String(g.type);
  }
  return 'guard';
}

function eventText(eventType: string): string {
  const after = /^xstate\.after\.([^.]+)\./.exec(eventType);
  if (after !== null) return `after ${after[1]}`;
  const actor = /^xstate\.(done|error)\.actor\.(.+)$/.exec(eventType);
  if (actor !== null) return `${actor[1]} ${actor[2]}`;
  return eventType === '' ? 'always' : eventType;
}

// Mermaid ends a label at a semicolon and treats # and : specially.
const clean = (label: string): string => label.replace(/[;#:]/g, ' ');

function groupEvents(
  events: readonly string[],
  groups: Readonly<Record<string, readonly string[]>>,
): string[] {
  let out = [...events];
  for (const [name, members] of Object.entries(groups)) {
    if (members.length > 0 && members.every((m) => out.includes(m))) {
      const at = out.indexOf(members[0]!);
      out = out.filter((e) => !members.includes(e));
      out.splice(Math.min(at, out.length), 0, name);
    }
  }
  return out;
}

/** Where an edge is drawn: two siblings of one scope, with notes on what was lifted. */
interface PlacedEdge {
  /** The path of the composite state whose block holds the edge ([] for the top level). */
  readonly scope: readonly string[];
  readonly from: string;
  readonly to: string;
  readonly fromNote: string;
  readonly toNote: string;
}

/**
 * Places a transition between siblings of one scope. Mermaid cannot draw a transition between
 * states inside two different composite states, so each endpoint is lifted to the child of the
 * lowest common scope that contains it, and the label names the state it really leaves or enters.
 * A transition of a composite state into its own descendants starts from that composite's
 * "(any state)" node.
 */
function placeEdge(source: AnyStateNode, target: AnyStateNode): PlacedEdge {
  const sp = source.path;
  const tp = target.path;
  let i = 0;
  while (i < sp.length && i < tp.length && sp[i] === tp[i]) i++;
  const idOf = (path: readonly string[]): string => (path.length === 0 ? 'any_state' : pathId(path));
  const rest = (path: readonly string[], from: number): string => path.slice(from).join('.');
  if (i === sp.length && i === tp.length) {
    // A self-transition: drawn as a loop in the parent's block (the machine's own: on "(any state)").
    return { scope: sp.slice(0, -1), from: idOf(sp), to: idOf(sp), fromNote: '', toNote: '' };
  }
  if (i === sp.length) {
    // Into its own descendants.
    return {
      scope: sp,
      from: anyId(sp),
      to: idOf(tp.slice(0, i + 1)),
      fromNote: '',
      toNote: rest(tp, i + 1),
    };
  }
  if (i === tp.length) {
    // Out to one of its ancestors: a loop on that ancestor, noting where it started.
    return { scope: tp.slice(0, -1), from: idOf(tp), to: idOf(tp), fromNote: rest(sp, i), toNote: '' };
  }
  return {
    scope: sp.slice(0, i),
    from: idOf(sp.slice(0, i + 1)),
    to: idOf(tp.slice(0, i + 1)),
    fromNote: rest(sp, i + 1),
    toNote: rest(tp, i + 1),
  };
}

interface LabelGroup {
  readonly suffix: string;
  readonly events: string[];
}

const pathId = (path: readonly string[]): string => path.join('_').replace(/[^A-Za-z0-9_]/g, '_');
const anyId = (scope: readonly string[]): string =>
  scope.length === 0 ? 'any_state' : `${pathId(scope)}__any`;

/**
 * Renders a machine as a Mermaid stateDiagram-v2. `eventGroups` names sets of events: an edge
 * taken by every event of a set (with the same guard) is labelled with the set's name instead.
 */
export function toMermaid(
  machine: AnyStateMachine,
  eventGroups: Readonly<Record<string, readonly string[]>> = {},
): string {
  const graph = toDirectedGraph(machine);
  // Per scope and (from, to): the events grouped by guard and lifted endpoints.
  const edges = new Map<string, { placed: PlacedEdge; byLabel: Map<string, LabelGroup> }>();
  const anyUsed = new Set<string>();

  const addEdges = (node: DirectedGraphNode): void => {
    for (const edge of node.edges) {
      const placed = placeEdge(edge.source, edge.target);
      if (placed.from === anyId(placed.scope)) anyUsed.add(placed.scope.join('.'));
      const key = `${placed.scope.join('.')}|${placed.from}->${placed.to}`;
      const entry = edges.get(key) ?? { placed, byLabel: new Map<string, LabelGroup>() };
      const guard = guardName(edge.transition.guard);
      const suffix =
        (guard === undefined ? '' : ` [${guard}]`) +
        (placed.fromNote === '' ? '' : ` from ${placed.fromNote}`) +
        (placed.toNote === '' ? '' : ` to ${placed.toNote}`);
      const group: LabelGroup = entry.byLabel.get(suffix) ?? { suffix, events: [] };
      const text = eventText(edge.label.text);
      if (!group.events.includes(text)) group.events.push(text);
      entry.byLabel.set(suffix, group);
      edges.set(key, entry);
    }
    node.children.forEach(addEdges);
  };
  addEdges(graph);

  const edgeLines = (scope: readonly string[], indent: string): string[] => {
    const out: string[] = [];
    const scopeKey = scope.join('.');
    if (anyUsed.has(scopeKey)) out.push(`${indent}state "(any state)" as ${anyId(scope)}`);
    for (const { placed, byLabel } of edges.values()) {
      if (placed.scope.join('.') !== scopeKey) continue;
      const labels = [...byLabel.values()].map((g) =>
        clean(groupEvents(g.events, eventGroups).join(', ') + g.suffix),
      );
      out.push(`${indent}${placed.from} --> ${placed.to} : ${labels.join(' | ')}`);
    }
    return out;
  };

  const lines: string[] = ['stateDiagram-v2'];
  const declare = (node: DirectedGraphNode, indent: string): void => {
    const sn = node.stateNode;
    const id = pathId(sn.path);
    const name = sn.type === 'history' ? `${sn.key} (H)` : sn.key;
    lines.push(`${indent}state "${name}" as ${id}`);
    if (node.children.length > 0) {
      lines.push(`${indent}state ${id} {`);
      for (const child of node.children) declare(child, `${indent}  `);
      const initial = sn.initial?.target[0] as AnyStateNode | undefined;
      if (initial !== undefined) lines.push(`${indent}  [*] --> ${pathId(initial.path)}`);
      lines.push(...edgeLines(sn.path, `${indent}  `));
      lines.push(`${indent}}`);
    }
    if (sn.type === 'final') lines.push(`${indent}${id} --> [*]`);
  };

  for (const child of graph.children) declare(child, '  ');
  const rootInitial = machine.root.initial?.target[0] as AnyStateNode | undefined;
  if (rootInitial !== undefined) lines.push(`  [*] --> ${pathId(rootInitial.path)}`);
  lines.push(...edgeLines([], '  '));
  return lines.join('\n') + '\n';
}

function sanitize(value: unknown, depth: number): unknown {
  if (depth > 50) return '[deep]';
  if (typeof value === 'function') {
    const fn = value as { type?: unknown; guards?: unknown; name?: string };
    if (typeof fn.type === 'string') {
      return Array.isArray(fn.guards)
        ? { type: fn.type, guards: fn.guards.map((g) => sanitize(g, depth + 1)) }
        : { type: fn.type };
    }
    return fn.name !== undefined && fn.name !== '' ? fn.name : 'inline';
  }
  if (Array.isArray(value)) return value.map((v) => sanitize(v, depth + 1));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = sanitize(v, depth + 1);
    return out;
  }
  return value;
}

/** Returns the machine config as JSON-safe data, every function replaced by its name or type. */
export function toStatelyConfig(machine: AnyStateMachine): unknown {
  return sanitize(machine.config, 0);
}
