/**
 * What every IdempotencyStore adapter shares: hashing of keys and fingerprints, the header whitelist, the size cap
 * and the JSON form of a completed record. Keeping it in one place is what makes the adapters behave the same.
 */
import { createHash, randomUUID } from 'node:crypto';
import { REPLAYED_HEADERS, type BeginResult, type IdempotencyLease, type StoredResponse } from './idempotency-store';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const HEX_DIGEST = /^[0-9a-f]{64}$/;
const MAX_HEADER_VALUE_CHARS = 512;
const replayed = new Set(REPLAYED_HEADERS);

/** A fingerprint that is not already a sha256 hex digest is hashed, so stored records have a fixed shape. */
export const normalizeFingerprint = (fingerprint: string) => (HEX_DIGEST.test(fingerprint) ? fingerprint : sha256(fingerprint));

export function newLease(scope: string, key: string, fingerprint: string): IdempotencyLease {
  return { scope, keyHash: sha256(key), fingerprint: normalizeFingerprint(fingerprint), token: randomUUID() };
}

/** The outcome of a completed request as it is kept: either the response or only the fact that it ran. */
export type DoneOutcome = Extract<BeginResult, { status: 'DONE' | 'NOT_REPLAYABLE' }>;

function replayableHeaders(headers: Record<string, string>): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (replayed.has(lower) && typeof value === 'string' && value.length <= MAX_HEADER_VALUE_CHARS) kept[lower] = value;
  }
  return kept;
}

/** Applies the whitelist and the size cap. */
export function doneOutcome(response: StoredResponse, maxBodyBytes: number): DoneOutcome {
  // Characters are at least one UTF-8 byte each: the length alone settles most oversized bodies without a scan.
  if (response.body.length > maxBodyBytes || Buffer.byteLength(response.body, 'utf8') > maxBodyBytes) {
    return { status: 'NOT_REPLAYABLE', responseStatus: response.status, createdAt: response.createdAt };
  }
  return {
    status: 'DONE',
    response: { status: response.status, headers: replayableHeaders(response.headers), body: response.body, createdAt: response.createdAt },
  };
}

export function encodeDone(outcome: DoneOutcome): string {
  if (outcome.status === 'NOT_REPLAYABLE') return JSON.stringify({ v: 1, replayable: false, status: outcome.responseStatus, createdAt: outcome.createdAt });
  const { status, headers, body, createdAt } = outcome.response;
  return JSON.stringify({ v: 1, status, headers, body, createdAt });
}

/** `undefined` for anything that is not a record this module wrote. */
export function decodeDone(raw: string): DoneOutcome | undefined {
  try {
    const value = JSON.parse(raw) as Record<string, unknown>;
    if (value.v !== 1 || typeof value.status !== 'number' || typeof value.createdAt !== 'number') return undefined;
    if (value.replayable === false) return { status: 'NOT_REPLAYABLE', responseStatus: value.status, createdAt: value.createdAt };
    if (typeof value.body !== 'string' || typeof value.headers !== 'object' || value.headers === null) return undefined;
    const headers = replayableHeaders(value.headers as Record<string, string>);
    return { status: 'DONE', response: { status: value.status, headers, body: value.body, createdAt: value.createdAt } };
  } catch {
    return undefined;
  }
}
