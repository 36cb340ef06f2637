import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test';
import { AppError } from '../errors';
import { createLogger, silentLogger } from '../log';
import type { ChatMessage, CompletionRequest, LlmProvider, StreamPart } from './llm-provider';
import { mockAnswer } from './mock-answer';
import { startMockUpstream, type MockUpstream } from './mock-upstream';
import { createOpenAiCompatibleProvider, type OpenAiCompatibleProviderOptions } from './openai-compatible-provider';

const API_KEY = 'sk-int-test-secret-key';
const messages: ChatMessage[] = [{ role: 'user', content: 'How does the gateway talk to its upstream?' }];
const request = (extra: Partial<CompletionRequest> = {}): CompletionRequest => ({ model: 'deepseek-chat', messages, params: {}, ...extra });

let mock: MockUpstream;
const providers: LlmProvider[] = [];

function provider(overrides: Partial<OpenAiCompatibleProviderOptions> = {}) {
  const created = createOpenAiCompatibleProvider({
    baseUrl: mock.url,
    apiKey: API_KEY,
    maxConnections: 4,
    connectTimeoutMs: 2_000,
    totalTimeoutMs: 5_000,
    idleTimeoutMs: 2_000,
    retries: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 2_000 },
    logger: silentLogger,
    ...overrides,
  });
  providers.push(created);
  return created;
}

async function collect(parts: AsyncIterable<StreamPart>): Promise<StreamPart[]> {
  const out: StreamPart[] = [];
  for await (const part of parts) out.push(part);
  return out;
}

const textOf = (parts: StreamPart[]) => parts.map((p) => (p.type === 'delta' ? (p.delta.content ?? '') : '')).join('');
const rejection = (promise: Promise<unknown>) => promise.then(() => undefined, (e: unknown) => e as AppError);

beforeAll(() => {
  mock = startMockUpstream({ apiKey: API_KEY });
});
afterAll(() => mock.stop());
afterEach(async () => {
  mock.clearFaults();
  mock.requests.clear();
  await Promise.all(providers.splice(0).map((p) => p.close()));
});

