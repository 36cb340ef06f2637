/**
 * The abort signal of one upstream attempt: linked to the caller's signal, plus the attempt's own timeouts.
 * Aborting a fetch is the only way to stop it (and its body read) in Bun, so every deadline aborts this one
 * controller and records why, letting `classify` tell a timeout from a caller's cancellation from a network
 * failure when the fetch or a read rejects.
 */
import type { AppError } from '../errors';
import { cancelledError, networkError, timeoutError } from './upstream-errors';

export type TimeoutPhase = 'connect' | 'total' | 'idle';

export type AttemptErrorKind = 'timeout' | 'cancelled' | 'network';

export interface Watchdog {
  /** Records activity: the watchdog fires only after `ms` without a touch. */
  touch(): void;
  stop(): void;
}

export interface AttemptSignal {
  readonly signal: AbortSignal;
  /** A fixed deadline from now; returns its cancel function. */
  deadline(phase: TimeoutPhase, ms: number): () => void;
  /** A deadline that moves forward on every `touch` (idle-between-chunks). */
  watchdog(phase: TimeoutPhase, ms: number): Watchdog;
  /**
   * Settles like `promise`, or rejects as soon as the attempt aborts. Bun's fetch already rejects reads on
   * abort, but an injected fetch or body might not, and a timeout must never depend on the body's good will.
   */
  guard<T>(promise: Promise<T>): Promise<T>;
  classify(error: unknown): { kind: AttemptErrorKind; error: AppError };
  /** Aborts the attempt (releases the connection) and detaches from the caller's signal. Idempotent. */
  dispose(): void;
}

class AttemptTimeout extends Error {
  constructor(readonly phase: TimeoutPhase, readonly ms: number) {
    super(`upstream ${phase} timeout after ${ms} ms`);
    this.name = 'AttemptTimeout';
  }
}

export function createAttemptSignal(parent: AbortSignal | undefined): AttemptSignal {
  const controller = new AbortController();
  const timers = new Set<ReturnType<typeof setTimeout>>();
  let timedOut: AttemptTimeout | undefined;

  const onParentAbort = () => controller.abort(parent?.reason);
  if (parent?.aborted) controller.abort(parent.reason);
  else parent?.addEventListener('abort', onParentAbort, { once: true });

  function expire(phase: TimeoutPhase, ms: number) {
    if (controller.signal.aborted) return;
    timedOut = new AttemptTimeout(phase, ms);
    controller.abort(timedOut);
  }

  function schedule(fn: () => void, ms: number) {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
    return timer;
  }

  function unschedule(timer: ReturnType<typeof setTimeout> | undefined) {
    if (timer === undefined) return;
    clearTimeout(timer);
    timers.delete(timer);
  }

  return {
    signal: controller.signal,
    deadline(phase, ms) {
      const timer = schedule(() => expire(phase, ms), ms);
      return () => unschedule(timer);
    },
    watchdog(phase, ms) {
      // One timer per stream rather than one per chunk: on expiry it re-arms for the time left since the last
      // touch, so a fast stream costs a timestamp write per chunk instead of a clearTimeout/setTimeout pair.
      let last = performance.now();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const check = () => {
        const idle = performance.now() - last;
        if (idle >= ms) expire(phase, ms);
        else timer = schedule(check, ms - idle);
      };
      timer = schedule(check, ms);
      return {
        touch: () => {
          last = performance.now();
        },
        stop: () => unschedule(timer),
      };
    },
    guard(promise) {
      const signal = controller.signal;
      if (signal.aborted) {
        promise.catch(() => {});
        return Promise.reject(signal.reason);
      }
      return new Promise((resolve, reject) => {
        const onAbort = () => reject(signal.reason);
        signal.addEventListener('abort', onAbort, { once: true });
        promise.then(
          (value) => {
            signal.removeEventListener('abort', onAbort);
            resolve(value);
          },
          (error: unknown) => {
            signal.removeEventListener('abort', onAbort);
            reject(error);
          },
        );
      });
    },
    classify(error) {
      if (timedOut !== undefined) return { kind: 'timeout', error: timeoutError(timedOut.phase, timedOut.ms) };
      if (parent?.aborted) return { kind: 'cancelled', error: cancelledError(parent.reason) };
      return { kind: 'network', error: networkError(error) };
    },
    dispose() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      parent?.removeEventListener('abort', onParentAbort);
      if (!controller.signal.aborted) controller.abort();
    },
  };
}
