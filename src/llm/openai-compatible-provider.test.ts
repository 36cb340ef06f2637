import { describe, expect, test } from 'bun:test';
import type { AppError } from '../errors';
import { silentLogger } from '../log';
import type { CompletionRequest, StreamPart } from './llm-provider';
import { createOpenAiCompatibleProvider, type OpenAiCompatibleProviderOptions } from './openai-compatible-provider';

interface Call {
  url: string;
  headers: Headers;
  body: Record<string, unknown>;
}

/** A fetch double: each call gets the next scripted responder. */
function fakeFetch(...responders: ((init: RequestInit) => Response | Promise<Response>)[]) {
  const calls: Call[] = [];
  const impl = (async (input: string | URL | Request, init?: RequestInit) => {
    calls.push({ url: String(input), headers: new Headers(init?.headers), body: JSON.parse(String(init?.body)) });
    const responder = responders[Math.min(calls.length - 1, responders.length - 1)]!;
    return responder(init ?? {});
  }) as typeof fetch;
  return { impl, calls };
}

const encoder = new TextEncoder();

/** An SSE body delivered in the given network pieces, optionally failing after them. */
function sse(pieces: string[], options: { failAfter?: boolean } = {}) {
  let i = 0;
  return new Response(
    new ReadableStream<Uint8Array>({
      pull(controller) {
        if (i < pieces.length) return controller.enqueue(encoder.encode(pieces[i++]!));
        if (options.failAfter) return controller.error(new TypeError('socket closed'));
        controller.close();
      },
    }),
    { headers: { 'content-type': 'text/event-stream' } },
  );
}

const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) => `data: ${JSON.stringify({ object: 'chat.completion.chunk', model: 'up', choices, ...extra })}\n\n`;
const completionBody = { id: 'x', object: 'chat.completion', created: 1, model: 'up', choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }] };
const errorBody = (status: number, code: string) =>
  Response.json({ error: { message: 'upstream says: prompt was "my secret prompt"', type: 'invalid_request_error', code } }, { status });

function make(fetchImpl: typeof fetch, overrides: Partial<OpenAiCompatibleProviderOptions> = {}) {
  return createOpenAiCompatibleProvider({
    baseUrl: 'https://llm.example.test/v1/',
    apiKey: 'sk-unit-secret',
    maxConnections: 2,
    connectTimeoutMs: 1_000,
    totalTimeoutMs: 1_000,
    retries: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 10 },
    logger: silentLogger,
    fetch: fetchImpl,
    ...overrides,
  });
}

const request = (extra: Partial<CompletionRequest> = {}): CompletionRequest => ({ model: 'm', messages: [{ role: 'user', content: 'hi' }], params: {}, ...extra });
async function collect(parts: AsyncIterable<StreamPart>) {
  const out: StreamPart[] = [];
  for await (const part of parts) out.push(part);
  return out;
}
const rejection = (promise: Promise<unknown>) => promise.then(() => undefined, (e: unknown) => e as AppError);

describe('request shape', () => {
  test('POSTs to {baseUrl}/chat/completions with the bearer key, the request id and params verbatim', async () => {
    const fake = fakeFetch(() => Response.json(completionBody));
    await make(fake.impl).complete(request({ params: { temperature: 0, tools: [{ type: 'function' }], stream: true }, requestId: 'r-9' }));
    const [call] = fake.calls;
    expect(call?.url).toBe('https://llm.example.test/v1/chat/completions');
    expect(call?.headers.get('authorization')).toBe('Bearer sk-unit-secret');
    expect(call?.headers.get('x-request-id')).toBe('r-9');
    expect(call?.body).toEqual({ model: 'm', messages: [{ role: 'user', content: 'hi' }], temperature: 0, tools: [{ type: 'function' }], stream: false });
  });

  test('asks for usage on every stream, keeping other stream options', async () => {
    const fake = fakeFetch(() => sse([chunk([{ index: 0, delta: {}, finish_reason: 'stop' }]), 'data: [DONE]\n\n']));
    await collect(make(fake.impl).stream(request({ params: { stream_options: { other: 1 } } })));
    expect(fake.calls[0]?.body).toMatchObject({ stream: true, stream_options: { other: 1, include_usage: true } });
  });
});

