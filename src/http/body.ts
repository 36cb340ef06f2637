/**
 * Reads a JSON request body with a byte limit enforced while reading: a declared Content-Length over the limit
 * is refused before a byte is read, and a chunked body is abandoned as soon as it crosses the limit, so a
 * client can never make the gateway buffer more than `maxBytes`.
 *
 * A body sent with `Content-Encoding: gzip | deflate | br` is decompressed as it arrives, with a second limit on
 * the decompressed size (the same `maxBytes` unless told otherwise). Decompression is streamed through node:zlib
 * in 16 KiB output steps and the decompressor is destroyed the moment its output crosses the limit, so a
 * decompression bomb (50 MB of zeros gzipped to 50 KB, or brotli'd to 100 bytes) costs at most the limit plus
 * one step of memory and is refused with 413 without being inflated further. The compressed size is limited too.
 * Unknown codings are refused with 415 (and `Accept-Encoding` naming the ones that work), corrupt or truncated
 * compressed data with 400.
 */
import zlib from 'node:zlib';
import { AppError } from '../errors';

export interface ReadBodyOptions {
  /** Limit on the bytes received, and (unless `maxDecodedBytes` says otherwise) on the decompressed bytes. */
  maxBytes: number;
  /** Limit on the decompressed size of a body sent with a Content-Encoding; defaults to `maxBytes`. */
  maxDecodedBytes?: number;
  /** Filled in while reading: what was received and, for an encoded body, what the decompressor produced. */
  stats?: BodyReadStats;
}

export interface BodyReadStats {
  /** Bytes received from the client (compressed, when the body is encoded). */
  receivedBytes: number;
  /** Bytes the decompressor produced, including a final step that crossed the limit; 0 for identity. */
  decodedBytes: number;
  /** The content coding that was undone, or 'identity'. */
  coding: string;
}

/** Content codings accepted on requests, as sent in a 415's `Accept-Encoding`. */
export const ACCEPTED_REQUEST_CODINGS = 'gzip, deflate, br';
/** Output step of the decompressor: the most it can overshoot the limit by before being stopped. */
export const DECODE_CHUNK_BYTES = 16 * 1024;

type Coding = 'gzip' | 'deflate' | 'br';

function tooLarge(maxBytes: number, decoded = false): AppError {
  return new AppError('payload_too_large', decoded ? `The request body exceeds the limit of ${maxBytes} bytes once decompressed.` : `The request body exceeds the limit of ${maxBytes} bytes.`);
}

function unsupportedCoding(message: string): AppError {
  return new AppError('unsupported_media_type', message, { headers: { 'accept-encoding': ACCEPTED_REQUEST_CODINGS } });
}

/** The coding to undo, null for identity; throws 415 for anything else (including stacked codings). */
export function requestCoding(header: string | null): Coding | null {
  if (header === null) return null;
  if (header.length > 128) throw unsupportedCoding('The request Content-Encoding is not supported; send the body uncompressed or with gzip, deflate or br.');
  const codings = header
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== '' && c !== 'identity');
  if (codings.length === 0) return null;
  if (codings.length > 1) throw unsupportedCoding('Only one request Content-Encoding is supported; send the body compressed once with gzip, deflate or br.');
  const coding = codings[0]!;
  if (coding === 'gzip' || coding === 'x-gzip') return 'gzip';
  if (coding === 'deflate' || coding === 'br') return coding;
  const shown = /^[\w.+-]{1,32}$/.test(coding) ? `'${coding}'` : 'this';
  throw unsupportedCoding(`The request Content-Encoding ${shown} is not supported; send the body uncompressed or with gzip, deflate or br.`);
}

export async function readBodyBytes(request: Request, options: ReadBodyOptions): Promise<Uint8Array> {
  const { maxBytes } = options;
  const stats = options.stats ?? { receivedBytes: 0, decodedBytes: 0, coding: 'identity' };
  const coding = requestCoding(request.headers.get('content-encoding'));
  stats.coding = coding ?? 'identity';
  const declared = request.headers.get('content-length');
  if (declared !== null && Number(declared) > maxBytes) throw tooLarge(maxBytes);
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  try {
    if (coding === null) return await readIdentity(reader, maxBytes, stats);
    return await readDecoded(reader, coding, maxBytes, options.maxDecodedBytes ?? maxBytes, stats);
  } finally {
    try {
      reader.releaseLock();
    } catch {
      // A read still pending on a cancelled stream; the stream is done with either way.
    }
  }
}

async function readIdentity(reader: ReadableStreamDefaultReader<Uint8Array>, maxBytes: number, stats: BodyReadStats): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    stats.receivedBytes = size;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  return concat(chunks, size);
}

