/**
 * The idempotency coordinator: runs a request once per `(scope, Idempotency-Key)` and replays its response to
 * every retry and every concurrent duplicate, on this instance or (through a shared store) on another.
 *
 * - Within one instance, concurrent callers with the same key and body join one in-flight execution (the cache's
 *   SingleFlight, with its reference-counted cancellation) and never poll.
 * - Across instances, a caller that finds the key `IN_PROGRESS` polls the store with a doubling delay for up to
 *   `waitMs` and replays the result when it arrives, else answers `IN_PROGRESS` (Stripe answers 409 at once;
 *   waiting a little first turns most duplicate submissions into replays instead of errors).
 * - A failed execution is abandoned, not stored: the error reaches the callers that shared it, and the next retry
 *   runs again. Results are a discriminated union; the route maps the refusals with `idempotencyRefusal`.
 */
import { canonicalJson, sha256 } from '../cache/cache-key';
import { SingleFlight } from '../cache/single-flight';
import type { IdempotencyStore, StoredResponse } from './idempotency-store';

export type IdempotencyOutcome =
  /** `replayed`: this caller did not run the work (a stored or shared response). `degraded`: the store was not asked. */
  | { status: 'OK'; response: StoredResponse; replayed: boolean; degraded: boolean }
  /** The key was first used with a different request body: 422. */
  | { status: 'CONFLICT' }
  /** Another instance is still running the request after `waitMs`: 409, retry later. */
  | { status: 'IN_PROGRESS' }
  /** The request ran, but its response was too large to keep: 409. */
  | { status: 'NOT_REPLAYABLE'; responseStatus: number; createdAt: number };

export interface IdempotencyOptions {
  store: IdempotencyStore;
  /** How long a completed response is replayed. */
  ttlMs: number;
  /** How long a duplicate waits for another instance's execution to complete. */
  waitMs: number;
  /** First poll delay, doubled after each poll up to `maxPollMs` (defaults 25 and 250 ms). */
  pollMs?: number;
  maxPollMs?: number;
  now?: () => number;
}

export interface IdempotencyStats {
  /** Executions that ran the work here. */
  executed: number;
  /** Answers from a stored or shared response. */
  replayed: number;
  conflicts: number;
  /** Waits for another instance that ran out. */
  inProgress: number;
  notReplayable: number;
  /** Executions that ran without the store (it was down or slow). */
  degraded: number;
}

export interface Idempotency {
  /**
   * `work` receives a signal that aborts only when every caller sharing the execution has aborted (`signal`).
   * It resolves with the response to keep (put only headers that describe the body in it) or throws.
   */
  run(scope: string, key: string, fingerprint: string, work: (signal: AbortSignal) => Promise<StoredResponse>, signal?: AbortSignal): Promise<IdempotencyOutcome>;
  stats(): IdempotencyStats;
}

/** sha256 of the canonical JSON of the parsed request body: key order and whitespace do not matter, values do. */
export const requestFingerprint = (body: unknown): string => sha256(canonicalJson(body));

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export function createIdempotency(options: IdempotencyOptions): Idempotency {
  const { store, ttlMs, waitMs } = options;
  const firstPollMs = options.pollMs ?? 25;
  const maxPollMs = options.maxPollMs ?? 250;
  const now = options.now ?? Date.now;
  const flights = new SingleFlight<IdempotencyOutcome>();
  const counts: IdempotencyStats = { executed: 0, replayed: 0, conflicts: 0, inProgress: 0, notReplayable: 0, degraded: 0 };

  async function execute(scope: string, key: string, fingerprint: string, work: (signal: AbortSignal) => Promise<StoredResponse>, signal: AbortSignal): Promise<IdempotencyOutcome> {
    const deadline = now() + waitMs;
    let delay = firstPollMs;
    for (;;) {
      signal.throwIfAborted();
      const begun = await store.begin(scope, key, fingerprint);
      switch (begun.status) {
        case 'NEW': {
          let response: StoredResponse;
          try {
            response = await work(signal);
          } catch (error) {
            await store.abandon(begun.lease).catch(() => {});
            throw error;
          }
          // Awaited (it is bounded by the store's timeout) so that a retry sent after this answer finds it stored.
          await store.complete(begun.lease, response, ttlMs).catch(() => {});
          return { status: 'OK', response, replayed: false, degraded: begun.degraded === true };
        }
        case 'DONE':
          return { status: 'OK', response: begun.response, replayed: true, degraded: false };
        case 'IN_PROGRESS': {
          const left = deadline - now();
          if (left <= 0) return { status: 'IN_PROGRESS' };
          await sleep(Math.min(delay, left), signal);
          delay = Math.min(delay * 2, maxPollMs);
          break;
        }
        default:
          return begun;
      }
    }
  }

  function count(outcome: IdempotencyOutcome): void {
    if (outcome.status === 'OK') {
      if (outcome.replayed) counts.replayed += 1;
      else {
        counts.executed += 1;
        if (outcome.degraded) counts.degraded += 1;
      }
    } else if (outcome.status === 'CONFLICT') counts.conflicts += 1;
    else if (outcome.status === 'IN_PROGRESS') counts.inProgress += 1;
    else counts.notReplayable += 1;
  }

  return {
    async run(scope, key, fingerprint, work, signal) {
      // The body is part of the flight key: a different body never joins, it goes to the store and meets CONFLICT.
      const flightKey = JSON.stringify([scope, key, fingerprint]);
      const flight = flights.run(flightKey, (shared) => execute(scope, key, fingerprint, work, shared), signal);
      const outcome = await flight.value;
      const mine: IdempotencyOutcome = !flight.leader && outcome.status === 'OK' ? { ...outcome, replayed: true } : outcome;
      count(mine);
      return mine;
    },
    stats: () => ({ ...counts }),
  };
}

export interface IdempotencyRefusal {
  status: 409 | 422;
  /** Codes for ERROR_CODES (see the wiring note): the transport turns a refusal into an AppError. */
  code: 'idempotency_key_reused' | 'idempotency_in_progress' | 'idempotency_not_replayable';
  message: string;
  retryAfterSec?: number;
}

/** The client-facing answer for every outcome but `OK`. */
export function idempotencyRefusal(outcome: Exclude<IdempotencyOutcome, { status: 'OK' }>): IdempotencyRefusal {
  switch (outcome.status) {
    case 'CONFLICT':
      return { status: 422, code: 'idempotency_key_reused', message: 'This Idempotency-Key was already used with a different request body; use a new key for a new request.' };
    case 'IN_PROGRESS':
      return { status: 409, code: 'idempotency_in_progress', message: 'A request with this Idempotency-Key is still being processed; retry shortly.', retryAfterSec: 1 };
    case 'NOT_REPLAYABLE':
      return { status: 409, code: 'idempotency_not_replayable', message: 'A request with this Idempotency-Key already completed, but its response was too large to keep for replay; use a new key to run it again.' };
  }
}
