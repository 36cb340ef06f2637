/**
 * Circuit breaker for one upstream (Michael Nygard, "Release It!", ch. 5; Martin Fowler, "CircuitBreaker", 2014).
 *
 * closed ──N consecutive failures──► open ──cool-down elapsed──► half_open ──probe succeeds──► closed
 *                                      ▲                              │
 *                                      └────────probe fails───────────┘
 *
 * While open, calls fail at once with `upstream_unavailable` and a `Retry-After` of the remaining cool-down,
 * instead of each holding a connection slot for a full timeout against an upstream that is down. Half-open lets
 * exactly one probe through; everyone else keeps failing fast until the probe reports.
 *
 * Only outcomes that say the upstream is unhealthy count as failures (5xx, network errors, timeouts). A client
 * error (4xx) proves the upstream is up; a 429 or a caller's cancellation says nothing either way ("neutral").
 * Every admitted call must report exactly one outcome, otherwise a half-open probe would never come back.
 */
import { AppError } from '../errors';
import type { BreakerState } from './llm-provider';

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit. Default 5. */
  failureThreshold?: number;
  /** How long the circuit stays open before one probe is allowed. Default 10 s. */
  coolDownMs?: number;
  /** Injectable clock (ms) for tests. */
  now?: () => number;
  onStateChange?: (from: BreakerState, to: BreakerState) => void;
}

/** One admitted call's outcome handle. Reporting twice is ignored. */
export interface BreakerTicket {
  success(): void;
  failure(): void;
  neutral(): void;
}

export interface CircuitBreaker {
  /** Admits a call or throws `upstream_unavailable` with `retryAfterSec` while open. */
  enter(): BreakerTicket;
  readonly state: BreakerState;
  readonly consecutiveFailures: number;
}

export function createCircuitBreaker(options: CircuitBreakerOptions = {}): CircuitBreaker {
  const threshold = options.failureThreshold ?? 5;
  const coolDownMs = options.coolDownMs ?? 10_000;
  const now = options.now ?? (() => performance.now());
  let state: BreakerState = 'closed';
  let failures = 0;
  let openedAt = 0;
  let probeInFlight = false;

  function transition(to: BreakerState) {
    if (to === state) return;
    const from = state;
    state = to;
    options.onStateChange?.(from, to);
  }

  /** The state as of now: an open circuit whose cool-down has elapsed is half-open. */
  function current(): BreakerState {
    if (state === 'open' && now() - openedAt >= coolDownMs) transition('half_open');
    return state;
  }

  function open() {
    openedAt = now();
    transition('open');
  }

  function refuse(): never {
    const remainingMs = state === 'open' ? coolDownMs - (now() - openedAt) : coolDownMs;
    throw new AppError('upstream_unavailable', 'The upstream is failing; the gateway is not sending it requests for now.', {
      retryAfterSec: Math.max(1, Math.ceil(remainingMs / 1000)),
    });
  }

  function enter(): BreakerTicket {
    const at = current();
    if (at === 'open') refuse();
    const isProbe = at === 'half_open';
    if (isProbe) {
      if (probeInFlight) refuse();
      probeInFlight = true;
    }
    let reported = false;
    const report = (outcome: 'success' | 'failure' | 'neutral') => {
      if (reported) return;
      reported = true;
      if (isProbe) probeInFlight = false;
      if (outcome === 'success') {
        // Any success closes, even a late one from a call admitted before the circuit opened: the upstream
        // evidently answers again.
        failures = 0;
        transition('closed');
      } else if (outcome === 'failure') {
        failures++;
        // A failed probe reopens at once; in closed state it takes `threshold` in a row. A late failure from a
        // call admitted before the circuit opened does not restart the cool-down.
        if (isProbe || (state === 'closed' && failures >= threshold)) open();
      }
    };
    return {
      success: () => report('success'),
      failure: () => report('failure'),
      neutral: () => report('neutral'),
    };
  }

  return {
    enter,
    get state() {
      return current();
    },
    get consecutiveFailures() {
      return failures;
    },
  };
}
