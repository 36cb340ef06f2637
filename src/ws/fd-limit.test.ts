import { describe, expect, test } from 'bun:test';
import { openFileLimit, socketCap } from './fd-limit';

describe('socket cap', () => {
  test('reads the open-file limit on Linux', () => {
    if (process.platform !== 'linux') return;
    expect(openFileLimit()).toBeGreaterThan(0);
  });

  test('leaves headroom below the file limit, and a configured cap wins', () => {
    expect(socketCap(undefined, 20_000)).toBe(18_976);
    expect(socketCap(undefined, 500)).toBe(100);
    expect(socketCap(5_000, 20_000)).toBe(5_000);
    expect(socketCap(undefined, undefined)).toBe(1_000_000);
  });
});
