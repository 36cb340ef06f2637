/**
 * A token bucket computed as GCRA, the Generic Cell Rate Algorithm in its "virtual scheduling" form (ATM Forum
 * Traffic Management Specification 4.0, 1996; ITU-T I.371). Brandur Leach, "Rate Limiting, Cells, and GCRA"
 * (2015) describes its use for API limits; redis-cell implements it the same way.
 *
 * The whole state of a bucket is one number, the theoretical arrival time `tat`: the instant at which the bucket
 * would be full again. With T = 1000 / rate (ms per token) and tau = burst * T (how far `tat` may run ahead of
 * now), the bucket holds `burst - max(0, tat - now) / T` tokens, so a request of `cost` tokens fits when
 * `max(tat, now) + cost * T - now <= tau`, and admitting it moves `tat` forward by `cost * T`. No timer refills
 * anything: the passage of time is the refill ("lazy refill"). A missing state equals `tat <= now`, a full bucket,
 * which is why idle state can simply be dropped.
 *
 * redis-rate-limiter.ts runs the same arithmetic in Lua; the contract suite checks both against each other's
 * behaviour. Keep the two in step.
 */
import type { RateDecision, RateRule } from './rate-limiter';

export interface GcraResult {
  decision: RateDecision;
  /** The state to store: the new `tat` when admitted, the unchanged one when rejected. */
  tat: number;
}

/**
 * Float slack for "exactly enough tokens": 0.1 + 0.2 style rounding must not turn a full refill into a rejection
 * or 5 tokens into 4. A microsecond is far below anything a client can observe.
 */
const EPSILON_MS = 1e-3;

/** One decision at time `now` (ms) for a bucket whose stored `tat` is given (undefined: never seen, full). */
export function gcra(tat: number | undefined, now: number, rule: RateRule, cost: number): GcraResult {
  const interval = 1000 / rule.ratePerSec;
  const tolerance = rule.burst * interval;
  const limit = Math.floor(rule.burst);
  const base = Math.max(tat ?? now, now);
  const next = base + cost * interval;
  const tokensLeft = (aheadMs: number) =>
    Math.min(limit, Math.max(0, Math.floor((tolerance - aheadMs) / interval + EPSILON_MS / interval)));

  if (next - now <= tolerance + EPSILON_MS) {
    return {
      tat: next,
      decision: { allowed: true, limit, remaining: tokensLeft(next - now), resetMs: ceilMs(next - now), retryAfterMs: 0 },
    };
  }
  return {
    tat: base,
    decision: {
      allowed: false,
      limit,
      remaining: tokensLeft(base - now),
      resetMs: ceilMs(base - now),
      // At least 1: a rejected caller must be told to wait, however little.
      retryAfterMs: Math.max(1, ceilMs(next - tolerance - now)),
    },
  };
}

/** Durations round up (less a float epsilon), so waiting the stated time is always enough. */
export function ceilMs(ms: number): number {
  return Math.max(0, Math.ceil(ms - EPSILON_MS));
}
