import { afterAll, describe, expect, test } from 'bun:test';
import zlib from 'node:zlib';
import { Elysia } from 'elysia';
import { cors } from '@elysiajs/cors';
import { createApp } from '../app';
import { createAuthenticator } from '../auth/api-keys';
import { createChatService } from '../chat/chat.service';
import { createMemoryConversationStore } from '../chat/memory-conversation-store';
import { createHealthService } from '../health/health.service';
import { createLifecycle } from '../lifecycle';
import { silentLogger } from '../log';
import { createScriptedProvider } from '../testing/scripted-provider';
import { createMemoryUsageStore } from '../usage/memory-usage-store';
import { createUsageRecorder } from '../usage/usage-recorder';
import { BROTLI_MIN_BYTES, chooseContentCoding, createResponseCompression, isCompressibleType, MAX_ACCEPT_ENCODING_CHARS, negotiateContentCoding } from './compression';
import { SSE_HEADERS } from './sse';

/** A completion-shaped body of about 5 KB, the size of a typical longer chat answer. */
/** Brotli for every size, so these tests pin negotiation itself; the small-body gzip preference has its own test. */
const compressResponse = createResponseCompression({ brotliMinBytes: 0 });
const bigBody = {
  id: 'chatcmpl-123',
  object: 'chat.completion',
  model: 'deepseek-chat',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Das Bürgeramt hat montags bis freitags von 8 bis 18 Uhr geöffnet. '.repeat(70) }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 12, completion_tokens: 900, total_tokens: 912 },
};
const bigJson = JSON.stringify(bigBody);

/** Lets the test decide when the second SSE event is sent, to prove the first one is not held back. */
let releaseSse: () => void = () => {};

