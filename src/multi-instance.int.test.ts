/**
 * Two gateway instances (the real composition) sharing one Postgres and one Redis: what one stores the other
 * serves, what one removes the other stops serving, and a lost bus message is made good by reconciling.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import Redis from 'ioredis';
import { startMockUpstream, type MockUpstream } from './llm/mock-upstream';
import { silentLogger } from './log';
import { startGateway, type RunningGateway } from './main';
import { cacheFigures, chatOnce } from './testing/gateway-http';
import { instanceConfig } from './testing/instance-config';
import { waitFor } from './testing/wait-for';
import { createTestDatabase, postgresAvailable, redisAvailable, TEST_REDIS_URL, type TestDatabase } from './testing/services';

setDefaultTimeout(90_000);
const servicesUp = (await postgresAvailable()) && (await redisAvailable());

const KEY = 'sk-city-key-0001';
let mock: MockUpstream;
let db: TestDatabase;
let a: RunningGateway;
let b: RunningGateway;
const prefix = `mi-${Date.now().toString(36)}`;

const chat = (gateway: RunningGateway, content: string) => chatOnce(gateway.url, KEY, content);

const entriesKnownTo = async (gateway: RunningGateway) => (await cacheFigures(gateway.url, KEY)).entries;
const reconcilesOf = async (gateway: RunningGateway) => (await cacheFigures(gateway.url, KEY)).reconciles;

describe.skipIf(!servicesUp)('two instances sharing Postgres and Redis', () => {
  beforeAll(async () => {
    mock = startMockUpstream();
    db = await createTestDatabase();
    const config = (id: string) => instanceConfig({ instanceId: id, databaseUrl: db.url, redisUrl: TEST_REDIS_URL, llmBaseUrl: mock.url, apiKeys: `${KEY}:city`, env: { REDIS_PREFIX: prefix } });
    a = await startGateway(config('gw-a'), silentLogger);
    b = await startGateway(config('gw-b'), silentLogger);
  });

  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await mock?.stop();
    await db?.drop();
  });

  test('an entry written through instance A is served as a hit by instance B', async () => {
    const first = await chat(a, 'How do I register a new address in Saarbrücken?');
    expect(first.headers.get('x-cache')).toBe('MISS');
    const entry = first.headers.get('x-cache-entry');
    const exact = await chat(b, 'How do I register a new address in Saarbrücken?');
    expect(exact.headers.get('x-cache')).toBe('HIT');
    expect(exact.headers.get('x-cache-entry')).toBe(entry);
    // A reworded question needs B's own vector index, which learns the entry from the bus event. Poll the
    // index, not chat answers: a MISS would store the paraphrase itself.
    await waitFor(async () => (await entriesKnownTo(b)) >= 1, { what: 'B to learn the entry', intervalMs: 50 });
    expect((await chat(b, 'How do I register my new address in Saarbrücken?')).headers.get('x-cache')).toBe('SEMANTIC_HIT');
  });

  test('an entry removed through instance B is no longer served by instance A', async () => {
    const stored = await chat(a, 'When is the Bürgeramt in Saarlouis open on Mondays?');
    const entry = stored.headers.get('x-cache-entry')!;
    expect((await chat(a, 'When is the Bürgeramt in Saarlouis open on Mondays?')).headers.get('x-cache')).toBe('HIT');
    const removed = await fetch(`${b.url}/api/v1/cache/entries/${entry}`, { method: 'DELETE', headers: { authorization: `Bearer ${KEY}` } });
    expect(removed.status).toBe(200);
    await waitFor(async () => (await chat(a, 'When is the Bürgeramt in Saarlouis open on Mondays?')).headers.get('x-cache') === 'MISS', { what: 'A to stop serving the removed entry', intervalMs: 50 });
  });

  test('after its bus connection drops, an instance reconciles and serves entries it missed', async () => {
    const admin = new Redis(TEST_REDIS_URL);
    try {
      // Drop B's subscriber; while it reconnects, A stores a new entry whose bus event B never sees.
      const clients = String(await admin.call('CLIENT', 'LIST', 'TYPE', 'pubsub'));
      const id = clients.split('\n').find((line) => line.includes('name=bus-sub:gw-b'))?.match(/id=(\d+)/)?.[1];
      expect(id).toBeDefined();
      const known = await entriesKnownTo(b);
      const reconciles = await reconcilesOf(b);
      await admin.client('KILL', 'ID', id!);
      const stored = await chat(a, 'Which documents do I need for a building permit in Völklingen?');
      expect(stored.headers.get('x-cache')).toBe('MISS');
      // Poll what B's index knows, not chat answers: a MISS would store the paraphrase itself.
      await waitFor(async () => (await entriesKnownTo(b)) >= known + 1 && (await reconcilesOf(b)) > reconciles, { what: 'B to reconcile the missed entry', intervalMs: 50 });
      expect((await chat(b, 'Which documents do I need for my building permit in Völklingen?')).headers.get('x-cache')).toBe('SEMANTIC_HIT');
    } finally {
      admin.disconnect();
    }
  });
});