describe('OpenAI-compatible provider against the mock upstream', () => {
  test('completes a JSON chat completion and forwards params verbatim', async () => {
    const completion = await provider().complete(request({ params: { temperature: 0.2, custom_field: { x: 1 } }, requestId: 'req-1' }));
    expect(completion.choices[0]?.message.content).toBe(mockAnswer(messages, 'deepseek-chat'));
    expect(completion.usage?.completion_tokens).toBeGreaterThan(0);
    expect(mock.requests.log[0]).toMatchObject({ stream: false, requestId: 'req-1', body: { model: 'deepseek-chat', temperature: 0.2, custom_field: { x: 1 } } });
  });

  test('streams deltas that reassemble to the mock answer, then one finish with usage', async () => {
    const parts = await collect(provider().stream(request()));
    expect(textOf(parts)).toBe(mockAnswer(messages, 'deepseek-chat'));
    expect(parts.filter((p) => p.type !== 'delta')).toEqual([
      { type: 'finish', finishReasons: { 0: 'stop' }, usage: expect.objectContaining({ completion_tokens: expect.any(Number) }), model: 'deepseek-chat' },
    ]);
    expect(mock.requests.log[0]?.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });

  test('reuses one keep-alive connection for consecutive calls, streamed or not', async () => {
    const p = provider();
    await p.complete(request());
    await collect(p.stream(request()));
    await collect(p.stream(request()));
    await p.complete(request());
    const ports = new Set(mock.requests.log.map((r) => r.remotePort));
    expect(mock.requests.count).toBe(4);
    expect(ports.size).toBe(1);
  });

  test('keeps the connection reusable when the end of the body arrives a little after [DONE]', async () => {
    const ports: (number | undefined)[] = [];
    const encoder = new TextEncoder();
    const lagging = Bun.serve({
      port: 0,
      hostname: '127.0.0.1',
      fetch(req, server) {
        ports.push(server.requestIP(req)?.port);
        const pieces = ['data: {"choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":"stop"}]}\n\n', 'data: [DONE]\n\n'];
        const body = new ReadableStream<Uint8Array>({
          async pull(controller) {
            await Bun.sleep(5);
            const piece = pieces.shift();
            if (piece === undefined) return controller.close();
            controller.enqueue(encoder.encode(piece));
          },
        });
        return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
      },
    });
    try {
      const p = provider({ baseUrl: `http://127.0.0.1:${lagging.port}/v1` });
      for (let i = 0; i < 3; i++) {
        expect((await collect(p.stream(request()))).at(-1)?.type).toBe('finish');
        for (let j = 0; j < 100 && p.health().inFlight > 0; j++) await Bun.sleep(2);
      }
      expect(ports).toHaveLength(3);
      expect(new Set(ports).size).toBe(1);
    } finally {
      await lagging.stop(true);
    }
  });

  test('waits out Retry-After on a 429 before retrying, then succeeds', async () => {
    mock.script({ status: 429, retryAfter: 1 });
    const completion = await provider().complete(request());
    expect(completion.choices[0]?.message.content).toBe(mockAnswer(messages, 'deepseek-chat'));
    const [first, second] = mock.requests.log;
    expect(mock.requests.count).toBe(2);
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(950);
  });

  test('does not wait when Retry-After exceeds the longest allowed wait: upstream_rate_limited with retryAfterSec', async () => {
    mock.script({ status: 429, retryAfter: 30 });
    const error = await rejection(provider().complete(request()));
    expect(error).toMatchObject({ code: 'upstream_rate_limited', status: 429, retryAfterSec: 30 });
    expect(mock.requests.count).toBe(1);
  });

  test('retries a 500 and succeeds on the second request', async () => {
    mock.script({ status: 500 });
    const completion = await provider().complete(request());
    expect(completion.choices).toHaveLength(1);
    expect(mock.requests.count).toBe(2);
  });

  test('retries a stream that failed before its first byte', async () => {
    mock.script({ status: 503 });
    const parts = await collect(provider().stream(request()));
    expect(parts.at(-1)?.type).toBe('finish');
    expect(mock.requests.count).toBe(2);
  });

  test('surfaces upstream_error after exhausting retries on 5xx', async () => {
    mock.script({ status: 500, times: 3 });
    const error = await rejection(provider().complete(request()));
    expect(error).toMatchObject({ code: 'upstream_error', status: 502 });
    expect(mock.requests.count).toBe(3);
  });

  test('does not retry a 400 and reports upstream_rejected without the upstream body', async () => {
    mock.script({ status: 400 });
    const error = await rejection(provider().complete(request()));
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: 'upstream_rejected', status: 400 });
    expect((error as AppError).message).toContain('HTTP 400');
    expect((error as AppError).message).not.toContain('upstream-private-detail');
    expect(mock.requests.count).toBe(1);
  });

  test('maps a refused key to upstream_auth_failed and never puts the key in errors or logs', async () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'debug', write: (line) => lines.push(line) });
    const error = await rejection(provider({ apiKey: 'sk-wrong-secret', logger }).complete(request()));
    expect(error).toMatchObject({ code: 'upstream_auth_failed' });
    expect(mock.requests.count).toBe(1);
    const everything = JSON.stringify({ message: (error as AppError).message, cause: (error as AppError).cause }) + lines.join('\n');
    expect(everything).not.toContain('sk-wrong-secret');
    expect(lines.some((line) => line.includes('"level":"error"'))).toBe(true);
  });

  test('a stream cut mid-way yields its deltas and then an error part, never a finish', async () => {
    mock.script({ cutAfterTokens: 5 });
    const parts = await collect(provider().stream(request()));
    expect(parts.filter((p) => p.type === 'delta' && p.delta.content).length).toBe(5);
    expect(parts.some((p) => p.type === 'finish')).toBe(false);
    expect(parts.at(-1)).toMatchObject({ type: 'error', error: { code: 'upstream_unavailable' } });
    expect(mock.requests.count).toBe(1);
  });

  test('a hanging upstream ends in upstream_timeout after the connect timeout, streamed or not', async () => {
    mock.script({ hang: true, times: 2 });
    const p = provider({ connectTimeoutMs: 150 });
    const error = await rejection(p.complete(request()));
    expect(error).toMatchObject({ code: 'upstream_timeout', status: 504 });
    const parts = await collect(p.stream(request()));
    expect(parts).toEqual([{ type: 'error', error: expect.objectContaining({ code: 'upstream_timeout' }) }]);
    expect(mock.requests.count).toBe(2);
    expect(p.health().inFlight).toBe(0);
  });

  test('a stream that goes silent ends in upstream_timeout after the idle timeout', async () => {
    const slow = startMockUpstream({ tokensPerSec: 2 });
    try {
      const p = provider({ baseUrl: slow.url, idleTimeoutMs: 100 });
      const parts = await collect(p.stream(request()));
      expect(parts.at(-1)).toMatchObject({ type: 'error', error: { code: 'upstream_timeout' } });
      expect(parts.some((part) => part.type === 'delta')).toBe(true);
    } finally {
      await slow.stop();
    }
  });

  test('the breaker opens after repeated failures, sends nothing while open, and recovers through a probe', async () => {
    let now = 0;
    const p = provider({ retries: { maxAttempts: 1 }, breaker: { failureThreshold: 3, coolDownMs: 10_000, now: () => now } });
    mock.script({ status: 500, times: 3 });
    for (let i = 0; i < 3; i++) expect(await rejection(p.complete(request()))).toMatchObject({ code: 'upstream_error' });
    expect(p.health().breaker).toBe('open');

    const fastFail = await rejection(p.complete(request()));
    expect(fastFail).toMatchObject({ code: 'upstream_unavailable', retryAfterSec: 10 });
    const streamed = await collect(p.stream(request()));
    expect(streamed).toEqual([{ type: 'error', error: expect.objectContaining({ code: 'upstream_unavailable' }) }]);
    expect(mock.requests.count).toBe(3);

    now += 10_000;
    expect(p.health().breaker).toBe('half_open');
    await p.complete(request());
    expect(p.health().breaker).toBe('closed');
    expect(mock.requests.count).toBe(4);
  });

  test('refuses callers beyond the queue bound with upstream_overloaded and retryAfterSec', async () => {
    const slow = startMockUpstream({ latencyMs: 100 });
    try {
      const p = provider({ baseUrl: slow.url, maxConnections: 1, maxQueue: 1 });
      const running = p.complete(request());
      const queued = p.complete(request());
      await Bun.sleep(20);
      expect(p.health()).toMatchObject({ inFlight: 1, queued: 1 });
      const refused = await rejection(p.complete(request()));
      expect(refused).toMatchObject({ code: 'upstream_overloaded', status: 503 });
      expect((refused as AppError).retryAfterSec).toBeGreaterThanOrEqual(1);
      await Promise.all([running, queued]);
      expect(slow.requests.count).toBe(2);
    } finally {
      await slow.stop();
    }
  });

  test('aborting a stream releases its slot for the next caller', async () => {
    const slow = startMockUpstream({ tokensPerSec: 50 });
    try {
      const p = provider({ baseUrl: slow.url, maxConnections: 1, maxQueue: 0 });
      const controller = new AbortController();
      const iterator = p.stream(request({ signal: controller.signal }))[Symbol.asyncIterator]();
      expect((await iterator.next()).value).toMatchObject({ type: 'delta' });
      expect(p.health().inFlight).toBe(1);
      expect(await rejection(p.complete(request()))).toMatchObject({ code: 'upstream_overloaded' });
      controller.abort();
      await Bun.sleep(0);
      expect(p.health().inFlight).toBe(0);
      const next = p.stream(request())[Symbol.asyncIterator]();
      expect((await next.next()).value).toMatchObject({ type: 'delta' });
      await next.return?.();
      expect(p.health().inFlight).toBe(0);
    } finally {
      await slow.stop();
    }
  });

  test('releases the slot when the consumer stops pulling right after the terminal part', async () => {
    const p = provider({ maxConnections: 1 });
    const iterator = p.stream(request())[Symbol.asyncIterator]();
    for (let next = await iterator.next(); !next.done && next.value.type === 'delta'; next = await iterator.next());
    // Never resumed after `finish`: the drain after [DONE] still returns the slot.
    for (let i = 0; i < 50 && p.health().inFlight > 0; i++) await Bun.sleep(5);
    expect(p.health().inFlight).toBe(0);
  });

  test('after close it refuses new work with service_unavailable', async () => {
    const p = provider();
    await p.close();
    expect(await rejection(p.complete(request()))).toMatchObject({ code: 'service_unavailable' });
    expect(await collect(p.stream(request()))).toEqual([{ type: 'error', error: expect.objectContaining({ code: 'service_unavailable' }) }]);
    expect(mock.requests.count).toBe(0);
  });
});
