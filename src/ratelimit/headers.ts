/**
 * The HTTP face of a rate limit decision: RateLimit header fields and the 429 error.
 *
 * Field names and syntax follow draft-ietf-httpapi-ratelimit-headers-06 (R. Polli, A. Martinez, December 2022),
 * the last revision with separate `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset` fields plus
 * `RateLimit-Policy`; these are the names clients and proxies commonly read. Later revisions (-07 on) merge them into
 * `RateLimit` / `RateLimit-Policy` with named policies; switching is a change to this file only.
 *
 * Mapping a token bucket onto the draft's quota-per-window vocabulary:
 * - Limit is the bucket's capacity (burst): the most a client can spend right now.
 * - Remaining is the whole tokens left; Reset the seconds (rounded up) until the bucket is full again.
 * - Policy states the sustained rate as a quota over a whole-second window long enough for a full refill: 10/s
 *   with burst 10 is `10;w=1`; 0.5/s with burst 1 is `1;w=2`. The draft's `w` is an integer number of seconds.
 * - Retry-After (RFC 9110, section 10.2.3) is sent on rejections only, in whole seconds and at least 1, because
 *   a client reading 0 would retry at once.
 */
import { AppError } from '../errors';
import type { RateDecision, RateRule } from './rate-limiter';

export function rateLimitPolicy(rule: RateRule): string {
  const windowSec = Math.max(1, Math.ceil(rule.burst / rule.ratePerSec - 1e-9));
  const quota = Math.max(1, Math.floor(rule.ratePerSec * windowSec + 1e-9));
  return `${quota};w=${windowSec}`;
}

/** Seconds a rejected client should wait: at least 1. */
export function retryAfterSeconds(decision: RateDecision): number {
  return Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
}

/** Headers for any response a limit applied to; includes `Retry-After` when the request was rejected. */
export function rateLimitHeaders(decision: RateDecision, rule: RateRule): Record<string, string> {
  const headers: Record<string, string> = {
    'RateLimit-Limit': String(decision.limit),
    'RateLimit-Remaining': String(Math.max(0, decision.remaining)),
    'RateLimit-Reset': String(Math.max(0, Math.ceil(decision.resetMs / 1000))),
    'RateLimit-Policy': rateLimitPolicy(rule),
  };
  if (!decision.allowed) headers['Retry-After'] = String(retryAfterSeconds(decision));
  return headers;
}

/**
 * The 429 for a rejected decision. The error envelope turns `retryAfterSec` into `Retry-After`; the RateLimit
 * fields must still be added to the error response by the transport (see `rateLimitHeaders`).
 */
export function rateLimitedError(decision: RateDecision, routeClass: string, rule?: RateRule): AppError {
  const seconds = retryAfterSeconds(decision);
  return new AppError(
    'rate_limited',
    `Rate limit exceeded for ${routeClass} requests with this API key; retry in ${seconds} s.`,
    { retryAfterSec: seconds, headers: rule ? rateLimitHeaders(decision, rule) : undefined },
  );
}
