/**
 * Single-flight: concurrent callers with the same key share one execution (one upstream call for identical
 * cache misses). The key must include the tenant, so different tenants never share a flight.
 *
 * Why reference counting: each caller brings its own abort signal (its client may disconnect). The shared
 * work is aborted only when EVERY caller has gone; a leader whose client disconnects must not cancel the
 * followers still waiting (after Unkey's cache SWR dedupe and Go's x/sync/singleflight, plus cancellation).
 */
export interface FlightResult<T> {
  value: Promise<T>;
  /** True for the caller that started the work. */
  leader: boolean;
}

interface Flight<T> {
  promise: Promise<T>;
  waiters: number;
  controller: AbortController;
}

export class SingleFlight<T> {
  private readonly flights = new Map<string, Flight<T>>();
  private sharedCount = 0;

  get inFlight(): number {
    return this.flights.size;
  }

  /** How many callers joined an existing flight instead of starting one. */
  get shared(): number {
    return this.sharedCount;
  }

  run(key: string, work: (signal: AbortSignal) => Promise<T>, callerSignal?: AbortSignal): FlightResult<T> {
    let flight = this.flights.get(key);
    const leader = flight === undefined;
    if (!flight) {
      const controller = new AbortController();
      const created: Flight<T> = { promise: undefined as unknown as Promise<T>, waiters: 0, controller };
      created.promise = Promise.resolve()
        .then(() => {
          // Every caller may have left before the work even started.
          controller.signal.throwIfAborted();
          return work(controller.signal);
        })
        .finally(() => {
          if (this.flights.get(key) === created) this.flights.delete(key);
        });
      // The flight's own rejection is handled by every caller; this keeps an abandoned one from being unhandled.
      created.promise.catch(() => {});
      this.flights.set(key, created);
      flight = created;
    } else {
      this.sharedCount += 1;
    }
    const joined = flight;
    joined.waiters += 1;
    if (callerSignal) {
      const leave = () => {
        joined.waiters -= 1;
        if (joined.waiters === 0) {
          joined.controller.abort(callerSignal.reason);
          // A new caller must not join work that is being cancelled.
          if (this.flights.get(key) === joined) this.flights.delete(key);
        }
      };
      if (callerSignal.aborted) leave();
      else {
        callerSignal.addEventListener('abort', leave, { once: true });
        joined.promise.finally(() => callerSignal.removeEventListener('abort', leave)).catch(() => {});
      }
    }
    return { value: joined.promise, leader };
  }
}
