import { afterAll, beforeEach, describe, expect, test } from 'bun:test';
import { createApp } from './app';
import { createAuthenticator } from './auth/api-keys';
import { createChatService } from './chat/chat.service';
import { createMemoryConversationStore } from './chat/memory-conversation-store';
import { AppError } from './errors';
import { createHealthService } from './health/health.service';
import { createLifecycle } from './lifecycle';
import { silentLogger } from './log';
import { createScriptedProvider } from './testing/scripted-provider';
import { createMemoryUsageStore } from './usage/memory-usage-store';
import { createUsageRecorder } from './usage/usage-recorder';

const KEYS = [
  { key: 'sk-city-key-0001', tenant: 'city' },
  { key: 'sk-county-key-02', tenant: 'county' },
];

function build(options: { keys?: typeof KEYS; maxBodyBytes?: number } = {}) {
  const provider = createScriptedProvider();
  const conversations = createMemoryConversationStore();
  const usageStore = createMemoryUsageStore();
  const usage = createUsageRecorder({ store: usageStore, logger: silentLogger, flushIntervalMs: 60_000 });
  const lifecycle = createLifecycle();
  const chat = createChatService({ provider, conversations, usage, models: ['deepseek-chat', 'deepseek-reasoner'], defaultModel: 'deepseek-chat', logger: silentLogger });
  let databaseUp = true;
  const health = createHealthService({
    instanceId: 'test',
    lifecycle,
    upstream: () => provider.health(),
    dependencies: [{ name: 'database', critical: true, check: async () => ({ ok: databaseUp }) }],
  });
  const app = createApp({
    auth: createAuthenticator({ keys: options.keys ?? KEYS }),
    chat,
    health,
    lifecycle,
    logger: silentLogger,
    maxBodyBytes: options.maxBodyBytes ?? 64 * 1024,
    instanceId: 'test',
    thresholdBounds: { min: 0.5, max: 1 },
  });
  const setDatabaseUp = (up: boolean) => (databaseUp = up);
  return { app, provider, conversations, usage, usageStore, lifecycle, setDatabaseUp };
}

type Built = ReturnType<typeof build>;
let gw: Built;
const recorders: Built['usage'][] = [];
beforeEach(() => {
  gw = build();
  recorders.push(gw.usage);
});
afterAll(async () => {
  for (const r of recorders) await r.close();
});

function call(path: string, init: { method?: string; body?: unknown; raw?: BodyInit; key?: string | null; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...init.headers };
  if (init.key !== null) headers.authorization = `Bearer ${init.key ?? 'sk-city-key-0001'}`;
  const body = init.raw ?? (init.body === undefined ? undefined : JSON.stringify(init.body));
  return gw.app.handle(new Request(`http://localhost${path}`, { method: init.method ?? (body ? 'POST' : 'GET'), headers, body }));
}

const chatBody = (content = 'Wann hat das Bürgeramt geöffnet?', extra: Record<string, unknown> = {}) => ({
  model: 'deepseek-chat',
  messages: [{ role: 'user', content }],
  ...extra,
});

async function readSse(response: Response): Promise<{ events: any[]; done: boolean }> {
  const text = await response.text();
  const events: any[] = [];
  let done = false;
  for (const block of text.split('\n\n')) {
    const line = block.trim();
    if (!line.startsWith('data: ')) continue;
    const data = line.slice(6);
    if (data === '[DONE]') done = true;
    else events.push(JSON.parse(data));
  }
  return { events, done };
}

