/**
 * The real composition (src/main.ts) against a real database and the mock upstream over HTTP, driven by the
 * official `openai` client: what a user of the gateway actually sees.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import OpenAI from 'openai';
import postgres from 'postgres';
import { loadConfig } from './config';
import { mockAnswer } from './llm/mock-answer';
import { startMockUpstream, type MockUpstream } from './llm/mock-upstream';
import { silentLogger } from './log';
import { startGateway, type RunningGateway } from './main';
import { createTestDatabase, postgresAvailable, type TestDatabase } from './testing/services';

setDefaultTimeout(60_000);
const pgUp = await postgresAvailable();

const KEY = 'sk-city-key-0001';
let mock: MockUpstream;
const OPS_KEY = 'sk-ops-key-00003';
let gateway: RunningGateway;
let testDb: TestDatabase | undefined;
let client: OpenAI;

beforeAll(async () => {
  mock = startMockUpstream({ apiKey: 'sk-upstream' });
  testDb = pgUp ? await createTestDatabase() : undefined;
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: testDb?.url,
    DATA_DIR: testDb ? undefined : `/tmp/gw-main-int-${process.pid}`,
    DB_POOL_MAX: '10',
    LLM_BASE_URL: mock.url,
    LLM_API_KEY: 'sk-upstream',
    LLM_MODELS: 'deepseek-chat,deepseek-reasoner',
    LLM_TIMEOUT_MS: '1500',
    LLM_CONNECT_TIMEOUT_MS: '1500',
    LLM_STREAM_IDLE_TIMEOUT_MS: '1500',
    LLM_MAX_RETRIES: '1',
    GATEWAY_API_KEYS: `${KEY}:city,sk-county-key-02:county,${OPS_KEY}:ops`,
    GATEWAY_ADMIN_TENANTS: 'ops',
    LOG_LEVEL: 'silent',
    SHUTDOWN_GRACE_MS: '5000',
    RATE_LIMIT_CHAT_PER_SEC: '1000',
    RATE_LIMIT_API_PER_SEC: '5',
  });
  gateway = await startGateway(config, silentLogger);
  client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: KEY, maxRetries: 0 });
});

afterAll(async () => {
  await gateway?.stop('test');
  await mock?.stop();
  await testDb?.drop();
});

const question = [{ role: 'user' as const, content: 'Welche Unterlagen brauche ich für einen neuen Personalausweis?' }];
/** Fault tests must reach the upstream: they skip the cache entirely. */
const uncached = { headers: { 'cache-control': 'no-cache, no-store' } };
const ask = (content: string) => [{ role: 'user' as const, content }];

describe('the official openai client against the gateway', () => {
  test('gets the upstream answer as a chat completion', async () => {
    const completion = await client.chat.completions.create({ model: 'deepseek-chat', messages: question });
    expect(completion.choices[0]!.message.content).toBe(mockAnswer(question, 'deepseek-chat'));
    expect(completion.usage?.total_tokens).toBeGreaterThan(0);
  });

  test('reassembles a streamed answer to exactly the upstream text, with usage when asked', async () => {
    const stream = await client.chat.completions.create({ model: 'deepseek-chat', messages: question, stream: true, stream_options: { include_usage: true } });
    let text = '';
    let finish: string | null = null;
    let usage: unknown;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe(mockAnswer(question, 'deepseek-chat'));
    expect(finish).toBe('stop');
    expect(usage).toMatchObject({ completion_tokens: expect.any(Number) });
  });

  test('sees OpenAI error classes: 404 model_not_found, 401, 400', async () => {
    const unknownModel = await client.chat.completions.create({ model: 'gpt-nope', messages: question }).catch((e) => e);
    expect(unknownModel).toBeInstanceOf(OpenAI.NotFoundError);
    expect(unknownModel.code).toBe('model_not_found');

    const badKey = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'sk-wrong-key-000', maxRetries: 0 });
    expect(await badKey.models.list().catch((e) => e)).toBeInstanceOf(OpenAI.AuthenticationError);

    const badRequest = await client.chat.completions.create({ model: 'deepseek-chat', messages: question, temperature: 9 }).catch((e) => e);
    expect(badRequest).toBeInstanceOf(OpenAI.BadRequestError);
    expect(badRequest.param).toBe('temperature');
  });

  test('raises an error, not a clean finish, when the upstream stream is cut', async () => {
    mock.script({ cutAfterTokens: 3 });
    const messages = ask('cut test');
    const stream = await client.chat.completions.create({ model: 'deepseek-chat', messages, stream: true }, uncached);
    let text = '';
    const failure = await (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    })().catch((e) => e);
    expect(failure).toBeInstanceOf(Error);
    expect(text.length).toBeGreaterThan(0);
    expect(text).not.toBe(mockAnswer(messages, 'deepseek-chat'));
  });

  test('retries an upstream 500 and answers', async () => {
    const before = mock.requests.count;
    mock.script({ status: 500 });
    const messages = ask('retry test');
    const completion = await client.chat.completions.create({ model: 'deepseek-chat', messages }, uncached);
    expect(completion.choices[0]!.message.content).toBe(mockAnswer(messages, 'deepseek-chat'));
    expect(mock.requests.count - before).toBe(2);
  });

  test('answers a hanging upstream with 504 after the configured timeout', async () => {
    mock.script({ hang: true });
    const error = await client.chat.completions.create({ model: 'deepseek-chat', messages: ask('hang test') }, uncached).catch((e) => e);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect(error.status).toBe(504);
    expect(error.code).toBe('upstream_timeout');
  });
});

