/**
 * Response compression: gzip or brotli for JSON and text responses above a size threshold, chosen per the
 * request's `Accept-Encoding` (RFC 9110 §12.5.3, q-values included), installed as one Elysia `mapResponse` hook.
 *
 * Never compressed: server-sent events (they must reach the client unbuffered, chunk by chunk), anything marked
 * `Cache-Control: no-transform`, responses that already carry a `Content-Encoding`, 1xx/204/206/304, bodies below
 * the threshold, and bodies that are not text. The hook never fails a request: a header it cannot make sense of,
 * however long or strange, means "identity".
 *
 * Cost model: the negotiation runs first and is the only work done for clients that accept no coding (load
 * generators, most SDKs), so they pay one header read. Only when a coding is acceptable is a `Response` body
 * read into memory to measure and compress it (a Response that declares a small Content-Length is not read).
 * A route that streams a body of a compressible type other than SSE must mark it `no-transform`, or it would be
 * read whole before being sent. Error responses produced by `onError` bypass `mapResponse` in Elysia and are
 * sent as they are; they are small.
 */
import zlib from 'node:zlib';
import { promisify } from 'node:util';

export type ContentCoding = 'br' | 'gzip';

export interface CompressionOptions {
  /** Bodies smaller than this many bytes are sent as they are: below ~1 KiB the headers dominate. */
  thresholdBytes?: number;
  /**
   * Brotli quality 0–11, default 5. Node's default is 11, meant for precompressing static files. Measured on a
   * 5 KB chat completion (Bun 1.4.5, one core): gzip-6 51% of the input in ~35–60 µs; br q4 52% in ~57 µs (no
   * gain over gzip at this size); br q5 49% in ~70 µs; q6 the same size, slower; q11 42% but ~6 ms, a hundred
   * times the cost. 5 is the lowest quality that beats gzip here, at a cost still far below a cache hit's.
   */
  brotliQuality?: number;
  /** Bodies smaller than this get gzip instead of br when the client accepts both (default BROTLI_MIN_BYTES). */
  brotliMinBytes?: number;
  /** gzip level 1–9; 6 is zlib's default and where the ratio curve flattens. */
  gzipLevel?: number;
  /**
   * Bodies at least this large (default 32 KiB, ~0.5 ms of brotli) are compressed on the zlib thread pool
   * instead of the event loop; below it the hand-off costs more than it saves.
   */
  asyncAboveBytes?: number;
}

/** Only this much of an `Accept-Encoding` header is looked at; real clients send ~30 bytes. */
export const MAX_ACCEPT_ENCODING_CHARS = 1024;
/** Only this many comma-separated entries are looked at. */
export const MAX_ACCEPT_ENCODING_TOKENS = 32;