describe('stream parsing', () => {
  test('reassembles data lines split across network chunks and skips keep-alive comments', async () => {
    const wire = [
      ': keep-alive\n\n',
      chunk([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]),
      chunk([{ index: 0, delta: { content: 'Hel' }, finish_reason: null }]),
      chunk([{ index: 0, delta: { content: 'lo' }, finish_reason: 'stop' }]),
      chunk([], { usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } }),
      'data: [DONE]\n\n',
    ].join('');
    const pieces = wire.match(/[\s\S]{1,7}/g)!;
    const parts = await collect(make(fakeFetch(() => sse(pieces)).impl).stream(request()));
    expect(parts.map((p) => (p.type === 'delta' ? p.delta.content : p.type))).toEqual(['', 'Hel', 'lo', 'finish']);
    expect(parts.at(-1)).toEqual({ type: 'finish', finishReasons: { 0: 'stop' }, usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 }, model: 'up' });
  });

  test('an error object inside a 200 stream becomes an error part and counts against the breaker', async () => {
    const fake = fakeFetch(() => sse([chunk([{ index: 0, delta: { content: 'a' } }]), 'data: {"error":{"message":"boom","code":"overloaded_error"}}\n\n']));
    const provider = make(fake.impl, { breaker: { failureThreshold: 1 } });
    const parts = await collect(provider.stream(request()));
    expect(parts.map((p) => p.type)).toEqual(['delta', 'error']);
    expect(provider.health().breaker).toBe('open');
  });

  test('is not retried once the first body byte has arrived', async () => {
    const fake = fakeFetch(() => sse([chunk([{ index: 0, delta: { content: 'a' } }])], { failAfter: true }));
    const parts = await collect(make(fake.impl).stream(request()));
    expect(parts.map((p) => p.type)).toEqual(['delta', 'error']);
    expect(parts.at(-1)).toMatchObject({ error: { code: 'upstream_unavailable' } });
    expect(fake.calls).toHaveLength(1);
  });

  test('measures idleness from the last chunk, so a slow but steady stream is not cut', async () => {
    const pieces = [chunk([{ index: 0, delta: { content: 'a' } }]), chunk([{ index: 0, delta: { content: 'b' }, finish_reason: 'stop' }]), 'data: [DONE]\n\n'];
    const paced = () =>
      new Response(
        new ReadableStream<Uint8Array>({
          async pull(controller) {
            await Bun.sleep(60);
            const piece = pieces.shift();
            if (piece === undefined) return controller.close();
            controller.enqueue(encoder.encode(piece));
          },
        }),
      );
    const parts = await collect(make(fakeFetch(paced).impl, { idleTimeoutMs: 100 }).stream(request()));
    expect(parts.map((p) => p.type)).toEqual(['delta', 'delta', 'finish']);
  });

  test('a stream silent for longer than the idle timeout ends in upstream_timeout and frees its slot', async () => {
    const silent = () => new Response(new ReadableStream<Uint8Array>({ start: (c) => c.enqueue(encoder.encode(chunk([{ index: 0, delta: { content: 'a' } }]))) }));
    const provider = make(fakeFetch(silent).impl, { idleTimeoutMs: 30 });
    const parts = await collect(provider.stream(request()));
    expect(parts.map((p) => p.type)).toEqual(['delta', 'error']);
    expect(parts.at(-1)).toMatchObject({ error: { code: 'upstream_timeout', status: 504 } });
    expect(provider.health().inFlight).toBe(0);
  });

  test('a body that ends cleanly without [DONE] is an error, not a finish', async () => {
    const fake = fakeFetch(() => sse([chunk([{ index: 0, delta: { content: 'a' }, finish_reason: 'stop' }])]));
    const parts = await collect(make(fake.impl).stream(request()));
    expect(parts.at(-1)).toMatchObject({ type: 'error', error: { code: 'upstream_error' } });
  });
});

