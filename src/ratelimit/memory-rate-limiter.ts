/**
 * RateLimiter in process memory: the adapter when no Redis is configured (limits are then per instance) and the
 * fallback the Redis adapter decides with while Redis is away.
 *
 * One GCRA `tat` per key in a Map. Memory is bounded twice over: a full bucket carries no information (see
 * gcra.ts), so each call drops a few of the least recently used keys whose buckets have refilled; and past
 * `maxKeys` the least recently used key goes regardless. Map iteration is insertion order and every touch
 * re-inserts, so the first key is always the least recently used (as in src/cache/lru-cache.ts). Evicting a
 * bucket that is not yet full forgives its debt, i.e. errs towards admitting: acceptable for a cap that only
 * bites when more than `maxKeys` keys are active within one refill period.
 */
import { gcra } from './gcra';
import {
  assertValidRequest,
  boundedKey,
  type RateDecision,
  type RateLimiter,
  type RateLimiterHealth,
  type RateRule,
} from './rate-limiter';

export interface MemoryRateLimiterOptions {
  /** Most buckets kept at once (default 10,000: a few hundred kB). */
  maxKeys?: number;
  /** Injectable clock in ms; must not go backwards (default `performance.now`, which is monotonic). */
  now?: () => number;
}

/** Refilled buckets examined per call: enough to keep pace with arrivals, small enough to stay O(1). */
const SWEEP_PER_CALL = 2;

export class MemoryRateLimiter implements RateLimiter {
  private readonly buckets = new Map<string, number>();
  private readonly maxKeys: number;
  private readonly now: () => number;

  constructor(options: MemoryRateLimiterOptions = {}) {
    this.maxKeys = Math.max(1, options.maxKeys ?? 10_000);
    this.now = options.now ?? (() => performance.now());
  }

  /** Buckets currently held (for tests and health). */
  get size(): number {
    return this.buckets.size;
  }

  async consume(key: string, rule: RateRule, cost = 1): Promise<RateDecision> {
    return this.consumeNow(key, rule, cost);
  }

  /** The synchronous core, so the Redis adapter's fallback adds no extra await. */
  consumeNow(key: string, rule: RateRule, cost = 1): RateDecision {
    assertValidRequest(rule, cost);
    const now = this.now();
    const id = boundedKey(key);
    const stored = this.buckets.get(id);
    const { decision, tat } = gcra(stored, now, rule, cost);
    this.buckets.delete(id);
    // A full bucket is the same as no bucket: keep nothing for it.
    if (tat > now) this.buckets.set(id, tat);
    this.sweep(now);
    return decision;
  }

  health(): RateLimiterHealth {
    return { mode: 'local', detail: `per-instance limits, ${this.buckets.size} active buckets` };
  }

  private sweep(now: number) {
    let examined = 0;
    for (const [id, tat] of this.buckets) {
      if (this.buckets.size > this.maxKeys || (examined < SWEEP_PER_CALL && tat <= now)) {
        this.buckets.delete(id);
        examined++;
        continue;
      }
      if (++examined >= SWEEP_PER_CALL) break;
    }
  }
}
