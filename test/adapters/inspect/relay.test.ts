import { describe, expect, it, vi } from 'vitest';
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

  it('forgets finished actors and caps what it keeps, holding on to the root', async () => {
    const relay = await startInspectorRelay(0);
    const bot = new WebSocket(relay.wsUrl);
    await new Promise((resolve) => bot.once('open', resolve));
    const actor = (sessionId: string) =>
      JSON.stringify({ type: '@xstate.actor', sessionId, definition: '{"id":"order"}' });
    const snapshot = (sessionId: string, status: string) =>
      JSON.stringify({ type: '@xstate.snapshot', sessionId, snapshot: { status } });
    bot.send(actor('x:0'));
    for (let i = 1; i <= 3; i++) bot.send(actor(`x:${i}`));
    bot.send(snapshot('x:2', 'active'));
    bot.send(snapshot('x:3', 'done'));
    await vi.waitFor(() => expect(relay.registrations()).toBe(3), { timeout: 10_000, interval: 10 });

    // An order machine per order over a long run: the registrations kept stay bounded.
    for (let i = 4; i < 2_600; i++) bot.send(actor(`x:${i}`));
    await vi.waitFor(() => expect(relay.registrations()).toBe(2_000), { timeout: 10_000, interval: 10 });
    const browser = new WebSocket(relay.wsUrl);
    const received: string[] = [];
    browser.on('message', (d: Buffer) => received.push(d.toString('utf8')));
    await vi.waitFor(() => expect(received.length).toBeGreaterThanOrEqual(2_000), {
      timeout: 10_000,
      interval: 10,
    });
    const sessions = received
      .map((t) => JSON.parse(t) as { type: string; sessionId: string })
      .filter((m) => m.type === '@xstate.actor')
      .map((m) => m.sessionId);
    expect(sessions[0]).toBe('x:0');
    expect(sessions).toContain('x:2599');
    expect(sessions).not.toContain('x:3');
    expect(sessions).not.toContain('x:1');
    browser.close();
    bot.close();
    await relay.close();
  });
});