describe('Idempotency-Key', () => {
  const send = (key: string, content: string, extra: Record<string, string> = {}) =>
    fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json', 'idempotency-key': key, 'cache-control': 'no-store', ...extra },
      body: JSON.stringify({ model: 'deepseek-chat', messages: [{ role: 'user', content }] }),
    });

  test('concurrent and repeated requests with one key make one upstream call and replay its response', async () => {
    const before = mock.requests.count;
    const responses = await Promise.all([send('order-42', 'idempotent question'), send('order-42', 'idempotent question')]);
    const again = await send('order-42', 'idempotent question');
    const bodies = await Promise.all([...responses, again].map((r) => r.json()));
    expect(mock.requests.count - before).toBe(1);
    expect(new Set(bodies.map((b) => b.choices[0].message.content)).size).toBe(1);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
  });

  test('reusing a key with a different body is a 422, and a malformed key a 400', async () => {
    await (await send('order-43', 'first body')).arrayBuffer();
    const reused = await send('order-43', 'second body');
    expect(reused.status).toBe(422);
    expect((await reused.json()).error.code).toBe('idempotency_key_reused');
    expect((await send('x'.repeat(10_000), 'huge key')).status).toBe(400);
    expect((await send('bad\u0001key', 'control char')).status).toBe(400);
  });
});

