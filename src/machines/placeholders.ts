/**
 * Placeholders for the effects a machine names but does not implement. The actor layer replaces
 * every one of them with `machine.provide({ actors })`; a placeholder that runs anyway fails loudly
 * as an actor error (which the machine handles like any other failure of that actor), so a
 * forgotten `provide` never passes silently.
 */
import { fromCallback, fromPromise, type EventObject, type NonReducibleUnknown } from 'xstate';

/** Thrown by a placeholder actor that was started because the actor layer did not provide it. */
export class NotProvidedError extends Error {
  constructor(readonly actor: string) {
    super(`actor '${actor}' was not provided: pass it with machine.provide({ actors: { ${actor} } })`);
    this.name = 'NotProvidedError';
  }
}

/** Returns a callback-actor placeholder that throws when started. */
export function missingCallback<TEvent extends EventObject, TInput = NonReducibleUnknown>(name: string) {
  return fromCallback<TEvent, TInput>(() => {
    throw new NotProvidedError(name);
  });
}

/** Returns a promise-actor placeholder that rejects when started. */
export function missingPromise<TOutput, TInput = NonReducibleUnknown>(name: string) {
  return fromPromise<TOutput, TInput>(() => Promise.reject(new NotProvidedError(name)));
}
