/** What the HTTP modules need from the rest of the gateway: plain services, no adapters. */
import type { Authenticator, Principal } from '../auth/api-keys';
import { bearerToken } from '../auth/api-keys';
import type { SemanticCache } from '../cache/semantic-cache';
import type { ChatService } from '../chat/chat.service';
import type { ThresholdBounds } from './cache-controls';
import type { HealthService } from '../health/health.service';
import type { Lifecycle } from '../lifecycle';
import type { Logger } from '../log';
import { AppError } from '../errors';
import type { Idempotency } from '../idempotency/idempotency';
import { rateLimitedError, rateLimitHeaders } from '../ratelimit/headers';
import type { RateLimiter, RateRule } from '../ratelimit/rate-limiter';

export interface HttpDeps {
  auth: Authenticator;
  chat: ChatService;
  health: HealthService;
  lifecycle: Lifecycle;
  logger: Logger;
  maxBodyBytes: number;
  instanceId: string;
  /** Idempotency-Key replay for `POST /v1/chat/completions`; absent = the header is ignored. */
  idempotency?: Idempotency;
  /** Per-key rate limits; absent in tests that do not exercise them. */
  limits?: { limiter: RateLimiter; chat: RateRule; api: RateRule; onReject?: (cls: RouteClass) => void };
  /** Absent when the cache is switched off: cache routes then answer 404. */
  cache?: SemanticCache;
  thresholdBounds: ThresholdBounds;
}

/** Authenticates from the Authorization header; chat work is refused while draining. */
export function principalOf(deps: Pick<HttpDeps, 'auth'>, request: Request): Principal {
  return deps.auth.authenticate(bearerToken(request.headers.get('authorization')));
}

export type RouteClass = 'chat' | 'api';

/**
 * Authenticates and charges the caller's rate limit for this route class. Returns the principal and the
 * RateLimit-* headers to send; throws a 429 (with those headers) when over the limit. In open mode there is
 * no key to limit by, so the client address is the key.
 */
export async function admit(deps: Pick<HttpDeps, 'auth' | 'limits'>, request: Request, cls: RouteClass, clientAddress?: string): Promise<{ principal: Principal; headers: Record<string, string> }> {
  const principal = principalOf(deps, request);
  if (!deps.limits) return { principal, headers: {} };
  const rule = deps.limits[cls];
  const key = deps.auth.openMode ? `ip:${clientAddress ?? 'unknown'}` : principal.keyId;
  const decision = await deps.limits.limiter.consume(`${key}:${cls}`, rule);
  if (!decision.allowed) {
    deps.limits.onReject?.(cls);
    throw rateLimitedError(decision, cls, rule);
  }
  return { principal, headers: rateLimitHeaders(decision, rule) };
}

export function refuseWhileDraining(deps: Pick<HttpDeps, 'lifecycle'>): void {
  if (deps.lifecycle.draining) throw new AppError('service_unavailable', 'This instance is shutting down; retry on another.', { retryAfterSec: 1 });
}
