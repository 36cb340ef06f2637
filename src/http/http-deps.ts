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

export interface HttpDeps {
  auth: Authenticator;
  chat: ChatService;
  health: HealthService;
  lifecycle: Lifecycle;
  logger: Logger;
  maxBodyBytes: number;
  instanceId: string;
  /** Absent when the cache is switched off: cache routes then answer 404. */
  cache?: SemanticCache;
  thresholdBounds: ThresholdBounds;
}

/** Authenticates from the Authorization header; chat work is refused while draining. */
export function principalOf(deps: Pick<HttpDeps, 'auth'>, request: Request): Principal {
  return deps.auth.authenticate(bearerToken(request.headers.get('authorization')));
}

export function refuseWhileDraining(deps: Pick<HttpDeps, 'lifecycle'>): void {
  if (deps.lifecycle.draining) throw new AppError('service_unavailable', 'This instance is shutting down; retry on another.', { retryAfterSec: 1 });
}
