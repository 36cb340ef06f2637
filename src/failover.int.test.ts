/**
 * An instance killed (SIGKILL, no graceful shutdown) while sockets are open on it. Two gateway processes from the
 * cluster script share one Postgres and one Redis, as behind a load balancer: the killed instance's clients
 * reconnect to the survivor and continue their sessions, subscribers elsewhere learn that the running turn is lost,
 * and everything the dead instance had stored (turns, cache entries) is still served.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { resolve } from 'node:path';
import postgres from 'postgres';
import { startCluster, type Cluster } from '../bench/lib/cluster';
import { startMockUpstream, type MockUpstream } from './llm/mock-upstream';
import { createTestDatabase, postgresAvailable, redisAvailable, TEST_REDIS_URL, type TestDatabase } from './testing/services';
import { CITY_KEY, TestClient } from './ws/ws-test-kit';

setDefaultTimeout(120_000);
const servicesUp = (await postgresAvailable()) && (await redisAvailable());

let mock: MockUpstream;
let db: TestDatabase;
let cluster: Cluster;
const clients: TestClient[] = [];
const wsUrl = (origin: string) => `${origin.replace(/^http/, 'ws')}/ws`;

async function connect(origin: string) {
  const client = await TestClient.connect(wsUrl(origin));
  clients.push(client);
  return client;
}

describe.skipIf(!servicesUp)('an instance killed with sockets open', () => {
  beforeAll(async () => {
    // Paced tokens, so that a turn is still streaming when its instance dies.
    mock = startMockUpstream({ tokensPerSec: 40 });
    db = await createTestDatabase();
    cluster = await startCluster({
      rootDir: resolve(import.meta.dir, '..'),
      instances: 2,
      databaseUrl: db.url,
      redisUrl: TEST_REDIS_URL,
      llmBaseUrl: mock.url,
      llmApiKey: 'sk-upstream',
      apiKeys: `${CITY_KEY}:city`,
      logLevel: 'warn',
      env: { REDIS_PREFIX: `failover-${Date.now().toString(36)}`, EMBEDDINGS_MODEL: 'hash', WS_REMOTE_TURN_TIMEOUT_MS: '1500' },
    });
  });

  afterAll(async () => {
    for (const client of clients) client.close();
    await cluster?.stop();
    await mock?.stop();
    await db?.drop();
  });

  test('its clients reconnect to another instance and continue; nothing stored is lost', async () => {
    const [a, b] = cluster.gateways as [Cluster['gateways'][number], Cluster['gateways'][number]];
    const question = 'How do I register a new address in Saarbrücken?';
    const client = await connect(a.origin);
    client.send({ type: 'chat', id: 'first', message: question });
    const first = await client.turn('first');
    expect(first.end.type).toBe('done');
    const sessionId: string = first.end.sessionId;

    // A subscriber on B, then a second turn on A that is still streaming when A dies.
    const watcher = await connect(b.origin);
    watcher.send({ type: 'subscribe', sessionId });
    await watcher.until((f) => f.type === 'subscribed');
    client.send({ type: 'chat', id: 'second', message: 'And what does it cost?', sessionId });
    const relayed = await watcher.until((f) => f.type === 'delta' && f.sessionId === sessionId, 'a relayed delta of the second turn', 10_000);
    a.process.proc.kill('SIGKILL');
    await a.process.exited;

    expect((await client.closed).code).toBe(1006);
    // The watcher is not left waiting for a done that will never come.
    const lost = await watcher.until((f) => f.type === 'error' && f.id === relayed.id, 'the lost turn to end', 10_000);
    expect(lost).toMatchObject({ code: 'turn_lost', sessionId });

    // The client reconnects (to B, as a balancer would send it) and continues its session: B sends upstream the
    // stored first turn; the interrupted turn was never stored, so it is neither there nor half there.
    const again = await connect(b.origin);
    mock.requests.clear();
    again.send({ type: 'chat', id: 'third', message: 'And what does it cost?', sessionId });
    const third = await again.turn('third');
    expect(third.end).toMatchObject({ type: 'done', sessionId, cache: 'MISS' });
    const upstream = (mock.requests.log.at(-1)!.body as { messages: Array<{ role: string; content: string }> }).messages;
    expect(upstream).toEqual([
      { role: 'user', content: question },
      { role: 'assistant', content: first.text },
      { role: 'user', content: 'And what does it cost?' },
    ]);
    // B's own subscriber sees B's turn as usual.
    await watcher.until((f) => f.type === 'done' && f.sessionId === sessionId && f.id !== relayed.id, 'the third turn on the watcher');

    const sql = postgres(db.url, { max: 1, onnotice: () => {} });
    try {
      const rows = await sql<{ seq: number; role: string; content: unknown }[]>`select seq, role, content from messages where conversation_id = ${sessionId} order by seq`;
      expect(rows.map((row) => [row.seq, row.role])).toEqual([
        [1, 'user'],
        [2, 'assistant'],
        [3, 'user'],
        [4, 'assistant'],
      ]);
    } finally {
      await sql.end({ timeout: 1 });
    }

    // The answer A cached before it died is served by B.
    const cached = await fetch(`${b.origin}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${CITY_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'deepseek-chat', messages: [{ role: 'user', content: question }] }),
    });
    expect(cached.headers.get('x-cache')).toBe('HIT');
    expect((await cached.json()).choices[0].message.content).toBe(first.text);
  });
});
