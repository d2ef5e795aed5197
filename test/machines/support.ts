/**
 * Shared helpers of the machine tests: the shortest-path coverage check (every state node
 * reached, every transition taken), which actor outcomes can reach a state, and timer events.
 */
import {
  getStateNodes,
  initialTransition,
  transition,
  type AnyMachineSnapshot,
  type AnyStateMachine,
  type AnyStateNode,
  type ActorLogic,
  type EventObject,
  type StateValue,
} from 'xstate';
import { getShortestPaths, toDirectedGraph, type DirectedGraphNode } from 'xstate/graph';

/** The ids of the active state nodes of a snapshot (the root excluded). */
function activeIds(machine: AnyStateMachine, snapshot: AnyMachineSnapshot): Set<string> {
  const nodes: AnyStateNode[] = getStateNodes(machine.root, snapshot.value as StateValue);
  return new Set(nodes.filter((n) => n !== machine.root).map((n) => n.id));
}

/** Every state node id of a machine except the root and history pseudo-states. */
function allStateIds(machine: AnyStateMachine): string[] {
  const out: string[] = [];
  const walk = (node: AnyStateNode): void => {
    for (const child of Object.values(node.states)) {
      if (child.type !== 'history') out.push(child.id);
      walk(child);
    }
  };
  walk(machine.root);
  return out;
}

/** A transition of the machine, as toDirectedGraph lists it. */
interface EdgeInfo {
  readonly key: string;
  readonly transition: unknown;
}

/** Every transition definition of the machine, keyed `source --event--> target #index`. */
function allTransitions(machine: AnyStateMachine): EdgeInfo[] {
  const out: EdgeInfo[] = [];
  const walk = (node: DirectedGraphNode): void => {
    node.edges.forEach((e, i) => {
      out.push({ key: `${e.source.id} --${e.label.text}--> ${e.target.id} #${i}`, transition: e.transition });
    });
    node.children.forEach(walk);
  };
  walk(toDirectedGraph(machine));
  return out;
}

/**
 * The machine as actor logic whose steps are the pure `transition()`. getShortestPaths on the
 * machine itself runs every step in one shared mock actor scope, so spawning a child with a
 * systemId twice (in two branches of the traversal) throws; each pure step has its own scope,
 * exactly as in a replay.
 */
function pureLogic(machine: AnyStateMachine): ActorLogic<AnyMachineSnapshot, EventObject, unknown> {
  return {
    transition: (snapshot, event) => transition(machine, snapshot, event)[0],
    getInitialSnapshot: (_scope, input) => initialTransition(machine, input)[0],
    getPersistedSnapshot: (snapshot) => snapshot,
  };
}

/**
 * Whether an event can really reach a snapshot: an actor's done or error event only arrives while
 * that actor is a child (elsewhere an unhandled error event would error the machine, a state no
 * run can reach).
 */
export function isPossible(snapshot: AnyMachineSnapshot, event: EventObject): boolean {
  const m = /^xstate\.(?:done|error)\.actor\.(.+)$/.exec(event.type);
  if (m === null) return true;
  const children = snapshot.children as Record<string, unknown>;
  return children[m[1]!] !== undefined;
}

/** What shortest-path traversal covered. */
export interface Coverage {
  readonly paths: number;
  readonly missingStates: string[];
  readonly missingTransitions: string[];
}

/**
 * Traverses the machine with getShortestPaths over `events` (timers and actor outcomes included
 * as explicit events), then, from every state reached, tries every event and records which
 * transition definitions `getTransitionData` selects. Returns what was never reached or taken.
 */
export function coverage(
  machine: AnyStateMachine,
  options: {
    /** One traversal per input; the coverage is their union. */
    inputs: readonly unknown[];
    events: readonly EventObject[];
    serializeState?: (s: AnyMachineSnapshot) => string;
    limit?: number;
  },
): Coverage {
  const reached = new Set<string>();
  const taken = new Set<unknown>();
  let count = 0;
  for (const input of options.inputs) {
    const serialize =
      options.serializeState ?? ((s: AnyMachineSnapshot) => JSON.stringify([s.value, s.context]));
    const paths = getShortestPaths(pureLogic(machine), {
      input,
      events: options.events,
      filterEvents: (snapshot: AnyMachineSnapshot, event: EventObject) => isPossible(snapshot, event),
      limit: options.limit ?? 100_000,
      serializeState: (s: AnyMachineSnapshot) => serialize(s),
    });
    count += paths.length;
    for (const path of paths) {
      const snapshot: AnyMachineSnapshot = path.state;
      // No modelled event may error the machine.
      if (snapshot.status === 'error')
        throw new Error(`error snapshot after ${JSON.stringify(path.steps.map((x) => x.event.type))}`);
      for (const id of activeIds(machine, snapshot)) reached.add(id);
      if (snapshot.status !== 'active') continue;
      for (const event of options.events) {
        if (!isPossible(snapshot, event)) continue;
        for (const t of machine.getTransitionData(snapshot, event)) taken.add(t);
      }
    }
  }
  return {
    paths: count,
    missingStates: allStateIds(machine).filter((id) => !reached.has(id)),
    missingTransitions: allTransitions(machine)
      .filter((e) => !taken.has(e.transition))
      .map((e) => e.key),
  };
}

/** The timer event XState raises for a named delay of a state. */
export function after(delay: string, stateId: string): EventObject {
  return { type: `xstate.after.${delay}.${stateId}` };
}
