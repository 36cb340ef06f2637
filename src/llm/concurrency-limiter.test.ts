import { describe, expect, test } from 'bun:test';
import { AppError } from '../errors';
import { createConcurrencyLimiter, type Permit } from './concurrency-limiter';

/** Resolves to 'pending' when the promise has not settled after the current microtasks and a macrotask. */
async function state(promise: Promise<unknown>): Promise<'pending' | 'fulfilled' | 'rejected'> {
  let result: 'pending' | 'fulfilled' | 'rejected' = 'pending';
  promise.then(
    () => (result = 'fulfilled'),
    () => (result = 'rejected'),
  );
  await Bun.sleep(0);
  return result;
}

describe('concurrency limiter', () => {
  test('grants up to the limit at once and queues the rest', async () => {
    const limiter = createConcurrencyLimiter({ limit: 2 });
    await limiter.acquire();
    await limiter.acquire();
    const third = limiter.acquire();
    expect(await state(third)).toBe('pending');
    expect(limiter.inFlight).toBe(2);
    expect(limiter.queued).toBe(1);
    limiter.close();
  });

  test('hands released slots to waiters in arrival order', async () => {
    const limiter = createConcurrencyLimiter({ limit: 1 });
    const first = await limiter.acquire();
    const order: string[] = [];
    const a = limiter.acquire().then((p) => (order.push('a'), p));
    const b = limiter.acquire().then((p) => (order.push('b'), p));
    first.release();
    (await a).release();
    (await b).release();
    expect(order).toEqual(['a', 'b']);
    expect(limiter.inFlight).toBe(0);
  });

  test('refuses a caller beyond the queue bound with upstream_overloaded and a Retry-After', async () => {
    const limiter = createConcurrencyLimiter({ limit: 1, maxQueue: 1, retryAfterSec: 2 });
    await limiter.acquire();
    const queued = limiter.acquire().catch(() => undefined);
    const error = await limiter.acquire().catch((e: unknown) => e);
    limiter.close();
    await queued;
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('upstream_overloaded');
    expect((error as AppError).status).toBe(503);
    expect((error as AppError).retryAfterSec).toBe(2);
  });

  test('refuses a waiter that waited longer than maxWaitMs and forgets it', async () => {
    const limiter = createConcurrencyLimiter({ limit: 1, maxWaitMs: 10 });
    await limiter.acquire();
    const error = (await limiter.acquire().catch((e: unknown) => e)) as AppError;
    expect(error.code).toBe('upstream_overloaded');
    expect(limiter.queued).toBe(0);
  });

  test('removes an aborted waiter from the queue so it never takes a slot', async () => {
    const limiter = createConcurrencyLimiter({ limit: 1 });
    const held = await limiter.acquire();
    const controller = new AbortController();
    const aborted = limiter.acquire(controller.signal);
    const next = limiter.acquire();
    controller.abort();
    await expect(aborted).rejects.toBeInstanceOf(AppError);
    expect(limiter.queued).toBe(1);
    held.release();
    expect(await state(next)).toBe('fulfilled');
    expect(limiter.inFlight).toBe(1);
  });

  test('counts a permit released twice only once', async () => {
    const limiter = createConcurrencyLimiter({ limit: 2 });
    const permit = await limiter.acquire();
    await limiter.acquire();
    permit.release();
    permit.release();
    expect(limiter.inFlight).toBe(1);
  });

  test('raising the limit at run time admits queued callers at once', async () => {
    const limiter = createConcurrencyLimiter({ limit: 1 });
    await limiter.acquire();
    const waiting = [limiter.acquire(), limiter.acquire()];
    limiter.setLimit(3);
    expect(await Promise.all(waiting.map(state))).toEqual(['fulfilled', 'fulfilled']);
    expect(limiter.inFlight).toBe(3);
  });

  test('lowering the limit keeps work in flight and admits nobody until enough slots are released', async () => {
    const limiter = createConcurrencyLimiter({ limit: 3 });
    const permits: Permit[] = [await limiter.acquire(), await limiter.acquire(), await limiter.acquire()];
    limiter.setLimit(1);
    const waiter = limiter.acquire();
    permits[0]!.release();
    permits[1]!.release();
    expect(await state(waiter)).toBe('pending');
    permits[2]!.release();
    expect(await state(waiter)).toBe('fulfilled');
    expect(limiter.limit).toBe(1);
  });

  test('rejects a limit that is not a positive integer', () => {
    expect(() => createConcurrencyLimiter({ limit: 0 })).toThrow(RangeError);
    expect(() => createConcurrencyLimiter({ limit: 2 }).setLimit(1.5)).toThrow(RangeError);
  });

  test('close refuses queued and new callers with service_unavailable', async () => {
    const limiter = createConcurrencyLimiter({ limit: 1 });
    await limiter.acquire();
    const queued = limiter.acquire();
    limiter.close();
    expect(((await queued.catch((e: unknown) => e)) as AppError).code).toBe('service_unavailable');
    expect(((await limiter.acquire().catch((e: unknown) => e)) as AppError).code).toBe('service_unavailable');
  });
});