describe('the semantic cache through the gateway', () => {
  test('answers a repeated question from the cache without a second upstream call, JSON and streamed', async () => {
    const messages = ask('How do I apply for a residential parking permit in Saarbrücken?');
    const first = await client.chat.completions.create({ model: 'deepseek-chat', messages }).withResponse();
    expect(first.response.headers.get('x-cache')).toBe('MISS');
    const entry = first.response.headers.get('x-cache-entry');
    expect(entry).toBeTruthy();
    const before = mock.requests.count;
    const again = await client.chat.completions.create({ model: 'deepseek-chat', messages }).withResponse();
    expect(again.response.headers.get('x-cache')).toBe('HIT');
    expect(again.response.headers.get('x-cache-entry')).toBe(entry);
    expect(again.data.choices[0]!.message.content).toBe(mockAnswer(messages, 'deepseek-chat'));
    const streamed = await client.chat.completions.create({ model: 'deepseek-chat', messages, stream: true });
    let text = '';
    for await (const chunk of streamed) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe(mockAnswer(messages, 'deepseek-chat'));
    expect(mock.requests.count).toBe(before);
  });

  test('never serves one tenant an answer cached for another', async () => {
    const messages = ask('Wann ist die Stadtbibliothek sonntags geöffnet?');
    await client.chat.completions.create({ model: 'deepseek-chat', messages });
    const county = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'sk-county-key-02', maxRetries: 0 });
    const other = await county.chat.completions.create({ model: 'deepseek-chat', messages }).withResponse();
    expect(other.response.headers.get('x-cache')).toBe('MISS');
  });

  test('honours no-cache (REFRESH) and no-store (BYPASS)', async () => {
    const messages = ask('Which documents does a marriage registration need?');
    const noStore = await client.chat.completions.create({ model: 'deepseek-chat', messages }, { headers: { 'cache-control': 'no-store' } }).withResponse();
    expect(noStore.response.headers.get('x-cache')).toBe('BYPASS');
    const refresh = await client.chat.completions.create({ model: 'deepseek-chat', messages }, { headers: { 'cache-control': 'no-cache' } }).withResponse();
    expect(refresh.response.headers.get('x-cache')).toBe('REFRESH');
    const hit = await client.chat.completions.create({ model: 'deepseek-chat', messages }).withResponse();
    expect(hit.response.headers.get('x-cache')).toBe('HIT');
    expect(hit.response.headers.get('x-cache-entry')).toBe(refresh.response.headers.get('x-cache-entry'));
    // A second refresh replaces the entry: the next hit serves the newer answer.
    const again = await client.chat.completions.create({ model: 'deepseek-chat', messages }, { headers: { 'cache-control': 'no-cache' } }).withResponse();
    expect(again.response.headers.get('x-cache-entry')).not.toBe(refresh.response.headers.get('x-cache-entry'));
    const newer = await client.chat.completions.create({ model: 'deepseek-chat', messages }).withResponse();
    expect(newer.response.headers.get('x-cache-entry')).toBe(again.response.headers.get('x-cache-entry'));
  });

  test('keeps answering the liveness probe while the embedder is busy', async () => {
    let pending = 0;
    const turns = Array.from({ length: 48 }, (_, i) => {
      pending += 1;
      return client.chat.completions
        .create({ model: 'deepseek-chat', messages: ask(`Busy embedder question number ${i}: ${'Wie lange dauert die Bearbeitung eines Bauantrags? '.repeat(8)}`) })
        .finally(() => (pending -= 1));
    });
    await Bun.sleep(5);
    const ping = await fetch(`${gateway.url}/api/health/ping`);
    const stillPending = pending;
    expect(ping.status).toBe(200);
    // Inference runs in a Worker: the probe is answered while embeddings are still being computed.
    expect(stillPending).toBeGreaterThan(0);
    await Promise.all(turns);
  });

  test('rejects a threshold header out of range with 400', async () => {
    const error = await client.chat.completions.create({ model: 'deepseek-chat', messages: ask('threshold test') }, { headers: { 'x-cache-threshold': '7' } }).catch((e) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
  });
});

