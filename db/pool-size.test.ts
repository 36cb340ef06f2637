import { describe, expect, test } from 'bun:test';
import { capPoolSize } from './pool-size';

describe('capPoolSize', () => {
  test('keeps the requested size when the server has room for it', () => {
    expect(capPoolSize({ requested: 50, maxConnections: 500, reservedConnections: 3, inUse: 10 })).toEqual({ max: 50, capped: false, limit: 387 });
  });

  test('caps below max_connections, leaving reserved slots, open connections and a fifth of the server free', () => {
    // 100 - 3 reserved - 7 in use - 20 headroom = 70
    expect(capPoolSize({ requested: 150, maxConnections: 100, reservedConnections: 3, inUse: 7 })).toEqual({ max: 70, capped: true, limit: 70 });
  });

  test('keeps at least five connections of headroom on a small server', () => {
    // 20 - 3 - 0 - 5 = 12
    expect(capPoolSize({ requested: 100_000, maxConnections: 20, reservedConnections: 3, inUse: 0 }).max).toBe(12);
  });

  test('never goes below the two connections migrations need, even on a full server', () => {
    expect(capPoolSize({ requested: 150, maxConnections: 100, reservedConnections: 3, inUse: 97 })).toEqual({ max: 2, capped: true, limit: 2 });
    expect(capPoolSize({ requested: 1, maxConnections: 100, reservedConnections: 3, inUse: 0 }).max).toBe(2);
  });
});