function testApp() {
  const routes = new Elysia()
    .get('/object', () => bigBody)
    .get('/response', () => new Response(bigJson, { headers: { 'content-type': 'application/json', etag: '"v1"' } }))
    .get('/text', () => 'plain words, '.repeat(200))
    .get('/object-etag', ({ set }) => {
      set.headers.etag = '"v2"';
      return bigBody;
    })
    .get('/small', () => ({ ok: true }))
    .get('/small-response', () => new Response('{"ok":true}', { headers: { 'content-type': 'application/json', 'x-kept': 'yes' } }))
    .get('/unavailable', ({ set }) => {
      set.status = 503;
      return bigBody;
    })
    .get('/binary', () => new Response(new Uint8Array(10_000), { headers: { 'content-type': 'application/octet-stream' } }))
    .get('/already', () => new Response(zlib.gzipSync(bigJson), { headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' } }))
    .get('/no-transform', () => new Response(bigJson, { headers: { 'content-type': 'application/json', 'cache-control': 'no-transform' } }))
    .get('/no-content', () => new Response(null, { status: 204 }))
    .get('/not-modified', () => new Response(null, { status: 304, headers: { etag: '"v1"' } }))
    .get('/sse', () => {
      const encoder = new TextEncoder();
      let step = 0;
      const stream = new ReadableStream<Uint8Array>({
        async pull(controller) {
          if (step === 0) controller.enqueue(encoder.encode(`data: ${JSON.stringify({ first: 'x'.repeat(2000) })}\n\n`));
          else if (step === 1) {
            await new Promise<void>((resolve) => (releaseSse = resolve));
            controller.enqueue(encoder.encode('data: [DONE]\n\n'));
          } else controller.close();
          step++;
        },
      });
      return new Response(stream, { headers: SSE_HEADERS });
    });
  return new Elysia()
    .onRequest(({ set }) => {
      set.headers['x-request-id'] = 'req_test';
    })
    .mapResponse(compressResponse)
    .use(routes);
}

const app = testApp();
const get = (path: string, acceptEncoding?: string) =>
  app.handle(new Request(`http://localhost${path}`, { headers: acceptEncoding === undefined ? {} : { 'accept-encoding': acceptEncoding } }));

async function bodyOf(response: Response): Promise<Uint8Array> {
  return new Uint8Array(await response.arrayBuffer());
}

function decode(bytes: Uint8Array, coding: string | null): string {
  const raw = coding === 'br' ? zlib.brotliDecompressSync(bytes) : coding === 'gzip' ? zlib.gunzipSync(bytes) : Buffer.from(bytes);
  return raw.toString('utf8');
}

describe('negotiateContentCoding', () => {
  test.each([
    [null, null],
    ['', null],
    ['br', 'br'],
    ['gzip', 'gzip'],
    ['x-gzip', 'gzip'],
    ['GZIP', 'gzip'],
    ['gzip, deflate, br, zstd', 'br'],
    ['gzip, br', 'br'],
    ['br;q=0.5, gzip;q=0.8', 'gzip'],
    ['br;q=1, gzip;q=0.8', 'br'],
    ['gzip;q=0.8, br;q=0.8', 'br'],
    ['*', 'br'],
    ['*;q=0.3, gzip;q=0.2', 'br'],
    ['br;q=0, *', 'gzip'],
    ['br;q=0, gzip;q=0', null],
    ['*;q=0', null],
    ['identity', null],
    ['identity;q=0', null],
    ['identity;q=0, gzip', 'gzip'],
    ['identity;q=1, gzip;q=0.5', null],
    ['gzip, identity', 'gzip'],
    ['deflate, zstd', null],
    ['gzip;q=1.5', null],
    ['gzip;q=abc', null],
    ['gzip;q=0.0001', null],
    ['gzip; q=0.5', 'gzip'],
    ['gzip;level=9;q=0.5', 'gzip'],
    ['gzip;q=0, gzip;q=1', null],
    ['g z i p', null],
    [',,,;;;===', null],
  ] as const)('Accept-Encoding %p chooses %p', (header, expected) => {
    expect(negotiateContentCoding(header)).toBe(expected);
  });

  test('only the first 1 KiB is parsed: a coding named after it does not count, and a cut-off entry is ignored', () => {
    const filler = 'junk, '.repeat(Math.ceil(MAX_ACCEPT_ENCODING_CHARS / 6));
    expect(negotiateContentCoding(`${filler}gzip`)).toBeNull();
    // The cap falls right after "gzip": read as a whole entry it would mean q=1, so it is dropped instead.
    const cut = `${'a'.repeat(MAX_ACCEPT_ENCODING_CHARS - 5)},gzip;q=0.001`;
    expect(negotiateContentCoding(cut)).toBeNull();
    expect(negotiateContentCoding(cut.slice(0, MAX_ACCEPT_ENCODING_CHARS))).toBe('gzip');
    expect(negotiateContentCoding(`br, ${filler}`)).toBe('br');
  });

  test('only the first 32 entries are parsed', () => {
    expect(negotiateContentCoding(`${'a,'.repeat(32)}gzip`)).toBeNull();
    expect(negotiateContentCoding(`${'a,'.repeat(31)}gzip`)).toBe('gzip');
  });

  test('a 100 KB header of junk tokens is parsed in bounded work and means identity', () => {
    const junk = Array.from({ length: 20_000 }, (_, i) => `tok${i};q=0.${i % 10}`).join(',').slice(0, 100_000);
    expect(negotiateContentCoding(junk)).toBeNull();
    expect(negotiateContentCoding('\u0000\uffff;;;q=q=q,,'.repeat(10_000))).toBeNull();
  });
});

describe('isCompressibleType', () => {
  test.each([
    ['application/json', true],
    ['application/json; charset=utf-8', true],
    ['application/problem+json', true],
    ['text/plain; version=0.0.4', true],
    ['text/html', true],
    ['image/svg+xml', true],
    ['text/event-stream; charset=utf-8', false],
    ['application/x-ndjson', false],
    ['application/octet-stream', false],
    ['image/png', false],
    [null, false],
  ] as const)('%p → %p', (type, expected) => {
    expect(isCompressibleType(type)).toBe(expected);
  });
});

describe('response compression', () => {
  test('Accept-Encoding: br gives a brotli body that decodes to the JSON, with Vary and the compressed Content-Length', async () => {
    const response = await get('/object', 'br');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-encoding')).toBe('br');
    expect(response.headers.get('vary')).toBe('Accept-Encoding');
    expect(response.headers.get('content-type')).toContain('application/json');
    expect(response.headers.get('x-request-id')).toBe('req_test');
    const body = await bodyOf(response);
    expect(response.headers.get('content-length')).toBe(String(body.byteLength));
    expect(body.byteLength).toBeLessThan(bigJson.length / 4);
    expect(JSON.parse(decode(body, 'br'))).toEqual(bigBody);
  });

  test('Accept-Encoding: gzip gives a gzip body that decodes to the JSON', async () => {
    const response = await get('/object', 'gzip');
    expect(response.headers.get('content-encoding')).toBe('gzip');
    const body = await bodyOf(response);
    expect(response.headers.get('content-length')).toBe(String(body.byteLength));
    expect(JSON.parse(decode(body, 'gzip'))).toEqual(bigBody);
  });

  test.each([
    ['br;q=0.5, gzip;q=0.8', 'gzip'],
    ['gzip;q=0.8, br', 'br'],
    ['br;q=0, *;q=0.1', 'gzip'],
    ['*', 'br'],
  ])('q-values choose the coding: %p → %s', async (header, expected) => {
    const response = await get('/object', header);
    expect(response.headers.get('content-encoding')).toBe(expected);
    expect(JSON.parse(decode(await bodyOf(response), expected))).toEqual(bigBody);
  });

  test.each([
    ['no Accept-Encoding', undefined],
    ['identity', 'identity'],
    ['*;q=0', '*;q=0'],
    ['only unsupported codings', 'deflate, zstd, compress'],
  ])('%s gets the JSON uncompressed', async (_label, header) => {
    const response = await get('/object', header);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-encoding')).toBeNull();
    expect(await response.json()).toEqual(bigBody);
  });

  test('a 100 KB Accept-Encoding of junk tokens is a 200 with the body uncompressed', async () => {
    const junk = Array.from({ length: 20_000 }, (_, i) => `x${i}`).join(', ').slice(0, 100_000);
    const response = await get('/object', junk);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-encoding')).toBeNull();
    expect(await response.json()).toEqual(bigBody);
  });

  test('a Response returned by a route is compressed with its own headers kept and a strong ETag weakened', async () => {
    const response = await get('/response', 'gzip, br');
    expect(response.headers.get('content-encoding')).toBe('br');
    expect(response.headers.get('etag')).toBe('W/"v1"');
    expect(response.headers.get('x-request-id')).toBe('req_test');
    expect(JSON.parse(decode(await bodyOf(response), 'br'))).toEqual(bigBody);
  });

  test('a strong ETag set through set.headers is weakened on the compressed body', async () => {
    const response = await get('/object-etag', 'gzip');
    expect(response.headers.get('content-encoding')).toBe('gzip');
    expect(response.headers.get('etag')).toBe('W/"v2"');
    const identity = await get('/object-etag');
    expect(identity.headers.get('etag')).toBe('"v2"');
  });

  test('a large text body is compressed as text', async () => {
    const response = await get('/text', 'gzip');
    expect(response.headers.get('content-encoding')).toBe('gzip');
    expect(response.headers.get('content-type')).toContain('text/plain');
    expect(decode(await bodyOf(response), 'gzip')).toBe('plain words, '.repeat(200));
  });

  test('the status set by the route is kept on a compressed body', async () => {
    const response = await get('/unavailable', 'br');
    expect(response.status).toBe(503);
    expect(response.headers.get('content-encoding')).toBe('br');
    expect(JSON.parse(decode(await bodyOf(response), 'br'))).toEqual(bigBody);
  });

  test('small bodies are sent as they are, whether plain values or Responses', async () => {
    const plain = await get('/small', 'br');
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(await plain.json()).toEqual({ ok: true });
    const response = await get('/small-response', 'br');
    expect(response.headers.get('content-encoding')).toBeNull();
    expect(response.headers.get('x-kept')).toBe('yes');
    expect(await response.json()).toEqual({ ok: true });
  });

  test('binary, already-encoded and no-transform responses are left alone', async () => {
    const binary = await get('/binary', 'br');
    expect(binary.headers.get('content-encoding')).toBeNull();
    expect((await bodyOf(binary)).byteLength).toBe(10_000);
    const already = await get('/already', 'br');
    expect(already.headers.get('content-encoding')).toBe('gzip');
    expect(JSON.parse(decode(await bodyOf(already), 'gzip'))).toEqual(bigBody);
    const noTransform = await get('/no-transform', 'br');
    expect(noTransform.headers.get('content-encoding')).toBeNull();
    expect(await noTransform.json()).toEqual(bigBody);
  });

  test('204 and 304 are left alone', async () => {
    const noContent = await get('/no-content', 'br');
    expect(noContent.status).toBe(204);
    expect(noContent.headers.get('content-encoding')).toBeNull();
    const notModified = await get('/not-modified', 'br');
    expect(notModified.status).toBe(304);
    expect(notModified.headers.get('content-encoding')).toBeNull();
  });

  test('an SSE stream is neither compressed nor buffered: the first event arrives before the stream ends', async () => {
    const response = await get('/sse', 'br, gzip');
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    expect(response.headers.get('content-encoding')).toBeNull();
    const reader = response.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toStartWith('data: {"first":');
    releaseSse();
    let rest = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      rest += new TextDecoder().decode(value);
    }
    expect(rest).toBe('data: [DONE]\n\n');
  });

  test('Vary keeps what CORS put there: "*" stays "*", a header list gains Accept-Encoding', async () => {
    const withCors = new Elysia().use(cors()).mapResponse(compressResponse).get('/object', () => bigBody);
    const star = await withCors.handle(new Request('http://localhost/object', { headers: { 'accept-encoding': 'br', origin: 'https://a.example' } }));
    expect(star.headers.get('content-encoding')).toBe('br');
    expect(star.headers.get('vary')).toBe('*');
    const listed = new Elysia().use(cors({ origin: 'a.example' })).mapResponse(compressResponse).get('/object', () => bigBody);
    const origin = await listed.handle(new Request('http://localhost/object', { headers: { 'accept-encoding': 'br', origin: 'https://a.example' } }));
    expect(origin.headers.get('content-encoding')).toBe('br');
    expect(origin.headers.get('vary')).toBe('Origin, Accept-Encoding');
  });

  test('the threshold and levels are configurable, and large bodies go through the async path unchanged', async () => {
    const large = { rows: Array.from({ length: 5000 }, (_, i) => ({ i, text: `row ${i}` })) };
    const custom = new Elysia()
      .mapResponse(createResponseCompression({ thresholdBytes: 10, brotliQuality: 1, gzipLevel: 1, asyncAboveBytes: 1024 }))
      .get('/tiny', () => ({ a: 'bbbbbbbbbbbb' }))
      .get('/large', () => large);
    const tiny = await custom.handle(new Request('http://localhost/tiny', { headers: { 'accept-encoding': 'gzip' } }));
    expect(tiny.headers.get('content-encoding')).toBe('gzip');
    for (const coding of ['gzip', 'br']) {
      const response = await custom.handle(new Request('http://localhost/large', { headers: { 'accept-encoding': coding } }));
      expect(response.headers.get('content-encoding')).toBe(coding);
      expect(JSON.parse(decode(await bodyOf(response), coding))).toEqual(large);
    }
  });
});

describe('over a real socket', () => {
  test('Bun.serve sends the compressed bytes with the Content-Length set, and fetch decodes them to the JSON', async () => {
    const server = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: (request) => app.handle(request) });
    try {
      const url = `http://127.0.0.1:${server.port}/object`;
      const raw = await fetch(url, { headers: { 'accept-encoding': 'br' }, decompress: false });
      expect(raw.headers.get('content-encoding')).toBe('br');
      const bytes = await bodyOf(raw);
      expect(raw.headers.get('content-length')).toBe(String(bytes.byteLength));
      expect(JSON.parse(decode(bytes, 'br'))).toEqual(bigBody);
      const decoded = await fetch(url, { headers: { 'accept-encoding': 'gzip' } });
      expect(await decoded.json()).toEqual(bigBody);
    } finally {
      await server.stop(true);
    }
  });
});