describe('operations', () => {
  const get = (path: string) => fetch(`${gateway.url}${path}`, { headers: { authorization: `Bearer ${KEY}` } });

  test('exposes Prometheus metrics that count requests and cache lookups', async () => {
    const messages = ask('Where can I register a dog in Saarlouis?');
    await client.chat.completions.create({ model: 'deepseek-chat', messages });
    await client.chat.completions.create({ model: 'deepseek-chat', messages });
    const response = await fetch(`${gateway.url}/metrics`);
    expect(response.headers.get('content-type')).toContain('text/plain; version=0.0.4');
    const text = await response.text();
    expect(text).toMatch(/llmgw_http_requests_total\{[^}]*route="\/v1\/chat\/completions"[^}]*status="200"[^}]*\} [1-9]/);
    expect(text).toMatch(/llmgw_cache_lookups_total\{[^}]*result="HIT"[^}]*\} [1-9]/);
    expect(text).toMatch(/llmgw_upstream_requests_total\{[^}]*model="deepseek-chat"[^}]*\} [1-9]/);
  });

  test('reports real-time figures and a cost analysis with cache savings', async () => {
    const figures = await (await get('/api/v1/performance/metrics')).json();
    expect(figures.cache.hits).toBeGreaterThan(0);
    expect(figures.upstream.breaker).toBe('closed');
    await Bun.sleep(1_200); // the usage recorder flushes every second
    const cost = await (await get('/api/v1/performance/cost-analysis')).json();
    expect(cost.total.requests).toBeGreaterThan(0);
    expect(cost.total.upstreamCallsAvoided).toBeGreaterThan(0);
    expect(cost.total.savedCostUsd).toBeGreaterThan(0);
    expect(cost.byTenant.map((t: { tenant: string }) => t.tenant)).toEqual(['city']);
    expect((await get('/api/v1/performance/cost-analysis?days=-1')).status).toBe(400);
    // Another tenant's costs only for an operator key; an operator sees every tenant or the one it names.
    expect((await get('/api/v1/performance/cost-analysis?tenant=county')).status).toBe(403);
    expect((await get('/api/v1/performance/cost-analysis?tenant=city')).status).toBe(200);
    await client.chat.completions.create({ model: 'deepseek-chat', messages: ask('Wo melde ich meinen Hund an?') }, { headers: { authorization: 'Bearer sk-county-key-02' } });
    await Bun.sleep(1_200);
    const asOps = (path: string) => fetch(`${gateway.url}${path}`, { headers: { authorization: `Bearer ${OPS_KEY}` } });
    const all = await (await asOps('/api/v1/performance/cost-analysis')).json();
    expect(all.byTenant.map((t: { tenant: string }) => t.tenant)).toEqual(['city', 'county']);
    expect(all.total.requests).toBe(all.byTenant.reduce((sum: number, t: { requests: number }) => sum + t.requests, 0));
    const one = await (await asOps('/api/v1/performance/cost-analysis?tenant=county')).json();
    expect(one.byTenant.map((t: { tenant: string }) => t.tenant)).toEqual(['county']);
    expect((await asOps('/api/v1/performance/cost-analysis?tenant=not%20a%20tenant')).status).toBe(400);
  });

  test('runs the tuning step on demand and reports what it changed', async () => {
    const response = await fetch(`${gateway.url}/api/v1/performance/optimize`, { method: 'POST', headers: { authorization: `Bearer ${KEY}` } });
    expect(response.status).toBe(200);
    const report = await response.json();
    expect(Array.isArray(report.changes)).toBe(true);
    expect(Array.isArray(report.alerts)).toBe(true);
    expect(report.observed.rssMb).toBeGreaterThan(0);
  });

  test('limits API calls per key with 429, Retry-After and RateLimit headers', async () => {
    const statuses: number[] = [];
    let limited: Response | undefined;
    for (let i = 0; i < 12; i++) {
      const response = await get('/v1/models');
      statuses.push(response.status);
      if (response.status === 429) limited ??= response;
      else await response.arrayBuffer();
    }
    expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(6);
    expect(limited).toBeDefined();
    expect(Number(limited!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(limited!.headers.get('ratelimit-limit')).toBe('5');
    expect((await limited!.json()).error.code).toBe('rate_limited');
    // Another key has its own budget.
    const other = await fetch(`${gateway.url}/v1/models`, { headers: { authorization: 'Bearer sk-county-key-02' } });
    expect(other.status).toBe(200);
  });
});