describe('POST /v1/chat/completions', () => {
  test('answers a JSON completion with request id and cache headers', async () => {
    const response = await call('/v1/chat/completions', { body: chatBody() });
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body.object).toBe('chat.completion');
    expect(body.choices[0].message.content).toContain('Bürgeramt');
    expect(response.headers.get('x-request-id')).toMatch(/^req_/);
    expect(response.headers.get('x-cache')).toBeTruthy();
    expect(response.headers.get('server-timing')).toContain('total;dur=');
  });

  test('forwards unknown fields and sampling parameters to the provider unchanged', async () => {
    await call('/v1/chat/completions', { body: chatBody('hi', { temperature: 0.3, vendor_flag: { a: 1 } }) });
    expect(gw.provider.requests[0]!.params).toEqual({ temperature: 0.3, vendor_flag: { a: 1 } });
  });

  test('uses the default model when the request names none', async () => {
    const response = await call('/v1/chat/completions', { body: { messages: [{ role: 'user', content: 'hi' }] } });
    expect(response.status).toBe(200);
    expect(gw.provider.requests[0]!.model).toBe('deepseek-chat');
  });

  test('streams role, content and finish chunks, a usage chunk when asked, then [DONE]', async () => {
    const response = await call('/v1/chat/completions', { body: chatBody('stream me', { stream: true, stream_options: { include_usage: true } }) });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const { events, done } = await readSse(response);
    expect(done).toBe(true);
    expect(events[0].choices[0].delta.role).toBe('assistant');
    const text = events.map((e) => e.choices[0]?.delta?.content ?? '').join('');
    expect(text).toBe('answer to "stream me"');
    const finish = events.find((e) => e.choices[0]?.finish_reason);
    expect(finish.choices[0].finish_reason).toBe('stop');
    const usage = events.at(-1);
    expect(usage.choices).toEqual([]);
    expect(usage.usage.completion_tokens).toBeGreaterThan(0);
  });

  test('ends a stream cut mid-way with an error event and no [DONE]', async () => {
    gw.provider.push({ kind: 'cut', afterWords: 1 });
    const response = await call('/v1/chat/completions', { body: chatBody('cut me off please', { stream: true }) });
    const { events, done } = await readSse(response);
    expect(done).toBe(false);
    expect(events.at(-1).error.code).toBe('upstream_error');
    expect(events.some((e) => e.choices?.[0]?.finish_reason)).toBe(false);
  });

  test('answers an upstream failure before the first token with its HTTP status, OpenAI-shaped', async () => {
    gw.provider.push({ kind: 'fail', error: new AppError('upstream_unavailable', 'The upstream is unavailable.', { retryAfterSec: 7 }) });
    const response = await call('/v1/chat/completions', { body: chatBody('x', { stream: true }) });
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('7');
    const body = await response.json();
    expect(body.error).toMatchObject({ code: 'upstream_unavailable', type: 'api_error' });
  });

  test.each([
    ['upstream_error', 502],
    ['upstream_timeout', 504],
    ['upstream_overloaded', 503],
    ['upstream_rate_limited', 429],
  ] as const)('maps %s from the provider to %d', async (code, status) => {
    gw.provider.push({ kind: 'fail', error: new AppError(code, 'upstream trouble') });
    const response = await call('/v1/chat/completions', { body: chatBody() });
    expect(response.status).toBe(status);
    expect((await response.json()).error.code).toBe(code);
  });
});

describe('bad input', () => {
  test('malformed JSON is a 400 in OpenAI shape', async () => {
    const response = await call('/v1/chat/completions', { raw: '{"model": "deepseek-chat", "messages": [' });
    expect(response.status).toBe(400);
    const body = await response.json();
    expect(body.error).toMatchObject({ code: 'invalid_json', type: 'invalid_request_error' });
    expect(JSON.stringify(body)).not.toContain(' at ');
  });

  test('an empty body is a 400', async () => {
    expect((await call('/v1/chat/completions', { raw: '' , method: 'POST' })).status).toBe(400);
  });

  test('invalid UTF-8 is a 400', async () => {
    const response = await call('/v1/chat/completions', { raw: new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]) });
    expect(response.status).toBe(400);
    expect((await response.json()).error.message).toContain('UTF-8');
  });

  test('a schema violation is a 400 that names the field', async () => {
    const response = await call('/v1/chat/completions', { body: { model: 'deepseek-chat', messages: [{ role: 'user', content: 'x' }], temperature: 'hot' } });
    expect(response.status).toBe(400);
    const body = await response.json();
    expect(body.error.param).toBe('temperature');
    expect(body.error.message).toContain('temperature');
  });

  test('empty messages are a 400', async () => {
    const response = await call('/v1/chat/completions', { body: { model: 'deepseek-chat', messages: [] } });
    expect(response.status).toBe(400);
    expect((await response.json()).error.param).toBe('messages');
  });

  test('a model the gateway does not serve is a 404 model_not_found', async () => {
    const response = await call('/v1/chat/completions', { body: chatBody('x', { model: 'gpt-17' }) });
    expect(response.status).toBe(404);
    expect((await response.json()).error).toMatchObject({ code: 'model_not_found', param: 'model' });
    expect(gw.provider.requests).toHaveLength(0);
  });

  test('a body over the limit is a 413, declared or streamed without a length', async () => {
    const small = build({ maxBodyBytes: 2048 });
    const big = JSON.stringify(chatBody('x'.repeat(10_000)));
    const declared = await small.app.handle(new Request('http://localhost/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer sk-city-key-0001' }, body: big }));
    expect(declared.status).toBe(413);
    const chunked = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 100; i++) controller.enqueue(new TextEncoder().encode('x'.repeat(1000)));
        controller.close();
      },
    });
    const streamed = await small.app.handle(new Request('http://localhost/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer sk-city-key-0001' }, body: chunked }));
    expect(streamed.status).toBe(413);
    await small.usage.close();
  });

  test('a body declared as something other than JSON is a 415', async () => {
    const response = await call('/v1/chat/completions', { raw: 'a=b', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(response.status).toBe(415);
  });

  test('a missing or wrong key is a 401 in keyed mode', async () => {
    for (const key of [null, 'sk-nope-nope-nope']) {
      const response = await call('/v1/chat/completions', { body: chatBody(), key });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer');
      expect((await response.json()).error.code).toBe('unauthorized');
    }
    expect(gw.provider.requests).toHaveLength(0);
  });

  test('an unknown route is a 404 in the gateway envelope', async () => {
    const response = await call('/api/v1/nothing-here');
    expect(response.status).toBe(404);
    const body = await response.json();
    expect(body.error.code).toBe('not_found');
    expect(body.error.requestId).toBeTruthy();
  });
});

