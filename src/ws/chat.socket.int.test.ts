/**
 * Session fan-out across two instances over a real Redis (skipped when Redis is unreachable, failing instead
 * under REQUIRE_SERVICES=1). Both instances share one conversation store, as two gateways share Postgres.
 */
import { afterAll, describe, expect, test } from 'bun:test';
import { createMemoryConversationStore } from '../chat/memory-conversation-store';
import { silentLogger } from '../log';
import { createRedisBus } from '../sync/redis-bus';
import { redisAvailable, TEST_REDIS_URL } from '../testing/services';
import { createScriptedProvider } from '../testing/scripted-provider';
import { startInstance, TestClient, type Instance } from './ws-test-kit';

const hasRedis = await redisAvailable();
const prefix = `gw-test-ws-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
const running: Instance[] = [];
const clients: TestClient[] = [];
afterAll(async () => {
  for (const client of clients) client.close();
  for (const instance of running) await instance.stop();
});

async function redisInstance(name: string, conversations: ReturnType<typeof createMemoryConversationStore>, answer?: string) {
  const bus = createRedisBus({ url: TEST_REDIS_URL, prefix, instanceId: `${prefix}-${name}`, logger: silentLogger });
  expect(await bus.ready(5_000)).toBe(true);
  const instance = startInstance({ bus, conversations, provider: answer ? createScriptedProvider(() => answer) : undefined });
  running.push(instance);
  return instance;
}

describe.skipIf(!hasRedis)('session fan-out over Redis', () => {
  test('a socket on instance B receives the deltas and done of a turn answered by instance A', async () => {
    const conversations = createMemoryConversationStore();
    const answer = 'Appointments can be booked online or at the front desk.';
    const a = await redisInstance('a', conversations, answer);
    const b = await redisInstance('b', conversations);
    const origin = await TestClient.connect(a.url);
    const watcher = await TestClient.connect(b.url);
    clients.push(origin, watcher);

    origin.send({ type: 'chat', id: 'first', message: 'How do I book?' });
    const sessionId = (await origin.turn('first')).end.sessionId;
    watcher.send({ type: 'subscribe', sessionId });
    await watcher.until((f) => f.type === 'subscribed');

    origin.send({ type: 'chat', id: 'second', message: 'And on weekends?', sessionId });
    const done = await watcher.until((f) => f.type === 'done' && f.sessionId === sessionId, 'the relayed done', 10_000);
    expect((await watcher.turn(done.id)).text).toBe(answer);
    expect((await origin.turn('second')).text).toBe(answer);
    expect(b.hub.stats().fanout.gaps).toBe(0);
  });
});
