/**
 * The `Idempotency-Key` request header. draft-ietf-httpapi-idempotency-key-header defines it as a Structured Field
 * String (RFC 8941 §3.3.3: `"..."` of printable ASCII, with `\"` and `\\` escapes); Stripe and most clients send
 * the bare value. Both are accepted and name the same key. The key must be 1..255 printable ASCII characters
 * (Stripe's limit) and not blank. The length is checked before anything else, so a forged 10 KB header costs a
 * comparison, never a scan or a hash; the key is never echoed back in a message or a log.
 */
import { AppError } from '../errors';

export const IDEMPOTENCY_HEADER = 'idempotency-key';
export const MAX_IDEMPOTENCY_KEY_CHARS = 255;

export type IdempotencyKeyResult =
  | { status: 'ABSENT' }
  | { status: 'VALID'; key: string }
  | { status: 'INVALID'; error: AppError };

const invalid = (message: string): IdempotencyKeyResult => ({ status: 'INVALID', error: new AppError('invalid_request', message) });
const RULE = 'an Idempotency-Key is 1 to 255 printable ASCII characters, optionally as a quoted string';

const printable = (code: number) => code >= 0x20 && code <= 0x7e;

/** The RFC 8941 sf-string body after the opening quote, or undefined when malformed. */
function unquote(value: string): string | undefined {
  let out = '';
  for (let i = 1; i < value.length; i++) {
    const char = value[i]!;
    if (!printable(value.charCodeAt(i))) return undefined;
    if (char === '\\') {
      const next = value[i + 1];
      if (next !== '"' && next !== '\\') return undefined;
      out += next;
      i += 1;
    } else if (char === '"') {
      return i === value.length - 1 ? out : undefined;
    } else {
      out += char;
    }
  }
  return undefined; // no closing quote
}

export function parseIdempotencyKey(header: string | null | undefined): IdempotencyKeyResult {
  if (header === null || header === undefined) return { status: 'ABSENT' };
  // Two quotes and one escape per character at most: anything longer cannot hold a valid key.
  if (header.length > 2 * MAX_IDEMPOTENCY_KEY_CHARS + 2) return invalid(`The Idempotency-Key header is too long: ${RULE}.`);
  const value = header.trim();
  let key: string;
  if (value.startsWith('"')) {
    const unquoted = unquote(value);
    if (unquoted === undefined) return invalid(`The Idempotency-Key header is not a valid quoted string: ${RULE}.`);
    key = unquoted;
  } else {
    for (let i = 0; i < value.length; i++) {
      if (!printable(value.charCodeAt(i))) return invalid(`The Idempotency-Key header contains a character that is not printable ASCII: ${RULE}.`);
    }
    key = value;
  }
  if (key.trim() === '') return invalid(`The Idempotency-Key header is empty: ${RULE}.`);
  if (key.length > MAX_IDEMPOTENCY_KEY_CHARS) return invalid(`The Idempotency-Key header is too long: ${RULE}.`);
  return { status: 'VALID', key };
}
