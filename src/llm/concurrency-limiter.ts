/**
 * Bounds in-flight upstream requests. Excess callers wait in a FIFO queue that is itself bounded, both in length
 * and in how long one caller may wait: an unbounded queue only converts overload into timeouts and memory, while
 * a fast 503 with `Retry-After` lets clients and load balancers back off or go elsewhere.
 *
 * A released slot is handed straight to the oldest waiter, so a burst of new callers cannot starve it.
 * The limit can change at run time (the self-tuning step does this); lowering it never interrupts work in flight,
 * it only stops new grants until enough slots have been released.
 */
import { AppError } from '../errors';
import { cancelledError, closedError } from './upstream-errors';

export interface ConcurrencyLimiterOptions {
  /** Most requests in flight at once. */
  limit: number;
  /** Most callers waiting for a slot; one more is refused at once. Default 1000. */
  maxQueue?: number;
  /** Longest a caller waits for a slot before being refused. Default 30 s. */
  maxWaitMs?: number;
  /** `Retry-After` sent with an overload refusal. Default 1 s. */
  retryAfterSec?: number;
}

/** A granted slot. `release` is idempotent so cleanup paths can call it without bookkeeping. */
export interface Permit {
  release(): void;
}

export interface ConcurrencyLimiter {
  /** Resolves with a permit, or rejects with `upstream_overloaded`, a cancellation, or `service_unavailable`. */
  acquire(signal?: AbortSignal): Promise<Permit>;
  setLimit(limit: number): void;
  readonly limit: number;
  readonly inFlight: number;
  readonly queued: number;
  /** Refuses queued and future callers; permits already granted stay valid. */
  close(): void;
}

interface Waiter {
  grant(permit: Permit): void;
  fail(error: unknown): void;
}

export function createConcurrencyLimiter(options: ConcurrencyLimiterOptions): ConcurrencyLimiter {
  let limit = checkedLimit(options.limit);
  const maxQueue = options.maxQueue ?? 1000;
  const maxWaitMs = options.maxWaitMs ?? 30_000;
  const retryAfterSec = options.retryAfterSec ?? 1;
  // Insertion-ordered Set: FIFO with O(1) removal of a waiter that gave up.
  const waiters = new Set<Waiter>();
  let inFlight = 0;
  let closed = false;

  const overloaded = (why: string) =>
    new AppError('upstream_overloaded', `The gateway is at its upstream capacity (${why}); retry shortly.`, { retryAfterSec });

  function newPermit(): Permit {
    let released = false;
    return {
      release() {
        if (released) return;
        released = true;
        inFlight--;
        drain();
      },
    };
  }

  function drain() {
    for (const waiter of waiters) {
      if (inFlight >= limit) return;
      waiters.delete(waiter);
      inFlight++;
      waiter.grant(newPermit());
    }
  }

  function acquire(signal?: AbortSignal): Promise<Permit> {
    if (closed) return Promise.reject(closedError());
    if (signal?.aborted) return Promise.reject(cancelledError(signal.reason));
    if (inFlight < limit && waiters.size === 0) {
      inFlight++;
      return Promise.resolve(newPermit());
    }
    if (waiters.size >= maxQueue) return Promise.reject(overloaded(`${waiters.size} requests already queued`));
    return new Promise<Permit>((resolve, reject) => {
      const cleanup = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        waiters.delete(waiter);
      };
      const waiter: Waiter = {
        grant(permit) {
          cleanup();
          resolve(permit);
        },
        fail(error) {
          cleanup();
          reject(error);
        },
      };
      const onAbort = () => waiter.fail(cancelledError(signal?.reason));
      const timer = setTimeout(() => waiter.fail(overloaded(`waited ${maxWaitMs} ms for a slot`)), maxWaitMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      waiters.add(waiter);
    });
  }

  return {
    acquire,
    setLimit(next) {
      limit = checkedLimit(next);
      drain();
    },
    get limit() {
      return limit;
    },
    get inFlight() {
      return inFlight;
    },
    get queued() {
      return waiters.size;
    },
    close() {
      closed = true;
      for (const waiter of [...waiters]) waiter.fail(closedError());
    },
  };
}

function checkedLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`concurrency limit must be a positive integer, got ${limit}`);
  return limit;
}
