import { describe, expect, test } from 'bun:test';
import type { BusMessage } from '../sync/bus';
import { createMemoryBusNetwork } from '../sync/memory-bus';
import { createSessionFanout } from './session-fanout';

const SESSION = 'session-1';

function recorder() {
  const frames: Array<Record<string, any>> = [];
  return { frames, send: (frame: string) => void frames.push(JSON.parse(frame)) };
}

const envelope = { v: 1 as const, instanceId: 'other', id: 'm', ts: 0 };
const delta = (seq: number, text: string, turnId = 'turn-1'): BusMessage => ({ ...envelope, type: 'session.delta', data: { sessionId: SESSION, turnId, seq, text } });
const done = (turnId = 'turn-1', deltas?: number): BusMessage => ({ ...envelope, type: 'session.done', data: { sessionId: SESSION, turnId, cache: 'MISS', deltas } });

function fanout() {
  const network = createMemoryBusNetwork();
  const clock = { ms: 0 };
  const f = createSessionFanout({ bus: network.connect({ instanceId: 'here' }), maxTrackedRemoteTurns: 2, remoteTurnTimeoutMs: 1_000, now: () => clock.ms });
  return { fanout: f, network, clock };
}

describe('session fan-out', () => {
  test('puts remote deltas back in seq order and drops duplicates', () => {
    const { fanout: f } = fanout();
    const watcher = recorder();
    f.subscribe(SESSION, watcher);
    for (const message of [delta(0, 'a'), delta(2, 'c'), delta(1, 'b'), delta(1, 'b'), delta(3, 'd'), done()]) f.receive(message);
    expect(watcher.frames.map((frame) => frame.text ?? frame.type)).toEqual(['a', 'b', 'c', 'd', 'done']);
    expect(f.stats()).toMatchObject({ duplicates: 1, gaps: 0, trackedRemoteTurns: 0 });
  });

  test('skips a delta lost on the bus when the turn ends, counting the gap', () => {
    const { fanout: f } = fanout();
    const watcher = recorder();
    f.subscribe(SESSION, watcher);
    for (const message of [delta(0, 'a'), delta(2, 'c'), done('turn-1', 3)]) f.receive(message);
    expect(watcher.frames.map((frame) => frame.text ?? frame.type)).toEqual(['a', 'c', 'done']);
    expect(watcher.frames.at(-1)!.incomplete).toBe(true);
    expect(f.stats().gaps).toBe(1);
  });

  test('marks a relayed done incomplete when its last deltas were lost, or it was watched from mid-turn', () => {
    const { fanout: f } = fanout();
    const watcher = recorder();
    f.subscribe(SESSION, watcher);
    for (const message of [delta(0, 'a', 'tail-lost'), done('tail-lost', 3), delta(2, 'c', 'late-watch'), delta(3, 'd', 'late-watch'), done('late-watch', 4), delta(0, 'x', 'whole'), done('whole', 1)]) f.receive(message);
    const dones = watcher.frames.filter((frame) => frame.type === 'done');
    expect(dones.map((frame) => [frame.id, frame.incomplete])).toEqual([
      ['tail-lost', true],
      ['late-watch', true],
      ['whole', undefined],
    ]);
    expect(f.stats().gaps).toBe(2);
  });

  test('ignores events of sessions nobody here watches', () => {
    const { fanout: f } = fanout();
    f.receive(delta(0, 'a'));
    expect(f.stats()).toMatchObject({ relayed: 0, trackedRemoteTurns: 0 });
  });

  test('delivers local events to every subscriber except the socket that started the turn, once', () => {
    const { fanout: f } = fanout();
    const origin = recorder();
    const other = recorder();
    f.subscribe(SESSION, origin);
    f.subscribe(SESSION, other);
    f.subscribe(SESSION, other);
    f.publishDelta({ sessionId: SESSION, turnId: 't' }, 0, 'hi', origin);
    f.publishDone({ sessionId: SESSION, turnId: 't' }, { cache: 'MISS' }, origin, 1);
    expect(origin.frames).toEqual([]);
    expect(other.frames).toEqual([
      { type: 'delta', id: 't', sessionId: SESSION, text: 'hi' },
      { type: 'done', id: 't', sessionId: SESSION, cache: 'MISS' },
    ]);
    f.unsubscribe(SESSION, other);
    f.unsubscribe(SESSION, origin);
    expect(f.stats()).toMatchObject({ sessions: 0, subscriptions: 0 });
  });

  test('relays published events to subscribers on another instance through the bus', async () => {
    const { fanout: here, network } = fanout();
    const there = createSessionFanout({ bus: network.connect({ instanceId: 'there' }), maxTrackedRemoteTurns: 10, remoteTurnTimeoutMs: 60_000 });
    there.start();
    const watcher = recorder();
    there.subscribe(SESSION, watcher);
    here.publishDelta({ sessionId: SESSION, turnId: 't' }, 0, 'one ', undefined);
    here.publishDelta({ sessionId: SESSION, turnId: 't' }, 1, 'two', undefined);
    here.publishError({ sessionId: SESSION, turnId: 't' }, 'cancelled', 'The turn was cancelled.', undefined);
    while (watcher.frames.length < 3) await Bun.sleep(1);
    expect(watcher.frames.map((frame) => frame.text ?? frame.code)).toEqual(['one ', 'two', 'cancelled']);
    there.stop();
  });

  test('forgets the oldest remote turn past the tracking cap', () => {
    const { fanout: f } = fanout();
    f.subscribe(SESSION, recorder());
    for (const turnId of ['t1', 't2', 't3']) f.receive(delta(0, 'x', turnId));
    expect(f.stats().trackedRemoteTurns).toBe(2);
  });

  test('ends a remote turn that goes silent with turn_lost, once, and keeps live ones', () => {
    const { fanout: f, clock } = fanout();
    const watcher = recorder();
    f.subscribe(SESSION, watcher);
    f.receive(delta(0, 'a', 'silent'));
    f.receive(delta(0, 'b', 'live'));
    clock.ms = 600;
    f.sweep();
    expect(watcher.frames.map((frame) => frame.type)).toEqual(['delta', 'delta']);
    f.receive(delta(1, 'b2', 'live'));
    clock.ms = 1_001;
    f.sweep();
    f.sweep();
    expect(watcher.frames.slice(3)).toEqual([{ type: 'error', id: 'silent', sessionId: SESSION, code: 'turn_lost', message: expect.stringContaining('stopped sending') }]);
    expect(f.stats()).toMatchObject({ lostTurns: 1, trackedRemoteTurns: 1 });
    f.receive(done('live'));
    expect(watcher.frames.at(-1)).toMatchObject({ type: 'done', id: 'live' });
  });

  test('joins the session topic with the first local watcher and leaves it with the last', async () => {
    const network = createMemoryBusNetwork();
    const bus = network.connect({ instanceId: 'here' });
    const f = createSessionFanout({ bus, maxTrackedRemoteTurns: 10, remoteTurnTimeoutMs: 60_000 });
    const [one, two] = [recorder(), recorder()];
    await f.subscribe(SESSION, one);
    await f.subscribe(SESSION, two);
    expect(bus.stats().topics).toBe(1);
    f.unsubscribe(SESSION, one);
    expect(bus.stats().topics).toBe(1);
    f.unsubscribe(SESSION, two);
    expect(bus.stats().topics).toBe(0);
  });

  test('sends session events only to instances watching the session', async () => {
    const network = createMemoryBusNetwork();
    const origin = createSessionFanout({ bus: network.connect({ instanceId: 'origin' }), maxTrackedRemoteTurns: 10, remoteTurnTimeoutMs: 60_000 });
    const watchingBus = network.connect({ instanceId: 'watching' });
    const idleBus = network.connect({ instanceId: 'idle' });
    const watching = createSessionFanout({ bus: watchingBus, maxTrackedRemoteTurns: 10, remoteTurnTimeoutMs: 60_000, heartbeatMs: 0 });
    watching.start();
    const watcher = recorder();
    await watching.subscribe(SESSION, watcher);
    origin.publishDelta({ sessionId: SESSION, turnId: 't' }, 0, 'hi', undefined);
    origin.publishDone({ sessionId: SESSION, turnId: 't' }, { cache: 'MISS' }, undefined, 1);
    while (watcher.frames.length < 2) await Bun.sleep(1);
    expect(watchingBus.stats().received).toBe(2);
    expect(idleBus.stats().received).toBe(0);
    watching.stop();
  });

  test('ends the turns of an origin instance that stops announcing itself long before the turn timeout', () => {
    const network = createMemoryBusNetwork();
    const clock = { ms: 0 };
    const f = createSessionFanout({ bus: network.connect({ instanceId: 'here' }), maxTrackedRemoteTurns: 10, remoteTurnTimeoutMs: 60_000, heartbeatMs: 1_000, now: () => clock.ms });
    const watcher = recorder();
    f.subscribe(SESSION, watcher);
    const from = (instanceId: string, message: BusMessage): BusMessage => ({ ...message, instanceId });
    const alive = (instanceId: string): BusMessage => ({ ...envelope, instanceId, type: 'instance.alive', data: {} });
    f.receive(from('dying', delta(0, 'a', 'dying-turn')));
    f.receive(from('healthy', delta(0, 'b', 'healthy-turn')));
    // 'healthy' keeps announcing itself (its turn merely pauses); 'dying' falls silent.
    for (const at of [1_000, 2_000, 2_900]) {
      clock.ms = at;
      f.receive(alive('healthy'));
      f.sweep();
    }
    expect(watcher.frames.filter((frame) => frame.type === 'error')).toEqual([]);
    clock.ms = 3_100; // 'dying' silent for more than 3 heartbeats, 'healthy' heard 200 ms ago
    f.sweep();
    expect(watcher.frames.filter((frame) => frame.type === 'error').map((frame) => [frame.id, frame.code])).toEqual([['dying-turn', 'turn_lost']]);
    expect(f.stats()).toMatchObject({ lostTurns: 1, trackedRemoteTurns: 1 });
  });

  test('announces this instance on the bus while started', async () => {
    const network = createMemoryBusNetwork();
    const other = network.connect({ instanceId: 'other' });
    const heard: string[] = [];
    other.subscribe((message) => void heard.push(`${message.type}:${message.instanceId}`));
    const f = createSessionFanout({ bus: network.connect({ instanceId: 'here' }), maxTrackedRemoteTurns: 10, remoteTurnTimeoutMs: 60_000, heartbeatMs: 20 });
    f.start();
    while (heard.length < 2) await Bun.sleep(5);
    f.stop();
    expect(heard.slice(0, 2)).toEqual(['instance.alive:here', 'instance.alive:here']);
  });
});
