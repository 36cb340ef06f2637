/**
 * One contract suite for every Bus adapter (memory network and Redis), then the Redis-only behaviours:
 * prefix isolation, publishing while Redis is unreachable, and resubscribing after a dropped connection.
 */
import { afterAll, describe, expect, test } from 'bun:test';
import Redis from 'ioredis';
import { silentLogger } from '../log';
import { redisAvailable, TEST_REDIS_URL } from '../testing/services';
import type { Bus } from './bus';
import { collect, delta, freePort, listenProxy, turnIds, waitFor } from './bus-test-helpers';
import { createMemoryBusNetwork } from './memory-bus';
import { busChannel, busConnectionName, createRedisBus } from './redis-bus';

const hasRedis = await redisAvailable();
const runId = `gw-test-bus-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
let instanceSeq = 0;
const nextInstanceId = () => `${runId}-i${++instanceSeq}`;

/** A plain client for the tests' own Redis commands (injecting raw messages, killing connections). */
let admin: Redis | undefined;
const adminClient = () => (admin ??= new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 }));
afterAll(() => admin?.disconnect());

interface Harness {
  /** Connected, subscribed buses, as if separate instances. */
  start(count: number): Promise<Bus[]>;
  injectRaw(raw: string): Promise<void>;
  dropSubscription(bus: Bus): Promise<void>;
  stop(): Promise<void>;
}

function memoryHarness(): Harness {
  const network = createMemoryBusNetwork();
  const buses: Bus[] = [];
  return {
    async start(count) {
      for (let i = 0; i < count; i++) buses.push(network.connect({ instanceId: nextInstanceId() }));
      return buses.slice(-count);
    },
    injectRaw: async (raw) => network.injectRaw(raw),
    async dropSubscription(bus) {
      network.disconnect(bus);
      network.restore(bus);
    },
    stop: async () => void (await Promise.all(buses.map((bus) => bus.close()))),
  };
}

function redisHarness(prefix = `${runId}-${++instanceSeq}`): Harness {
  const buses: Bus[] = [];
  return {
    async start(count) {
      const started = Array.from({ length: count }, () =>
        createRedisBus({ url: TEST_REDIS_URL, prefix, instanceId: nextInstanceId(), logger: silentLogger }),
      );
      buses.push(...started);
      for (const bus of started) expect(await bus.ready(5000)).toBe(true);
      return started;
    },
    async injectRaw(raw) {
      await adminClient().publish(busChannel(prefix), raw);
    },
    async dropSubscription(bus) {
      // Kill exactly this bus's subscriber, found by its client name: other suites may share the Redis.
      const list = (await adminClient().call('CLIENT', 'LIST', 'TYPE', 'pubsub')) as string;
      const name = busConnectionName(bus.instanceId, 'sub');
      const line = list.split('\n').find((row) => row.includes(` name=${name} `));
      const id = line?.match(/^id=(\d+)/)?.[1];
      if (!id) throw new Error(`no pubsub client named ${name}`);
      await adminClient().call('CLIENT', 'KILL', 'ID', id);
    },
    stop: async () => void (await Promise.all(buses.map((bus) => bus.close()))),
  };
}

const adapters = [
  { name: 'memory network', available: true, harness: memoryHarness },
  { name: 'redis', available: hasRedis, harness: () => redisHarness() },
];

describe.each(adapters)('Bus contract: $name', ({ available, harness: makeHarness }) => {
  const it = test.skipIf(!available);
  const withHarness = (body: (harness: Harness) => Promise<void>) => async () => {
    const harness = makeHarness();
    try {
      await body(harness);
    } finally {
      await harness.stop();
    }
  };

  it('delivers a published event to the other instance with its envelope, and not to the publisher', withHarness(async (h) => {
    const [a, b] = await h.start(2);
    const atA = collect(a!);
    const atB = collect(b!);
    await a!.publish({ type: 'cache.upsert', data: { tenant: 't1', entryId: 'e1', partition: 'p1', modelId: 'm1' } });

    await waitFor(() => atB.messages.length === 1, { what: 'delivery to b' });
    await waitFor(() => a!.stats().droppedEchoes === 1, { what: 'the echo at a' });
    const [message] = atB.messages;
    expect(message).toMatchObject({ v: 1, type: 'cache.upsert', instanceId: a!.instanceId, data: { tenant: 't1', entryId: 'e1', partition: 'p1', modelId: 'm1' } });
    expect(typeof message!.id).toBe('string');
    expect(typeof message!.ts).toBe('number');
    expect(atA.messages).toHaveLength(0);
    expect(a!.stats()).toMatchObject({ published: 1, received: 0, connected: true });
    expect(b!.stats()).toMatchObject({ published: 0, received: 1, droppedEchoes: 0 });
  }));

  it('fans out to every other instance, in publish order', withHarness(async (h) => {
    const [a, b, c] = await h.start(3);
    const atB = collect(b!);
    const atC = collect(c!);
    for (const turn of ['one', 'two', 'three']) await a!.publish(delta(turn));
    await waitFor(() => atB.messages.length === 3 && atC.messages.length === 3, { what: 'fan-out' });
    expect(turnIds(atB.messages)).toEqual(['one', 'two', 'three']);
    expect(turnIds(atC.messages)).toEqual(['one', 'two', 'three']);
  }));

  it('drops and counts malformed messages without delivering them', withHarness(async (h) => {
    const [a, b] = await h.start(2);
    const atB = collect(b!);
    await h.injectRaw('not json {');
    await h.injectRaw(JSON.stringify({ v: 1, type: 'cache.explode', instanceId: 'x', id: 'y', ts: 1, data: {} }));
    await h.injectRaw(JSON.stringify({ v: 2, type: 'cache.flush', instanceId: 'x', id: 'y', ts: 1, data: { tenant: 't' } }));
    await a!.publish(delta('valid'));

    await waitFor(() => atB.messages.length === 1 && b!.stats().droppedMalformed === 3, { what: 'valid message and drops' });
    expect(turnIds(atB.messages)).toEqual(['valid']);
    expect(b!.stats().received).toBe(1);
  }));

  it('stops delivering to a handler once it unsubscribes, and keeps delivering to the others', withHarness(async (h) => {
    const [a, b] = await h.start(2);
    const first = collect(b!);
    const second = collect(b!);
    await a!.publish(delta('before'));
    await waitFor(() => second.messages.length === 1);
    first.unsubscribe();
    first.unsubscribe();
    await a!.publish(delta('after'));
    await waitFor(() => second.messages.length === 2);
    expect(turnIds(first.messages)).toEqual(['before']);
    expect(turnIds(second.messages)).toEqual(['before', 'after']);
  }));

  it('keeps delivering to other handlers when one throws or rejects, and counts the failures', withHarness(async (h) => {
    const [a, b] = await h.start(2);
    b!.subscribe(() => {
      throw new Error('handler bug');
    });
    b!.subscribe(async () => {
      throw new Error('async handler bug');
    });
    const healthy = collect(b!);
    await a!.publish(delta('one'));
    await a!.publish(delta('two'));
    await waitFor(() => healthy.messages.length === 2 && b!.stats().handlerErrors === 4, { what: 'delivery despite failures' });
  }));

  it('resubscribes after a dropped subscription, fires onReconnect, and receives later messages', withHarness(async (h) => {
    const [a, b] = await h.start(2);
    const atB = collect(b!);
    let reconnects = 0;
    b!.onReconnect(() => {
      reconnects++;
    });
    await h.dropSubscription(b!);
    await waitFor(() => reconnects === 1, { what: 'onReconnect' });
    expect(b!.stats().connected).toBe(true);
    await a!.publish(delta('after-reconnect'));
    await waitFor(() => atB.messages.length === 1, { what: 'delivery after reconnect' });
    expect(turnIds(atB.messages)).toEqual(['after-reconnect']);
  }));

  it('delivers a topic event only to the instances that joined the topic, until they leave', withHarness(async (h) => {
    const [a, b, c] = await h.start(3);
    const atB = collect(b!);
    const atC = collect(c!);
    expect(await b!.join('session:s1')).toBe(true);
    expect(await b!.join('session:s1')).toBe(true);
    expect(b!.stats().topics).toBe(1);
    await a!.publish(delta('to-topic'), 'session:s1');
    await a!.publish(delta('to-all'));
    await waitFor(() => atB.messages.length === 2 && atC.messages.length === 1, { what: 'deliveries' });
    expect(turnIds(atB.messages)).toEqual(['to-topic', 'to-all']);
    expect(turnIds(atC.messages)).toEqual(['to-all']);

    b!.leave('session:s1');
    b!.leave('session:s1');
    expect(b!.stats().topics).toBe(0);
    await a!.publish(delta('after-leave'), 'session:s1');
    await a!.publish(delta('marker'));
    await waitFor(() => atB.messages.length === 3, { what: 'the marker' });
    expect(turnIds(atB.messages)).toEqual(['to-topic', 'to-all', 'marker']);
    expect(await b!.join('')).toBe(false);
  }));

  it('keeps its topics across a dropped subscription', withHarness(async (h) => {
    const [a, b] = await h.start(2);
    const atB = collect(b!);
    let reconnects = 0;
    b!.onReconnect(() => {
      reconnects++;
    });
    await b!.join('session:kept');
    await h.dropSubscription(b!);
    await waitFor(() => reconnects === 1, { what: 'onReconnect' });
    await a!.publish(delta('after-reconnect'), 'session:kept');
    await waitFor(() => atB.messages.length === 1, { what: 'topic delivery after reconnect' });
    expect(await b!.join('session:kept')).toBe(true);
  }));

  it('closes idempotently; afterwards it delivers nothing and drops publishes without throwing', withHarness(async (h) => {
    const [a, b] = await h.start(2);
    const atB = collect(b!);
    await Promise.all([b!.close(), b!.close()]);
    await b!.close();
    expect(b!.stats().connected).toBe(false);
    expect(await b!.ready(10)).toBe(false);
    await b!.publish(delta('from-closed'));
    expect(b!.stats().publishFailures).toBe(1);

    const c = (await h.start(1))[0]!;
    const atC = collect(c);
    await a!.publish(delta('after-close'));
    await waitFor(() => atC.messages.length === 1, { what: 'delivery to a live instance' });
    expect(atB.messages).toHaveLength(0);
  }));

  it('drops and counts an event that breaks its bounds instead of sending or throwing', withHarness(async (h) => {
    const [a, b] = await h.start(2);
    const atB = collect(b!);
    const ids = Array.from({ length: 1001 }, (_, i) => `e${i}`);
    await a!.publish({ type: 'cache.remove', data: { tenant: 't', entryIds: ids, reason: 'deleted' } });
    expect(a!.stats()).toMatchObject({ published: 0, publishFailures: 1 });
    await a!.publish(delta('next'));
    await waitFor(() => atB.messages.length === 1);
    expect(turnIds(atB.messages)).toEqual(['next']);
  }));
});

describe.skipIf(!hasRedis)('Redis bus', () => {
  test('instances on different prefixes do not see each other', async () => {
    const left = redisHarness(`${runId}-left`);
    const right = redisHarness(`${runId}-right`);
    try {
      const [a, c] = await left.start(2);
      const [b, d] = await right.start(2);
      const atB = collect(b!);
      const atC = collect(c!);
      await a!.publish(delta('left-only'));
      await waitFor(() => atC.messages.length === 1, { what: 'same-prefix delivery' });
      // Published after the first: had b been listening on the left channel it would have that message first.
      await d!.publish(delta('right-only'));
      await waitFor(() => atB.messages.length === 1, { what: 'right-prefix delivery' });
      expect(turnIds(atB.messages)).toEqual(['right-only']);
      expect(turnIds(atC.messages)).toEqual(['left-only']);
    } finally {
      await Promise.all([left.stop(), right.stop()]);
    }
  });

  test('publishing while Redis is unreachable resolves without throwing and is counted', async () => {
    const bus = createRedisBus({ url: 'redis://127.0.0.1:6390', prefix: runId, instanceId: nextInstanceId(), logger: silentLogger });
    try {
      for (let i = 0; i < 100; i++) await bus.publish(delta(`lost-${i}`));
      expect(bus.stats()).toMatchObject({ published: 0, publishFailures: 100, connected: false });
      expect(await bus.ready(50)).toBe(false);
    } finally {
      await bus.close();
    }
  }, 5000);

  test('a first subscription after a failed connect fires onReconnect, so state loaded meanwhile is reconciled', async () => {
    // Points at a proxy port that refuses connections until a listener is opened there, standing in for a Redis
    // that comes up after the gateway.
    const target = new URL(TEST_REDIS_URL);
    let proxy: { stop(force: boolean): void } | undefined;
    const port = await freePort();
    const bus = createRedisBus({ url: `redis://127.0.0.1:${port}`, prefix: runId, instanceId: nextInstanceId(), logger: silentLogger, backoff: { baseMs: 20, maxMs: 50 } });
    let reconnects = 0;
    bus.onReconnect(() => {
      reconnects++;
    });
    try {
      expect(await bus.ready(100)).toBe(false);
      proxy = listenProxy(port, target.hostname, Number(target.port || 6379));
      expect(await bus.ready(5000)).toBe(true);
      await waitFor(() => reconnects === 1, { what: 'onReconnect after the first successful subscribe' });
    } finally {
      await bus.close();
      proxy?.stop(true);
    }
  });
});
