/**
 * Redis itself killed and restarted mid-run under two gateway instances (the real composition) that share one
 * Postgres. While Redis is gone each instance keeps serving on its own (L2 skipped, limits local, no request
 * blocks on Redis); when it is back (empty, as after a crash without persistence) the bus resubscribes, each
 * instance reconciles what it missed from Postgres, and session fan-out works across instances again.
 *
 * The test runs a redis-server of its own so it can kill it without disturbing the shared one.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { startMockUpstream, type MockUpstream } from './llm/mock-upstream';
import { silentLogger } from './log';
import { startGateway, type RunningGateway } from './main';
import { cacheFigures, chatOnce } from './testing/gateway-http';
import { createTestDatabase, postgresAvailable, redisServerBinary, servicesRequired, startPrivateRedis, type PrivateRedis, type TestDatabase } from './testing/services';
import { instanceConfig } from './testing/instance-config';
import { waitFor } from './testing/wait-for';
import { CITY_KEY, TestClient } from './ws/ws-test-kit';

setDefaultTimeout(120_000);
if (servicesRequired && !redisServerBinary()) throw new Error('REQUIRE_SERVICES=1 but redis-server is not installed');
const runnable = (await postgresAvailable()) && redisServerBinary() !== null;

let redis: PrivateRedis;
let mock: MockUpstream;
let db: TestDatabase;
let a: RunningGateway;
let b: RunningGateway;
const clients: TestClient[] = [];

const chat = (gateway: RunningGateway, content: string) => chatOnce(gateway.url, CITY_KEY, content);
const wsUrl = (gateway: RunningGateway) => `${gateway.url.replace(/^http/, 'ws')}/ws`;

async function redisCheck(gateway: RunningGateway): Promise<{ ok: boolean }> {
  const health = (await (await fetch(`${gateway.url}/api/v1/performance/health`)).json()) as { checks: Record<string, { ok: boolean }> };
  return health.checks.redis!;
}

async function connect(gateway: RunningGateway) {
  const client = await TestClient.connect(wsUrl(gateway));
  clients.push(client);
  return client;
}

/** Done frames of `sessionId` a socket has received so far (relayed turns carry the server's turn id). */
const donesOf = (client: TestClient, sessionId: string) => client.frames.filter((f) => f.type === 'done' && f.sessionId === sessionId);

describe.skipIf(!runnable)('Redis restarted under two running instances', () => {
  beforeAll(async () => {
    redis = await startPrivateRedis();
    mock = startMockUpstream();
    db = await createTestDatabase();
    const config = (id: string) => instanceConfig({ instanceId: id, databaseUrl: db.url, redisUrl: redis.url, llmBaseUrl: mock.url, apiKeys: `${CITY_KEY}:city` });
    a = await startGateway(config('gw-a'), silentLogger);
    b = await startGateway(config('gw-b'), silentLogger);
  });

  afterAll(async () => {
    for (const client of clients) client.close();
    await a?.stop();
    await b?.stop();
    await mock?.stop();
    await db?.drop();
    await redis?.stop();
  });

  test('each instance serves alone while Redis is down; sync and fan-out resume, and missed entries are reconciled', async () => {
    // Before: fan-out across instances works.
    const origin = await connect(a);
    const watcher = await connect(b);
    origin.send({ type: 'chat', id: 'start', message: 'Where do I renew my ID card?' });
    const sessionId: string = (await origin.turn('start')).end.sessionId;
    watcher.send({ type: 'subscribe', sessionId });
    await watcher.until((f) => f.type === 'subscribed');
    origin.send({ type: 'chat', id: 'before', message: 'Do I need an appointment?', sessionId });
    await waitFor(() => donesOf(watcher, sessionId).length === 1, { what: 'the relayed done before the outage' });
    const before = await cacheFigures(b.url, CITY_KEY);

    await redis.kill();
    await waitFor(async () => !(await redisCheck(a)).ok && !(await redisCheck(b)).ok, { what: 'both instances to notice Redis is gone', intervalMs: 50 });

    // Alone: stores and serves through Postgres and its own index; nothing blocks on Redis.
    const question = 'Which documents do I need for a building permit in Völklingen?';
    const stored = await chat(a, question);
    expect(stored.status).toBe(200);
    expect(stored.headers.get('x-cache')).toBe('MISS');
    expect((await chat(a, question)).headers.get('x-cache')).toBe('HIT');
    expect((await chat(b, 'Where is the lost and found office in Homburg?')).status).toBe(200);
    // A turn during the outage reaches its own socket; the relay to B is lost (pub/sub is at-most-once).
    origin.send({ type: 'chat', id: 'during', message: 'Can someone else pick it up?', sessionId });
    expect((await origin.turn('during')).end.type).toBe('done');

    await redis.start();
    await waitFor(async () => (await redisCheck(a)).ok && (await redisCheck(b)).ok, { what: 'both instances to reconnect', timeoutMs: 20_000, intervalMs: 50 });
    // B never heard of the entry A stored during the outage; its reconcile after the reconnect finds it.
    await waitFor(
      async () => {
        const now = await cacheFigures(b.url, CITY_KEY);
        return now.reconciles > before.reconciles && now.entries >= before.entries + 1;
      },
      { what: 'B to reconcile the entry stored during the outage', timeoutMs: 20_000, intervalMs: 50 },
    );
    expect((await chat(b, 'Which documents do I need for my building permit in Völklingen?')).headers.get('x-cache')).toBe('SEMANTIC_HIT');

    // Fan-out across instances resumes: B resubscribed to the bus channel on its own.
    origin.send({ type: 'chat', id: 'after', message: 'How long is it valid?', sessionId });
    const after = await origin.turn('after');
    await waitFor(() => donesOf(watcher, sessionId).length === 2, { what: 'the relayed done after the restart' });
    const relayed = donesOf(watcher, sessionId)[1]!;
    const text = watcher.frames.filter((f) => f.type === 'delta' && f.id === relayed.id).map((f) => f.text).join('');
    expect(text).toBe(after.text);
  });
});