describe('GET /v1/models', () => {
  test('lists the served models in OpenAI list format', async () => {
    const body = await (await call('/v1/models')).json();
    expect(body.object).toBe('list');
    expect(body.data.map((m: { id: string }) => m.id)).toEqual(['deepseek-chat', 'deepseek-reasoner']);
  });

  test('answers one served model and 404s an unknown one', async () => {
    expect((await call('/v1/models/deepseek-chat')).status).toBe(200);
    expect((await call('/v1/models/nope')).status).toBe(404);
  });
});

describe('POST /api/v1/chat', () => {
  test('creates a session and sends its history upstream on the next turn', async () => {
    const first = await call('/api/v1/chat', { body: { message: 'Mein Name ist Ada.' } });
    expect(first.status).toBe(200);
    const a = await first.json();
    expect(a.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.reply).toContain('Ada');
    expect(typeof a.latencyMs).toBe('number');
    expect(a.cache).toBeTruthy();

    const second = await (await call('/api/v1/chat', { body: { message: 'Wie heiße ich?', sessionId: a.sessionId } })).json();
    expect(second.sessionId).toBe(a.sessionId);
    const sent = gw.provider.requests[1]!.messages.map((m) => [m.role, m.content]);
    expect(sent).toEqual([
      ['user', 'Mein Name ist Ada.'],
      ['assistant', a.reply],
      ['user', 'Wie heiße ich?'],
    ]);
  });

  test('does not let another tenant continue a session', async () => {
    const { sessionId } = await (await call('/api/v1/chat', { body: { message: 'hello' } })).json();
    const response = await call('/api/v1/chat', { body: { message: 'again', sessionId }, key: 'sk-county-key-02' });
    expect(response.status).toBe(404);
  });

  test('stores nothing when the upstream call fails', async () => {
    const { sessionId } = await (await call('/api/v1/chat', { body: { message: 'first' } })).json();
    gw.provider.push({ kind: 'fail', error: new AppError('upstream_error', 'boom') });
    const failed = await call('/api/v1/chat', { body: { message: 'second', sessionId } });
    expect(failed.status).toBe(502);
    const history = await gw.conversations.history('city', sessionId, 100);
    expect(history?.map((m) => m.content)).toEqual(['first', expect.any(String)]);
  });

  test('rejects blank messages and unknown fields with 400 in the gateway envelope', async () => {
    for (const body of [{ message: '' }, { message: 'hi', extra: 1 }, { sessionId: 'x' }]) {
      const response = await call('/api/v1/chat', { body });
      expect(response.status).toBe(400);
      expect((await response.json()).error.code).toBe('invalid_request');
    }
  });
});

describe('health', () => {
  test('ping answers without touching dependencies', async () => {
    gw.setDatabaseUp(false);
    const response = await call('/api/health/ping', { key: null });
    expect(response.status).toBe(200);
  });

  test('readiness is 200 when dependencies are up and 503 when the database is down', async () => {
    const up = await call('/api/v1/performance/health');
    expect(up.status).toBe(200);
    expect((await up.json()).checks.database.ok).toBe(true);
    gw.setDatabaseUp(false);
    const down = await call('/api/v1/performance/health');
    expect(down.status).toBe(503);
    expect((await down.json()).status).toBe('down');
  });

  test('readiness is 503 and chat is refused while draining', async () => {
    gw.lifecycle.startDraining();
    expect((await call('/api/v1/performance/health')).status).toBe(503);
    const chat = await call('/v1/chat/completions', { body: chatBody() });
    expect(chat.status).toBe(503);
    expect(chat.headers.get('retry-after')).toBe('1');
  });
});
