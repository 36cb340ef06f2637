import { describe, expect, test } from 'bun:test';
import zlib from 'node:zlib';
import { AppError } from '../errors';
import { DECODE_CHUNK_BYTES, readBodyBytes, readJsonBody, requestCoding, type BodyReadStats } from './body';

const LIMIT = 1024 * 1024;
const payload = { model: 'deepseek-chat', messages: [{ role: 'user', content: 'Wann hat das Bürgeramt geöffnet? '.repeat(20) }] };
const json = new TextEncoder().encode(JSON.stringify(payload));

function post(body: BodyInit | null, headers: Record<string, string> = {}) {
  return new Request('http://localhost/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
}

/** A request body delivered in fixed-size chunks, counting how many chunks the reader pulled. */
function chunkedBody(bytes: Uint8Array, chunkSize: number) {
  let offset = 0;
  const counter = { pulled: 0, total: Math.ceil(bytes.byteLength / chunkSize), cancelled: false };
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (offset >= bytes.byteLength) return controller.close();
        counter.pulled++;
        controller.enqueue(bytes.slice(offset, offset + chunkSize));
        offset += chunkSize;
      },
      cancel() {
        counter.cancelled = true;
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, counter };
}

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
  throw new Error('expected the read to fail');
}

const stats = (): BodyReadStats => ({ receivedBytes: 0, decodedBytes: 0, coding: '' });

describe('compressed request bodies', () => {
  test.each([
    ['gzip', zlib.gzipSync(json)],
    ['x-gzip', zlib.gzipSync(json)],
    ['deflate', zlib.deflateSync(json)],
    ['br', zlib.brotliCompressSync(json)],
    ['identity', json],
    ['GZIP', zlib.gzipSync(json)],
    ['identity, gzip', zlib.gzipSync(json)],
  ] as const)('a JSON body sent with Content-Encoding %s is decoded and parsed', async (coding, body) => {
    const parsed = await readJsonBody(post(body, { 'content-encoding': coding }), { maxBytes: LIMIT });
    expect(parsed).toEqual(payload);
  });

  test('a body labelled deflate but sent as raw deflate (no zlib header) is accepted too', async () => {
    const parsed = await readJsonBody(post(zlib.deflateRawSync(json), { 'content-encoding': 'deflate' }), { maxBytes: LIMIT });
    expect(parsed).toEqual(payload);
  });

  test('a compressed body arriving in many small chunks is decoded whole', async () => {
    const { stream } = chunkedBody(zlib.gzipSync(json), 7);
    const parsed = await readJsonBody(post(stream, { 'content-encoding': 'gzip' }), { maxBytes: LIMIT });
    expect(parsed).toEqual(payload);
  });

  test('the stats report received (compressed) and decoded sizes', async () => {
    const body = zlib.brotliCompressSync(json);
    const s = stats();
    await readBodyBytes(post(body, { 'content-encoding': 'br' }), { maxBytes: LIMIT, stats: s });
    expect(s).toEqual({ receivedBytes: body.byteLength, decodedBytes: json.byteLength, coding: 'br' });
  });

  test('an empty body with a Content-Encoding is an empty body, reported as such', async () => {
    const error = await rejection(readJsonBody(post(new Uint8Array(0), { 'content-encoding': 'gzip' }), { maxBytes: LIMIT }));
    expect(error.status).toBe(400);
    expect(error.message).toContain('empty');
  });
});

