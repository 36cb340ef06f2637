import { describe, expect, test } from 'bun:test';
import { createLifecycle } from './lifecycle';

describe('lifecycle', () => {
  test('is idle at once when nothing is in flight', async () => {
    expect(await createLifecycle().idle(10)).toBe(true);
  });

  test('waits for in-flight work to end, counting each end once', async () => {
    const lifecycle = createLifecycle();
    const end = lifecycle.begin();
    const idle = lifecycle.idle(5_000);
    expect(lifecycle.inFlight).toBe(1);
    end();
    end();
    expect(lifecycle.inFlight).toBe(0);
    expect(await idle).toBe(true);
  });

  test('gives up after the grace period when work does not finish', async () => {
    const lifecycle = createLifecycle();
    lifecycle.begin();
    expect(await lifecycle.idle(5)).toBe(false);
  });
});
