/**
 * Reads a JSON request body with a byte limit enforced while reading: a declared Content-Length over the limit
 * is refused before a byte is read, and a chunked body is abandoned as soon as it crosses the limit, so a
 * client can never make the gateway buffer more than `maxBytes`.
 */
import { AppError } from '../errors';

export interface ReadBodyOptions {
  maxBytes: number;
}

function tooLarge(maxBytes: number): AppError {
  return new AppError('payload_too_large', `The request body exceeds the limit of ${maxBytes} bytes.`);
}

export async function readBodyBytes(request: Request, { maxBytes }: ReadBodyOptions): Promise<Uint8Array> {
  const declared = request.headers.get('content-length');
  if (declared !== null && Number(declared) > maxBytes) throw tooLarge(maxBytes);
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel().catch(() => {});
        throw tooLarge(maxBytes);
      }
      chunks.push(value);
    }
  } finally {
    reader.releaseLock();
  }
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

/** Reads and parses a JSON body. Wrong media type → 415, invalid UTF-8 or JSON → 400, too large → 413. */
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