describe('decompression bombs', () => {
  // 50 MB of zeros: ~50 KB as gzip, under 100 bytes as brotli. Either fits the 1 MiB limit on the wire.
  const zeros = new Uint8Array(50 * 1024 * 1024);
  const gzipBomb = zlib.gzipSync(zeros);
  const brotliBomb = zlib.brotliCompressSync(zeros, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 5 } });

  test('the bombs are small on the wire, so only the decompressed-size limit can catch them', () => {
    expect(gzipBomb.byteLength).toBeLessThan(LIMIT / 10);
    expect(brotliBomb.byteLength).toBeLessThan(1024);
  });

  test('a gzip bomb streamed in chunks is refused with 413 after inflating at most the limit plus one step, without reading the rest', async () => {
    const { stream, counter } = chunkedBody(gzipBomb, 4096);
    const s = stats();
    const error = await rejection(readBodyBytes(post(stream, { 'content-encoding': 'gzip' }), { maxBytes: LIMIT, stats: s }));
    expect(error.status).toBe(413);
    expect(error.message).toContain('decompressed');
    // Memory stayed bounded: the decompressor was stopped as soon as its output crossed the limit.
    expect(s.decodedBytes).toBeGreaterThan(LIMIT);
    expect(s.decodedBytes).toBeLessThanOrEqual(LIMIT + DECODE_CHUNK_BYTES);
    // And the rest of the bomb was never read: ~1 KB of it inflates past 1 MiB.
    expect(counter.total).toBeGreaterThan(10);
    expect(counter.pulled).toBeLessThanOrEqual(2);
    expect(s.receivedBytes).toBeLessThanOrEqual(2 * 4096);
    expect(counter.cancelled).toBe(true);
  });

  test('a gzip bomb sent as one buffer is stopped after the limit plus one step, before its end is read', async () => {
    const s = stats();
    const error = await rejection(readBodyBytes(post(gzipBomb, { 'content-encoding': 'gzip' }), { maxBytes: LIMIT, stats: s }));
    expect(error.status).toBe(413);
    expect(s.receivedBytes).toBeLessThan(gzipBomb.byteLength);
    expect(s.decodedBytes).toBeLessThanOrEqual(LIMIT + DECODE_CHUNK_BYTES);
  });

  test('a brotli bomb is refused with 413 after inflating at most the limit plus one step', async () => {
    const s = stats();
    const error = await rejection(readJsonBody(post(brotliBomb, { 'content-encoding': 'br' }), { maxBytes: LIMIT, stats: s }));
    expect(error.status).toBe(413);
    expect(error.code).toBe('payload_too_large');
    expect(s.decodedBytes).toBeGreaterThan(LIMIT);
    expect(s.decodedBytes).toBeLessThanOrEqual(LIMIT + DECODE_CHUNK_BYTES);
  });

  test('a deflate bomb is refused the same way', async () => {
    const s = stats();
    const error = await rejection(readBodyBytes(post(zlib.deflateSync(zeros.subarray(0, 8 * LIMIT)), { 'content-encoding': 'deflate' }), { maxBytes: LIMIT, stats: s }));
    expect(error.status).toBe(413);
    expect(s.decodedBytes).toBeLessThanOrEqual(LIMIT + DECODE_CHUNK_BYTES);
  });

  test('a separate, smaller decompressed-size limit is honoured', async () => {
    const s = stats();
    const body = zlib.gzipSync(new Uint8Array(200 * 1024));
    const error = await rejection(readBodyBytes(post(body, { 'content-encoding': 'gzip' }), { maxBytes: LIMIT, maxDecodedBytes: 64 * 1024, stats: s }));
    expect(error.status).toBe(413);
    expect(s.decodedBytes).toBeLessThanOrEqual(64 * 1024 + DECODE_CHUNK_BYTES);
  });

  test('a body that decompresses to exactly the limit is accepted', async () => {
    const exact = new Uint8Array(LIMIT).fill(0x20);
    const bytes = await readBodyBytes(post(zlib.gzipSync(exact), { 'content-encoding': 'gzip' }), { maxBytes: LIMIT });
    expect(bytes.byteLength).toBe(LIMIT);
  });
});