describe('WebSocket chat through the gateway', () => {
  test('streams a turn as delta frames closed by done, and answers ping with pong', async () => {
    const socket = new WebSocket(`${gateway.url.replace('http', 'ws')}/ws?key=${KEY}`);
    const frames: Array<Record<string, unknown>> = [];
    const done = new Promise<void>((resolve, reject) => {
      socket.onmessage = (event) => {
        const frame = JSON.parse(String(event.data));
        frames.push(frame);
        if (frame.type === 'done') resolve();
        if (frame.type === 'error') reject(new Error(JSON.stringify(frame)));
      };
      socket.onerror = () => reject(new Error('socket error'));
    });
    await new Promise((resolve) => (socket.onopen = resolve));
    socket.send(JSON.stringify({ type: 'ping' }));
    socket.send(JSON.stringify({ type: 'chat', id: 't1', message: 'Wie melde ich ein Gewerbe an?' }));
    await done;
    socket.close();
    expect(frames.some((f) => f.type === 'pong')).toBe(true);
    const text = frames.filter((f) => f.type === 'delta').map((f) => f.text).join('');
    expect(text).toBe(mockAnswer([{ role: 'user', content: 'Wie melde ich ein Gewerbe an?' }], 'deepseek-chat'));
    expect(frames.at(-1)).toMatchObject({ type: 'done', id: 't1', cache: 'MISS' });
  });

  test('refuses an upgrade without a valid key with 401', async () => {
    const response = await fetch(`${gateway.url}/ws?key=sk-wrong-key-000`, {
      headers: { upgrade: 'websocket', connection: 'Upgrade', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', 'sec-websocket-version': '13' },
    });
    expect(response.status).toBe(401);
  });
});

describe('persistence through the gateway', () => {
  const simpleChat = (body: unknown, key = KEY) =>
    fetch(`${gateway.url}/api/v1/chat`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

  test('stores a session across turns and keeps it from other tenants', async () => {
    const first = await (await simpleChat({ message: 'Ich heiße Ada.' })).json();
    const second = await simpleChat({ message: 'Wie heiße ich?', sessionId: first.sessionId });
    expect(second.status).toBe(200);
    const lastUpstream = mock.requests.log.at(-1)!.body as { messages: Array<{ content: string }> };
    expect(lastUpstream.messages.map((m) => m.content)).toEqual(['Ich heiße Ada.', first.reply, 'Wie heiße ich?']);
    expect((await simpleChat({ message: 'x', sessionId: first.sessionId }, 'sk-county-key-02')).status).toBe(404);
  });

  // Needs a second connection to look at the rows, so it runs on Postgres; the store contract suite covers PGlite.
  test.skipIf(!pgUp)('leaves no conversation rows behind when the upstream fails', async () => {
    const sql = postgres(testDb!.url, { max: 1 });
    try {
      const count = async (query: Promise<postgres.RowList<postgres.Row[]>>) => Number((await query)[0]!.count);
      const before = await count(sql`select count(*)::int as count from conversations`);
      mock.script({ status: 500, times: 2 });
      const failed = await simpleChat({ message: 'Das geht schief.' });
      expect(failed.status).toBe(502);
      const after = await count(sql`select count(*)::int as count from conversations`);
      const messages = await count(sql`select count(*)::int as count from messages where content::text like '%Das geht schief%'`);
      expect(after).toBe(before);
      expect(messages).toBe(0);
    } finally {
      await sql.end();
    }
  });
});

describe('graceful shutdown', () => {
  test('finishes an in-flight request, refuses new ones, then closes', async () => {
    const slowMock = startMockUpstream({ latencyMs: 400 });
    const config = loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: `/tmp/gw-shutdown-int-${process.pid}`,
      LLM_BASE_URL: slowMock.url,
      LLM_API_KEY: 'sk-any',
      LOG_LEVEL: 'silent',
      SHUTDOWN_GRACE_MS: '5000',
    });
    const gw = await startGateway(config, silentLogger);
    try {
      const inFlight = fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ messages: question }) });
      await Bun.sleep(100);
      const stopped = gw.stop('test');
      const response = await inFlight;
      expect(response.status).toBe(200);
      expect((await response.json()).choices[0].message.content).toBe(mockAnswer(question, 'deepseek-chat'));
      await stopped;
      const after = await fetch(`${gw.url}/api/health/ping`).then((r) => r.status, () => 'refused');
      expect(after).toBe('refused');
    } finally {
      await gw.stop();
      await slowMock.stop();
    }
  });

  test('exits cleanly on SIGTERM after draining', async () => {
    const child = Bun.spawn(['bun', 'run', 'src/main.ts'], {
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1', DATA_DIR: `/tmp/gw-sigterm-int-${process.pid}`, LOG_LEVEL: 'info', DATABASE_URL: '', LLM_API_KEY: '', DEEPSEEK_API_KEY: '' },
      stdout: 'pipe',
      stderr: 'pipe',
    });
    const lines: string[] = [];
    const reader = child.stdout.getReader();
    const decoder = new TextDecoder();
    while (!lines.some((l) => l.includes('gateway.started'))) {
      const { done, value } = await reader.read();
      if (done) break;
      lines.push(...decoder.decode(value).split('\n'));
    }
    const started = JSON.parse(lines.find((l) => l.includes('gateway.started'))!);
    expect((await fetch(`${started.url}/api/health/ping`)).status).toBe(200);
    child.kill('SIGTERM');
    expect(await child.exited).toBe(0);
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      lines.push(...decoder.decode(value).split('\n'));
    }
    expect(lines.some((l) => l.includes('gateway.stopped'))).toBe(true);
  });
});