describe('error mapping', () => {
  test.each([
    [400, 'upstream_rejected', 400],
    [404, 'upstream_rejected', 400],
    [422, 'upstream_rejected', 400],
    [401, 'upstream_auth_failed', 502],
    [403, 'upstream_auth_failed', 502],
  ])('an upstream %i becomes %s without retrying', async (status, code, clientStatus) => {
    const fake = fakeFetch(() => errorBody(status, 'model_not_found'));
    const error = await rejection(make(fake.impl).complete(request()));
    expect(error).toMatchObject({ code, status: clientStatus });
    expect(error?.message).toContain(`HTTP ${status}`);
    expect(error?.message).toContain('model_not_found');
    expect(error?.message).not.toContain('secret');
    expect(fake.calls).toHaveLength(1);
  });

  test('an upstream error code that is not a short identifier is left out of the message (the type is used instead)', async () => {
    const fake = fakeFetch(() => errorBody(400, 'this is a sentence with the prompt in it'));
    const error = await rejection(make(fake.impl).complete(request()));
    expect(error?.message).toBe("The upstream rejected the request (HTTP 400, code 'invalid_request_error').");
  });

  test('a network failure is retried and then surfaces as upstream_unavailable', async () => {
    const fake = fakeFetch(() => Promise.reject(Object.assign(new TypeError('Unable to connect'), { code: 'ECONNREFUSED' })));
    const error = await rejection(make(fake.impl).complete(request()));
    expect(error).toMatchObject({ code: 'upstream_unavailable', status: 503 });
    expect(fake.calls).toHaveLength(3);
  });

  test('a 200 whose body is not JSON is upstream_error and not retried', async () => {
    const fake = fakeFetch(() => new Response('<html>gateway</html>', { status: 200 }));
    const error = await rejection(make(fake.impl).complete(request()));
    expect(error).toMatchObject({ code: 'upstream_error' });
    expect(fake.calls).toHaveLength(1);
  });

  test('a Retry-After given as an HTTP-date is honoured too', async () => {
    const retryAt = new Date(Date.now() + 60_000).toUTCString();
    const fake = fakeFetch(() => new Response('{}', { status: 429, headers: { 'retry-after': retryAt } }));
    const error = await rejection(make(fake.impl).complete(request()));
    expect(error).toMatchObject({ code: 'upstream_rate_limited' });
    expect(error?.retryAfterSec).toBeGreaterThanOrEqual(59);
    expect(fake.calls).toHaveLength(1);
  });

  test('a caller that cancels gets a cancellation and does not count against the breaker', async () => {
    const fake = fakeFetch(
      (init) =>
        new Promise<Response>((_, reject) => init.signal?.addEventListener('abort', () => reject(init.signal?.reason))),
    );
    const provider = make(fake.impl, { breaker: { failureThreshold: 1 } });
    const controller = new AbortController();
    const pending = rejection(provider.complete(request({ signal: controller.signal })));
    await Bun.sleep(1);
    controller.abort();
    expect(await pending).toMatchObject({ code: 'client_closed' });
    expect(provider.health()).toMatchObject({ breaker: 'closed', inFlight: 0 });
    expect(fake.calls).toHaveLength(1);
  });

  test('health reports the breaker, slots and the run-time adjustable limit', () => {
    const provider = make(fakeFetch(() => Response.json(completionBody)).impl);
    provider.limiter.setLimit(7);
    expect(provider.health()).toEqual({ name: 'openai-compatible', breaker: 'closed', inFlight: 0, queued: 0, maxConnections: 7 });
  });
});