describe('the compressed-size limit still holds', () => {
  // Random bytes do not compress, so the gzip stream is larger than its input.
  const incompressible = zlib.gzipSync(crypto.getRandomValues(new Uint8Array(60_000)));

  test('a declared Content-Length over the limit is refused before reading', async () => {
    const { stream, counter } = chunkedBody(incompressible, 4096);
    const request = post(stream, { 'content-encoding': 'gzip', 'content-length': String(incompressible.byteLength) });
    const error = await rejection(readBodyBytes(request, { maxBytes: 16 * 1024 }));
    expect(error.status).toBe(413);
    expect(counter.pulled).toBe(0);
  });

  test('a streamed compressed body over the limit is abandoned once it crosses it', async () => {
    const { stream, counter } = chunkedBody(incompressible, 4096);
    const s = stats();
    const error = await rejection(readBodyBytes(post(stream, { 'content-encoding': 'gzip' }), { maxBytes: 16 * 1024, stats: s }));
    expect(error.status).toBe(413);
    expect(error.message).not.toContain('decompressed');
    expect(s.receivedBytes).toBeLessThanOrEqual(16 * 1024 + 4096);
    expect(counter.pulled).toBeLessThan(counter.total);
  });
});

describe('unsupported and corrupt encodings', () => {
  test.each([
    ['zstd', 'zstd'],
    ['compress', 'compress'],
    ['two stacked codings', 'gzip, br'],
    ['the same coding twice', 'br, br'],
    ['a 10 KB token', 'x'.repeat(10_000)],
    ['a non-token', 'weird\u00ff'],
  ])('Content-Encoding %s is a 415 naming the accepted codings', async (_label, coding) => {
    const error = await rejection(readJsonBody(post(json, { 'content-encoding': coding }), { maxBytes: LIMIT }));
    expect(error.status).toBe(415);
    expect(error.code).toBe('unsupported_media_type');
    expect(error.message).toContain('gzip, deflate or br');
    expect(error.message.length).toBeLessThan(200);
    expect(error.headers?.['accept-encoding']).toBe('gzip, deflate, br');
  });

  test('requestCoding maps the header to the coding to undo', () => {
    expect(requestCoding(null)).toBeNull();
    expect(requestCoding('')).toBeNull();
    expect(requestCoding('identity')).toBeNull();
    expect(requestCoding(' Br ')).toBe('br');
    expect(requestCoding('x-gzip')).toBe('gzip');
  });

  test.each([
    ['gzip', () => Uint8Array.from([0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 0x03, 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7, 8])],
    ['gzip', () => new TextEncoder().encode('{"not":"compressed"}')],
    ['gzip', () => zlib.gzipSync(json).subarray(0, 40)],
    ['deflate', () => zlib.deflateSync(json).subarray(0, 30)],
    // Fixed bytes, not random ones: now and then random bytes are a valid (empty) brotli stream.
    ['br', () => zlib.brotliCompressSync(json).subarray(0, 12)],
    ['br', () => Uint8Array.from([0x1b, 0xff, 0xff, 0xff, 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7, 8])],
  ] as const)('corrupt or truncated %s data is a 400', async (coding, make) => {
    const error = await rejection(readJsonBody(post(make(), { 'content-encoding': coding }), { maxBytes: LIMIT }));
    expect(error.status).toBe(400);
    expect(error.message).toContain(`not valid ${coding} data`);
  });

  test('a compressed body that is not JSON is a 400 from the JSON parser', async () => {
    const error = await rejection(readJsonBody(post(zlib.gzipSync(new TextEncoder().encode('not json')), { 'content-encoding': 'gzip' }), { maxBytes: LIMIT }));
    expect(error.code).toBe('invalid_json');
  });
});

describe('identity bodies (unchanged behaviour)', () => {
  test('a plain body is returned as sent', async () => {
    const bytes = await readBodyBytes(post(json), { maxBytes: LIMIT });
    expect(bytes).toEqual(json);
  });

  test('a streamed plain body over the limit is a 413 and is not read further', async () => {
    const { stream, counter } = chunkedBody(new Uint8Array(100_000), 1000);
    const error = await rejection(readBodyBytes(post(stream), { maxBytes: 2048 }));
    expect(error.status).toBe(413);
    expect(counter.pulled).toBeLessThanOrEqual(4);
  });
});