/** zlib-wrapped deflate (RFC 1950, what HTTP's "deflate" means) starts with CMF/FLG bytes that pass this check. */
function looksLikeZlib(first: Uint8Array): boolean {
  if (first.byteLength < 2) return true;
  return (first[0]! & 0x0f) === 8 && ((first[0]! << 8) | first[1]!) % 31 === 0;
}

function createDecoder(coding: Coding, first: Uint8Array): zlib.Gunzip | zlib.Inflate | zlib.InflateRaw | zlib.BrotliDecompress {
  const options = { chunkSize: DECODE_CHUNK_BYTES };
  if (coding === 'gzip') return zlib.createGunzip(options);
  if (coding === 'br') return zlib.createBrotliDecompress(options);
  // Some clients send raw deflate under "deflate"; accept both, as browsers do for responses.
  return looksLikeZlib(first) ? zlib.createInflate(options) : zlib.createInflateRaw(options);
}

/**
 * Pumps the request stream into a zlib decompressor one chunk at a time and collects the output.
 * Either limit crossing, a corrupt stream or a failing request stream settles the promise once, destroys the
 * decompressor and cancels the request stream.
 */
async function readDecoded(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  coding: Coding,
  maxBytes: number,
  maxDecodedBytes: number,
  stats: BodyReadStats,
): Promise<Uint8Array> {
  let first = await reader.read();
  // An empty encoded body is an empty body; the caller decides whether that is acceptable.
  while (!first.done && first.value.byteLength === 0) first = await reader.read();
  if (first.done) return new Uint8Array(0);

  const decoder = createDecoder(coding, first.value);
  const chunks: Uint8Array[] = [];
  let received = 0;
  let decoded = 0;
  let settled = false;

  return new Promise<Uint8Array>((resolve, reject) => {
    const fail = (error: AppError) => {
      if (settled) return;
      settled = true;
      decoder.destroy();
      void reader.cancel().catch(() => {});
      reject(error);
    };
    decoder.on('data', (chunk: Buffer) => {
      if (settled) return;
      decoded += chunk.byteLength;
      stats.decodedBytes = decoded;
      // Stop inflating now: destroying the decompressor ends its work loop before the next output step.
      if (decoded > maxDecodedBytes) return fail(tooLarge(maxDecodedBytes, true));
      chunks.push(chunk);
    });
    decoder.on('error', () => fail(new AppError('invalid_request', `The request body is not valid ${coding} data.`)));
    decoder.on('end', () => {
      if (settled) return;
      settled = true;
      resolve(concat(chunks, decoded));
    });

    // Resolves when the decompressor is gone (ended, failed or destroyed), so no wait below can hang.
    const closed = new Promise<void>((done) => decoder.once('close', () => done()));

    const pump = async () => {
      let next: Awaited<ReturnType<typeof reader.read>> = first;
      for (;;) {
        if (settled) return;
        if (next.done) {
          decoder.end();
          return;
        }
        const chunk = next.value;
        received += chunk.byteLength;
        stats.receivedBytes = received;
        if (received > maxBytes) return fail(tooLarge(maxBytes));
        // One chunk at a time: the next is read only once this one is inflated, so a bomb is stopped while
        // most of it is still unread on the socket (and never buffered here).
        const written = new Promise<void>((done) => decoder.write(chunk, () => done()));
        await Promise.race([written, closed]);
        if (settled) return;
        next = await reader.read();
      }
    };
    pump().catch(() => fail(new AppError('invalid_request', 'The request body could not be read.')));
  });
}

function concat(chunks: Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads and parses a JSON body. Wrong media type or content coding → 415, invalid UTF-8, JSON or compressed
 * data → 400, too large before or after decompression → 413.
 */
export async function readJsonBody(request: Request, options: ReadBodyOptions): Promise<unknown> {
  const type = request.headers.get('content-type');
  // Like OpenAI, tolerate a missing content type, but refuse one that says the body is something else.
  if (type !== null && !/^application\/(?:[\w.+-]+\+)?json\b/i.test(type.trim()) && !/^text\/plain\b/i.test(type.trim())) {
    throw new AppError('unsupported_media_type', 'Send the request body as JSON with `Content-Type: application/json`.');
  }
  const bytes = await readBodyBytes(request, options);
  if (bytes.byteLength === 0) throw new AppError('invalid_json', 'The request body is empty; send a JSON object.');
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new AppError('invalid_json', 'The request body is not valid UTF-8.');
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new AppError('invalid_json', 'The request body is not valid JSON.');
  }
}
