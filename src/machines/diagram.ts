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

const mermaidId = (machine: AnyStateMachine, id: string): string =>
  id === machine.id ? 'any_state' : id.slice(machine.id.length + 1).replace(/[^A-Za-z0-9]/g, '_');

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

/** Returns a short edge label: `after connectTimeout`, `done queryOrder`, `ws.opened [needsAuth]`. */
export function edgeLabel(eventType: string, guard: unknown): string {
  const g = guardName(guard);
  return clean(g === undefined ? eventText(eventType) : `${eventText(eventType)} [${g}]`);
}

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

/**
 * Renders a machine as a Mermaid stateDiagram-v2. `eventGroups` names sets of events: an edge
 * taken by every event of a set (with the same guard) is labelled with the set's name instead.
 */
export function toMermaid(
  machine: AnyStateMachine,
  eventGroups: Readonly<Record<string, readonly string[]>> = {},
): string {
  const graph = toDirectedGraph(machine);
  const lines: string[] = ['stateDiagram-v2'];
  // Per (from, to): the events grouped by guard, so one edge lists every event that takes it.
  const edges = new Map<string, { from: string; to: string; byGuard: Map<string, string[]> }>();
  let anyUsed = false;

  const addEdges = (node: DirectedGraphNode): void => {
    for (const edge of node.edges) {
      const from = mermaidId(machine, edge.source.id);
      const to = mermaidId(machine, edge.target.id);
      if (from === 'any_state') anyUsed = true;
      const key = `${from}->${to}`;
      const entry = edges.get(key) ?? { from, to, byGuard: new Map<string, string[]>() };
      const guard = guardName(edge.transition.guard) ?? '';
      const events = entry.byGuard.get(guard) ?? [];
      const text = eventText(edge.label.text);
      if (!events.includes(text)) events.push(text);
      entry.byGuard.set(guard, events);
      edges.set(key, entry);
    }
    node.children.forEach(addEdges);
  };
  addEdges(graph);

  const declare = (node: DirectedGraphNode, indent: string): void => {
    const sn = node.stateNode;
    const id = mermaidId(machine, sn.id);
    const name = sn.type === 'history' ? `${sn.key} (H)` : sn.key;
    lines.push(`${indent}state "${name}" as ${id}`);
    if (node.children.length > 0) {
      lines.push(`${indent}state ${id} {`);
      const initial = sn.initial?.target[0] as AnyStateNode | undefined;
      if (initial !== undefined) lines.push(`${indent}  [*] --> ${mermaidId(machine, initial.id)}`);
      for (const child of node.children) declare(child, `${indent}  `);
      lines.push(`${indent}}`);
    }
    if (sn.type === 'final') lines.push(`${indent}${id} --> [*]`);
  };

  const rootInitial = machine.root.initial?.target[0] as AnyStateNode | undefined;
  if (rootInitial !== undefined) lines.push(`  [*] --> ${mermaidId(machine, rootInitial.id)}`);
  for (const child of graph.children) declare(child, '  ');
  if (anyUsed) lines.push('  state "(any state)" as any_state');
  for (const { from, to, byGuard } of edges.values()) {
    const labels = [...byGuard].map(([guard, events]) => {
      const shown = groupEvents(events, eventGroups);
      return clean(guard === '' ? shown.join(', ') : `${shown.join(', ')} [${guard}]`);
    });
    lines.push(`  ${from} --> ${to} : ${labels.join('; ').replace(/;/g, ' |')}`);
  }
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