const TOKEN = /^[a-z0-9!#$%&'*+.^_`|~-]+$/;
const QVALUE = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/;

/**
 * Picks the coding for a response from an `Accept-Encoding` value, or null for identity.
 *
 * - No header or an empty one: identity (RFC 9110 allows any coding then, but clients that omit the header
 *   usually cannot decode; identity is what every server does).
 * - `q=0` means "not acceptable"; `*` stands for every coding not named; `x-gzip` is gzip.
 * - Highest q wins; on a tie brotli is preferred (a few percent smaller on chat-sized JSON, at about twice
 *   gzip's CPU: see `brotliQuality`). An explicit `identity` with a
 *   higher q than every coding wins over them.
 * - Bounded work: only the first {@link MAX_ACCEPT_ENCODING_CHARS} characters and
 *   {@link MAX_ACCEPT_ENCODING_TOKENS} entries are parsed; an entry cut by the character cap and entries with a
 *   malformed q-value are ignored. Garbage therefore degrades to identity, never to an error.
 */
interface CodingWeights {
  br: number;
  gzip: number;
  identity?: number;
}

/**
 * Brotli at quality 5 costs about twice gzip's CPU on small bodies for ~4% fewer bytes (bench ops suite: a 2 KB
 * cache hit ran at 0.43-0.54x the identity rate with br). Below this size gzip is preferred when the client
 * accepts it at all.
 */
export const BROTLI_MIN_BYTES = 8 * 1024;

/** The coding to use for a body of `size` bytes: the client's preference, with gzip for small bodies. */
export function chooseContentCoding(header: string | null | undefined, size: number, brotliMinBytes = BROTLI_MIN_BYTES): ContentCoding | null {
  const weights = codingWeights(header);
  const coding = weights ? pick(weights) : null;
  return coding === 'br' && size < brotliMinBytes && weights!.gzip > 0 ? 'gzip' : coding;
}

export function negotiateContentCoding(header: string | null | undefined): ContentCoding | null {
  const weights = codingWeights(header);
  return weights ? pick(weights) : null;
}

function pick({ br, gzip, identity }: CodingWeights): ContentCoding | null {
  const best = Math.max(br, gzip);
  if (best <= 0) return null;
  if (identity !== undefined && identity > best) return null;
  return br >= gzip ? 'br' : 'gzip';
}

function codingWeights(header: string | null | undefined): CodingWeights | undefined {
  if (!header) return undefined;
  const truncated = header.length > MAX_ACCEPT_ENCODING_CHARS;
  const entries = (truncated ? header.slice(0, MAX_ACCEPT_ENCODING_CHARS) : header).split(',', MAX_ACCEPT_ENCODING_TOKENS + 1);
  // The last entry of a cut header may be a fragment ("gzi"); drop it rather than guess.
  const count = Math.min(entries.length - (truncated && entries.length <= MAX_ACCEPT_ENCODING_TOKENS ? 1 : 0), MAX_ACCEPT_ENCODING_TOKENS);
  let br: number | undefined;
  let gzip: number | undefined;
  let identity: number | undefined;
  let star: number | undefined;
  for (let i = 0; i < count; i++) {
    const entry = entries[i]!;
    const semicolon = entry.indexOf(';');
    const name = (semicolon === -1 ? entry : entry.slice(0, semicolon)).trim().toLowerCase();
    if (!name || (name !== '*' && !TOKEN.test(name))) continue;
    let q = 1;
    if (semicolon !== -1) {
      const weight = parseWeight(entry.slice(semicolon + 1));
      if (weight === undefined) continue; // malformed parameters: ignore the whole entry
      q = weight;
    }
    // The first mention of a coding counts; repeats cannot flip an earlier decision.
    if (name === 'br') br ??= q;
    else if (name === 'gzip' || name === 'x-gzip') gzip ??= q;
    else if (name === 'identity') identity ??= q;
    else if (name === '*') star ??= q;
  }
  return { br: br ?? star ?? 0, gzip: gzip ?? star ?? 0, identity };
}

/** The q of `;q=0.5;other=x`, 1 when absent, undefined when the parameters are malformed. */
function parseWeight(params: string): number | undefined {
  let q = 1;
  for (const param of params.split(';', 8)) {
    const eq = param.indexOf('=');
    if (eq === -1) {
      if (param.trim() === '') continue;
      return undefined;
    }
    if (param.slice(0, eq).trim().toLowerCase() !== 'q') continue; // extension parameters are allowed and ignored
    const value = param.slice(eq + 1).trim();
    if (!QVALUE.test(value)) return undefined;
    q = Number(value);
  }
  return q;
}

/**
 * Media types worth compressing: JSON, text, XML (SVG included), JavaScript. Event streams are excluded, and so
 * is NDJSON, which is usually streamed too: compressing a stream buffers it.
 */
export function isCompressibleType(contentType: string | null | undefined): boolean {
  if (!contentType) return false;
  const type = contentType.split(';', 1)[0]!.trim().toLowerCase();
  if (type === 'text/event-stream') return false;
  if (type.startsWith('text/')) return true;
  return (
    type === 'application/json' ||
    type.endsWith('+json') ||
    type === 'application/xml' ||
    type.endsWith('+xml') ||
    type === 'application/javascript'
  );
}

const gzipAsync = promisify(zlib.gzip);
const brotliAsync = promisify(zlib.brotliCompress);

export interface Compressor {
  (bytes: Uint8Array, coding: ContentCoding): Uint8Array | Promise<Uint8Array>;
}

export function createCompressor(options: CompressionOptions = {}): Compressor {
  const gzipLevel = options.gzipLevel ?? 6;
  const brotliQuality = options.brotliQuality ?? 5;
  const asyncAbove = options.asyncAboveBytes ?? 32 * 1024;
  const brotliOptions = (size: number): zlib.BrotliOptions => ({
    params: {
      [zlib.constants.BROTLI_PARAM_QUALITY]: brotliQuality,
      [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_TEXT,
      [zlib.constants.BROTLI_PARAM_SIZE_HINT]: size,
    },
  });
  return (bytes, coding) => {
    if (bytes.byteLength >= asyncAbove) {
      return coding === 'br' ? brotliAsync(bytes, brotliOptions(bytes.byteLength)) : gzipAsync(bytes, { level: gzipLevel });
    }
    return coding === 'br' ? zlib.brotliCompressSync(bytes, brotliOptions(bytes.byteLength)) : zlib.gzipSync(bytes, { level: gzipLevel });
  };
}

/** The parts of Elysia's context the hook reads (kept structural so tests can call it directly). */
export interface CompressionContext {
  request: Request;
  set: { headers: Record<string, unknown>; status?: number | string };
  responseValue: unknown;
}

const encoder = new TextEncoder();
const NEVER = new Set([204, 206, 304]);

function mergeVary(...values: (string | null | undefined)[]): string {
  const names: string[] = [];
  for (const value of values) {
    if (!value) continue;
    for (const part of value.split(',')) {
      const name = part.trim();
      if (!name) continue;
      if (name === '*') return '*';
      if (!names.some((n) => n.toLowerCase() === name.toLowerCase())) names.push(name);
    }
  }
  if (!names.some((n) => n.toLowerCase() === 'accept-encoding')) names.push('Accept-Encoding');
  return names.join(', ');
}

function header(set: CompressionContext['set'], name: string): string | undefined {
  const value = set.headers[name];
  return value === undefined || value === null ? undefined : String(value);
}

function isPlainJson(value: unknown): value is object {
  if (value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) return true;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Builds the `mapResponse` hook: `.mapResponse(createResponseCompression())`. Returns a new Response when it
 * compressed (or had to consume a Response body to decide), undefined to leave the response to Elysia.
 */
export function createResponseCompression(options: CompressionOptions = {}) {
  const threshold = options.thresholdBytes ?? 1024;
  const brotliMinBytes = options.brotliMinBytes ?? BROTLI_MIN_BYTES;
  const compress = createCompressor(options);
  // Compressing bytes in memory should not fail; if it ever does, the client gets identity, never an error.
  const compressOrNull = async (bytes: Uint8Array, coding: ContentCoding): Promise<Uint8Array | null> => {
    try {
      return await compress(bytes, coding);
    } catch {
      return null;
    }
  };

  return async function compressResponse(context: CompressionContext): Promise<Response | undefined> {
    const { request, set, responseValue: value } = context;
    if (value === undefined || value === null) return undefined;
    const coding = negotiateContentCoding(request.headers.get('accept-encoding'));
    if (coding === null) return undefined;
    if (request.method === 'HEAD') return undefined;

    if (value instanceof Response) {
      if (typeof set.status !== 'number' && set.status !== undefined) return undefined;
      const status = value.status === 200 ? (set.status ?? 200) : value.status;
      const headers = value.headers;
      if (!value.body || value.bodyUsed) return undefined;
      if (status < 200 || NEVER.has(status)) return undefined;
      if (headers.has('content-encoding') || headers.has('content-range') || header(set, 'content-encoding') !== undefined) return undefined;
      if (/\bno-transform\b/i.test(headers.get('cache-control') ?? '')) return undefined;
      if (!isCompressibleType(headers.get('content-type'))) return undefined;
      const declared = headers.get('content-length');
      if (declared !== null && Number(declared) < threshold) return undefined; // known small: no need to read it
      const bytes = new Uint8Array(await value.arrayBuffer());
      const out = new Headers(headers);
      if (bytes.byteLength < threshold) {
        // The body is consumed: hand back an identical response.
        return new Response(bytes as Uint8Array<ArrayBuffer>, { status, statusText: value.statusText, headers: out });
      }
      const sized = chooseContentCoding(request.headers.get('accept-encoding'), bytes.byteLength, brotliMinBytes) ?? coding;
      const encoded = await compressOrNull(bytes, sized);
      if (encoded === null) return new Response(bytes as Uint8Array<ArrayBuffer>, { status, statusText: value.statusText, headers: out });
      applyEncodingHeaders(out, sized, encoded.byteLength, header(set, 'vary'));
      return new Response(encoded as Uint8Array<ArrayBuffer>, { status, statusText: value.statusText, headers: out });
    }

    // Plain values Elysia would serialise itself: objects and arrays as JSON, strings as text.
    if (typeof set.status !== 'number' && set.status !== undefined) return undefined;
    const status = set.status ?? 200;
    if (status < 200 || NEVER.has(status)) return undefined;
    if (header(set, 'content-encoding') !== undefined || /\bno-transform\b/i.test(header(set, 'cache-control') ?? '')) return undefined;
    let text: string;
    let contentType = header(set, 'content-type');
    if (typeof value === 'string') {
      text = value;
      contentType ??= 'text/plain;charset=utf-8';
    } else if (isPlainJson(value)) {
      text = JSON.stringify(value);
      contentType ??= 'application/json;charset=utf-8';
    } else {
      return undefined;
    }
    if (!isCompressibleType(contentType)) return undefined;
    // UTF-8 takes at most three bytes per UTF-16 unit, so short strings are settled without encoding them.
    if (text.length * 3 < threshold) return undefined;
    const bytes = encoder.encode(text);
    if (bytes.byteLength < threshold) return undefined;
    const sized = chooseContentCoding(request.headers.get('accept-encoding'), bytes.byteLength, brotliMinBytes) ?? coding;
    const encoded = await compressOrNull(bytes, sized);
    if (encoded === null) return undefined;
    const out = new Headers({ 'content-type': contentType });
    const etag = header(set, 'etag');
    if (etag !== undefined) out.set('etag', etag);
    applyEncodingHeaders(out, sized, encoded.byteLength, header(set, 'vary'));
    // Elysia merges the remaining `set.headers` (those this response does not carry) and the status.
    delete set.headers['content-length'];
    return new Response(encoded as Uint8Array<ArrayBuffer>, { status, headers: out });
  };
}

function applyEncodingHeaders(headers: Headers, coding: ContentCoding, length: number, setVary: string | undefined) {
  headers.set('content-encoding', coding);
  headers.set('content-length', String(length));
  headers.set('vary', mergeVary(headers.get('vary'), setVary));
  // A compressed body is a different representation: a strong validator of the identity body no longer holds.
  const etag = headers.get('etag');
  if (etag && !etag.startsWith('W/')) headers.set('etag', `W/${etag}`);
}

/** The hook with default settings, for `.mapResponse(compressResponse)`. */
export const compressResponse = createResponseCompression();
