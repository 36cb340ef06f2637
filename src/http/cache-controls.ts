/**
 * Per-request cache controls from headers: `cache-control: no-cache` (skip the lookup, still store),
 * `cache-control: no-store` (neither read nor store), `x-cache-threshold` (a stricter or looser similarity
 * threshold within the configured bounds) and `x-cache-namespace` (a client-chosen sub-cache).
 */
import type { CacheControls } from '../chat/chat.service';
import { AppError } from '../errors';

export interface ThresholdBounds {
  min: number;
  max: number;
}

const NAMESPACE = /^[\w.-]{1,64}$/;

export function cacheControlsOf(headers: Headers, bounds: ThresholdBounds): CacheControls {
  const directives = (headers.get('cache-control') ?? '')
    .toLowerCase()
    .split(',')
    .map((d) => d.trim());
  const controls: CacheControls = { noCache: directives.includes('no-cache'), noStore: directives.includes('no-store') };
  const threshold = headers.get('x-cache-threshold');
  if (threshold !== null) {
    const value = Number(threshold.trim());
    if (threshold.trim() === '' || !Number.isFinite(value) || value < bounds.min || value > bounds.max) {
      throw new AppError('invalid_request', `The x-cache-threshold header must be a number from ${bounds.min} to ${bounds.max}.`, { param: 'x-cache-threshold' });
    }
    controls.threshold = value;
  }
  const namespace = headers.get('x-cache-namespace');
  if (namespace !== null) {
    if (!NAMESPACE.test(namespace)) {
      throw new AppError('invalid_request', 'The x-cache-namespace header must be 1-64 letters, digits, dots, dashes or underscores.', { param: 'x-cache-namespace' });
    }
    controls.namespace = namespace;
  }
  return controls;
}
