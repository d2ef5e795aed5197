import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createActor, setup } from 'xstate';
import { createWebSocketInspector } from '@statelyai/inspect';
import { startInspectorRelay } from '../../../src/adapters/inspect/relay.js';

describe('inspector relay', () => {
  it('serves its page on loopback and relays the machines to a browser that connects late', async () => {
    const relay = await startInspectorRelay(0);
    expect(relay.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const page = await (await fetch(relay.url)).text();
    expect(page).toContain('https://stately.ai/inspect');
    expect(page).toContain(relay.wsUrl);

    const inspector = createWebSocketInspector({ url: relay.wsUrl });
    const machine = setup({}).createMachine({
      id: 'toggle',
      initial: 'off',
      states: { off: { on: { flip: 'on' } }, on: {} },
    });
    const actor = createActor(machine, { inspect: inspector.inspect }).start();
    actor.send({ type: 'flip' });

    // A browser opened after the bot started still receives the actor's registration.
    const browser = new WebSocket(relay.wsUrl);
    const received: string[] = [];
    browser.on('message', (d: Buffer) => received.push(d.toString('utf8')));
    await new Promise<void>((resolve, reject) => {
      const deadline = setTimeout(
        () => reject(new Error(`no registration relayed: ${received.join('\n')}`)),
        10_000,
      );
      const check = setInterval(() => {
        if (received.some((m) => m.includes('@xstate.actor') && m.includes('toggle'))) {
          clearTimeout(deadline);
          clearInterval(check);
          resolve();
        }
      }, 20);
    });
    browser.close();
    inspector.stop();
    actor.stop();
    await relay.close();
  });
});
