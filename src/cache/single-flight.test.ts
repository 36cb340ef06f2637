import { describe, expect, test } from 'bun:test';
import { SingleFlight } from './single-flight';

const deferred = <T>() => {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
};

describe('single flight', () => {
  test('concurrent callers with one key share one execution', async () => {
    const flights = new SingleFlight<string>();
    let calls = 0;
    const gate = deferred<void>();
    const work = async () => {
      calls += 1;
      await gate.promise;
      return 'answer';
    };
    const a = flights.run('k', work);
    const b = flights.run('k', work);
    expect(a.leader).toBe(true);
    expect(b.leader).toBe(false);
    gate.resolve();
    expect(await Promise.all([a.value, b.value])).toEqual(['answer', 'answer']);
    expect(calls).toBe(1);
    expect(flights.shared).toBe(1);
  });

  test('different keys run separately, and a finished flight is not reused', async () => {
    const flights = new SingleFlight<number>();
    let calls = 0;
    await flights.run('a', async () => ++calls).value;
    await flights.run('b', async () => ++calls).value;
    await flights.run('a', async () => ++calls).value;
    expect(calls).toBe(3);
  });

  test('a leader whose client disconnects does not cancel its followers', async () => {
    const flights = new SingleFlight<string>();
    const gate = deferred<void>();
    let aborted = false;
    const work = async (signal: AbortSignal) => {
      signal.addEventListener('abort', () => (aborted = true));
      await gate.promise;
      return 'done';
    };
    const leaderClient = new AbortController();
    const leader = flights.run('k', work, leaderClient.signal);
    const follower = flights.run('k', work, new AbortController().signal);
    leaderClient.abort();
    gate.resolve();
    expect(await follower.value).toBe('done');
    expect(aborted).toBe(false);
    await leader.value;
  });

  test('the work is aborted when every caller has gone', async () => {
    const flights = new SingleFlight<string>();
    let aborted = false;
    const work = (signal: AbortSignal) =>
      new Promise<string>((_, reject) => signal.addEventListener('abort', () => ((aborted = true), reject(new Error('aborted')))));
    const one = new AbortController();
    const two = new AbortController();
    const a = flights.run('k', work, one.signal);
    flights.run('k', work, two.signal);
    await Bun.sleep(0); // let the work start
    one.abort();
    expect(aborted).toBe(false);
    two.abort();
    await expect(a.value).rejects.toThrow('aborted');
    expect(aborted).toBe(true);
    expect(flights.inFlight).toBe(0);
  });

  test('work whose only caller left before it started is never run', async () => {
    const flights = new SingleFlight<string>();
    let calls = 0;
    const client = new AbortController();
    const flight = flights.run('k', async () => String(++calls), client.signal);
    client.abort();
    await expect(flight.value).rejects.toBeDefined();
    expect(calls).toBe(0);
  });

  test('every caller sees the shared failure', async () => {
    const flights = new SingleFlight<string>();
    const gate = deferred<void>();
    const work = async () => {
      await gate.promise;
      throw new Error('upstream down');
    };
    const a = flights.run('k', work);
    const b = flights.run('k', work);
    gate.resolve();
    await expect(a.value).rejects.toThrow('upstream down');
    await expect(b.value).rejects.toThrow('upstream down');
  });
});