describe('through the gateway app', () => {
  function build(maxBodyBytes = 64 * 1024) {
    const provider = createScriptedProvider();
    const usage = createUsageRecorder({ store: createMemoryUsageStore(), logger: silentLogger, flushIntervalMs: 60_000 });
    const lifecycle = createLifecycle();
    const chat = createChatService({ provider, conversations: createMemoryConversationStore(), usage, models: ['deepseek-chat'], defaultModel: 'deepseek-chat', logger: silentLogger });
    const health = createHealthService({ instanceId: 'test', lifecycle, upstream: () => provider.health(), dependencies: [] });
    const gateway = createApp({
      auth: createAuthenticator({ keys: [{ key: 'sk-city-key-0001', tenant: 'city' }] }),
      chat,
      health,
      lifecycle,
      logger: silentLogger,
      maxBodyBytes,
      instanceId: 'test',
      thresholdBounds: { min: 0.5, max: 1 },
    });
    recorders.push(usage);
    return { gateway, provider };
  }
  const recorders: ReturnType<typeof createUsageRecorder>[] = [];
  afterAll(async () => {
    for (const r of recorders) await r.close();
  });

  const question = 'Wann hat das Bürgeramt am Samstag geöffnet und welche Unterlagen brauche ich? '.repeat(30);
  const chat = (body: BodyInit, headers: Record<string, string>) =>
    new Request('http://localhost/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer sk-city-key-0001', ...headers }, body });

  test('a gzip-compressed chat request is answered, and the answer comes back compressed with the gateway headers (gzip below the brotli size)', async () => {
    const { gateway, provider } = build();
    const request = zlib.gzipSync(JSON.stringify({ model: 'deepseek-chat', messages: [{ role: 'user', content: question }] }));
    const response = await gateway.handle(chat(request, { 'content-encoding': 'gzip', 'accept-encoding': 'gzip, deflate, br' }));
    expect(response.status).toBe(200);
    expect(provider.requests[0]!.messages[0]!.content).toBe(question);
    // A chat answer of a few KB: both are accepted, and below BROTLI_MIN_BYTES gzip is the cheaper choice.
    expect(response.headers.get('content-encoding')).toBe('gzip');
    expect(response.headers.get('x-request-id')).toMatch(/^req_/);
    expect(response.headers.get('x-cache')).toBeTruthy();
    expect(response.headers.get('server-timing')).toContain('total;dur=');
    const completion = JSON.parse(decode(await bodyOf(response), 'gzip'));
    expect(completion.object).toBe('chat.completion');
    expect(completion.choices[0].message.content).toContain('Bürgeramt');
  });

  test('prefers gzip for small bodies and brotli for large ones when the client accepts both', () => {
    expect(chooseContentCoding('gzip, br', 2_000)).toBe('gzip');
    expect(chooseContentCoding('gzip, br', BROTLI_MIN_BYTES)).toBe('br');
    expect(chooseContentCoding('br', 2_000)).toBe('br');
    expect(chooseContentCoding('identity', 2_000)).toBeNull();
  });

  test('a streamed chat answer stays uncompressed SSE even when the client accepts br', async () => {
    const { gateway } = build();
    const response = await gateway.handle(chat(JSON.stringify({ model: 'deepseek-chat', messages: [{ role: 'user', content: question }], stream: true }), { 'accept-encoding': 'br' }));
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    expect(response.headers.get('content-encoding')).toBeNull();
    expect(await response.text()).toContain('data: [DONE]');
  });

  test('a decompression bomb is a 413 in OpenAI shape, an unknown coding a 415, corrupt gzip a 400', async () => {
    const { gateway, provider } = build();
    const bomb = await gateway.handle(chat(zlib.gzipSync(new Uint8Array(20 * 1024 * 1024)), { 'content-encoding': 'gzip' }));
    expect(bomb.status).toBe(413);
    expect((await bomb.json()).error).toMatchObject({ code: 'payload_too_large', type: 'invalid_request_error' });
    const unknown = await gateway.handle(chat('{}', { 'content-encoding': 'zstd' }));
    expect(unknown.status).toBe(415);
    expect(unknown.headers.get('accept-encoding')).toBe('gzip, deflate, br');
    expect((await unknown.json()).error.message).toContain("'zstd'");
    const corrupt = await gateway.handle(chat(zlib.gzipSync('{"model":"deepseek-chat"}').subarray(0, 12), { 'content-encoding': 'gzip' }));
    expect(corrupt.status).toBe(400);
    expect(provider.requests).toHaveLength(0);
  });

  test('an absurd Accept-Encoding on a real route is a 200 with an identity body', async () => {
    const { gateway } = build();
    const junk = 'q=q;;,'.repeat(20_000);
    const response = await gateway.handle(chat(JSON.stringify({ model: 'deepseek-chat', messages: [{ role: 'user', content: question }] }), { 'accept-encoding': junk }));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-encoding')).toBeNull();
    expect((await response.json()).object).toBe('chat.completion');
  });
});
