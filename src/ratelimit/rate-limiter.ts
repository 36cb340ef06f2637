/**
 * The RateLimiter port: per-key token buckets, shared across instances (Redis) or per instance (memory).
 *
 * Contract, for every adapter (checked by the shared suite in rate-limiter.int.test.ts):
 * - `consume(key, rule, cost)` takes `cost` tokens from the bucket of `key` if it holds at least that many, and
 *   says so in the decision; a rejected call takes nothing. A bucket holds at most `rule.burst` tokens and refills
 *   continuously at `rule.ratePerSec`; a key never seen (or idle long enough to be full) starts full.
 * - Units: tokens are whole requests (or whatever the caller's cost measures); every duration is milliseconds,
 *   rounded up, so waiting `retryAfterMs` is always enough.
 * - `remaining` is never negative and never above `limit`; `retryAfterMs` is 0 exactly when `allowed`.
 * - A cost of 0 is a peek: it reports the bucket without changing it. A cost above `burst` can never be admitted
 *   (the bucket never holds that much); callers must not ask for one.
 * - Keys are bounded: a key longer than MAX_KEY_CHARS is replaced by its SHA-256 (see `boundedKey`), so any key
 *   is accepted and none can make a bucket's storage or a Redis key large. Callers put no secrets in keys
 *   anyway: use an API key's id, never the key itself.
 * - Never rejects because of infrastructure trouble (Redis down, slow, or failing a script): the adapter decides
 *   locally instead and says so in `health()`. It rejects only with a RangeError for a rule or cost outside the
 *   domain below, which is a caller bug (config validation keeps rates positive).
 * - Who owns expiry: the adapter. An idle bucket is full, and a full bucket is indistinguishable from a missing
 *   one, so idle state is dropped (Redis PX expiry, memory LRU/idle eviction) without changing any decision.
 */

/** A token bucket: `burst` tokens at most, refilled at `ratePerSec` (both > 0, finite; burst >= 1). */
export interface RateRule {
  ratePerSec: number;
  burst: number;
}

export interface RateDecision {
  allowed: boolean;
  /** The bucket's capacity (`burst`, rounded down) as enforced for this decision. */
  limit: number;
  /** Whole tokens left after this decision, 0..limit. */
  remaining: number;
  /** Milliseconds until the bucket is full again (0 when it already is). */
  resetMs: number;
  /** Milliseconds until this same request would be admitted; 0 when allowed. */
  retryAfterMs: number;
}

/**
 * Where decisions are made right now. `shared`: one budget across all instances (Redis). `local`: per instance by
 * design (no Redis configured). `degraded-local`: Redis is configured but not answering, so this instance enforces
 * its share (limit / known instances) alone until Redis answers again.
 */
export type RateLimiterMode = 'shared' | 'local' | 'degraded-local';

export interface RateLimiterHealth {
  mode: RateLimiterMode;
  /** One line for a person reading the health endpoint; never contains keys. */
  detail: string;
}

export interface RateLimiter {
  consume(key: string, rule: RateRule, cost?: number): Promise<RateDecision>;
  health(): RateLimiterHealth;
}

/**
 * A rule from a configured rate with a small burst: one second's worth of requests, at least one. With the
 * defaults (10/s chat, 100/s API) a client may send a second's quota at once, then is paced at the rate.
 */
export function rateRule(ratePerSec: number, burstSeconds = 1): RateRule {
  return { ratePerSec, burst: Math.max(1, Math.ceil(ratePerSec * burstSeconds)) };
}

/** Keys up to this many characters are used as given (a `tenant:keyId:chat` key is far shorter). */
export const MAX_KEY_CHARS = 200;
const HASHED = 'sha256:';

/**
 * The key as stored: unchanged when short, else `sha256:<hex>`. Short keys that already look hashed are hashed
 * too, so a caller-chosen key can never collide with the hashed form of another one.
 */
export function boundedKey(key: string): string {
  if (key.length <= MAX_KEY_CHARS && !key.startsWith(HASHED)) return key;
  return HASHED + new Bun.CryptoHasher('sha256').update(key).digest('hex');
}

/** Throws RangeError for a rule or cost outside the contract's domain (a caller bug, not bad user input). */
export function assertValidRequest(rule: RateRule, cost: number): void {
  if (!(Number.isFinite(rule.ratePerSec) && rule.ratePerSec > 0)) {
    throw new RangeError(`rate limit rule: ratePerSec must be a positive number, got ${rule.ratePerSec}`);
  }
  if (!(Number.isFinite(rule.burst) && rule.burst >= 1)) {
    throw new RangeError(`rate limit rule: burst must be a number >= 1, got ${rule.burst}`);
  }
  if (!(Number.isFinite(cost) && cost >= 0)) throw new RangeError(`rate limit cost must be >= 0, got ${cost}`);
}
