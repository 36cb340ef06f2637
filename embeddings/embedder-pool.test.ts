import { describe, expect, test } from 'bun:test';
import type { Embedder } from './embedder.ts';
import { EmbedderPool } from './embedder-pool.ts';
import { FakeEmbedder } from './fake-embedder.ts';

/** A FakeEmbedder whose calls wait until released, recording which member got which texts. */
function gated(name: string, log: string[]) {
  const inner = new FakeEmbedder();
  const gates: Array<() => void> = [];
  let closed = false;
  const member: Embedder & { release(): void; closed(): boolean } = {
    modelId: inner.modelId,
    dimensions: inner.dimensions,
    maxBatchSize: inner.maxBatchSize,
    async embed(texts) {
      log.push(`${name}:${texts.join('+')}`);
      await new Promise<void>((resolve) => gates.push(resolve));
      return inner.embed(texts);
    },
    release: () => gates.splice(0).forEach((open) => open()),
    async close() {
      closed = true;
    },
    closed: () => closed,
  };
  return member;
}

describe('EmbedderPool', () => {
  test('sends each call to the least busy member, idle members taking turns', async () => {
    const log: string[] = [];
    const [a, b] = [gated('a', log), gated('b', log)];
    const pool = new EmbedderPool([a, b]);
    const calls = [pool.embed(['one']), pool.embed(['two']), pool.embed(['three'])];
    expect(log).toEqual(['a:one', 'b:two', 'a:three']);
    a.release();
    b.release();
    a.release();
    const vectors = await Promise.all(calls);
    // Each call gets its own vectors, equal to what a single embedder returns.
    expect(vectors[1]).toEqual(await new FakeEmbedder().embed(['two']));
    log.length = 0;
    const late = pool.embed(['four']);
    expect(log).toEqual(['b:four']);
    b.release();
    await late;
  });

  test('closes every member, and rejects calls afterwards', async () => {
    const log: string[] = [];
    const members = [gated('a', log), gated('b', log)];
    const pool = new EmbedderPool(members);
    await pool.close();
    await pool.close();
    expect(members.every((m) => m.closed())).toBe(true);
    const error = await pool.embed(['x']).then(() => undefined, (e: unknown) => e);
    expect(error).toMatchObject({ code: 'closed' });
  });

  test('refuses members of different models, and an empty pool', () => {
    expect(() => new EmbedderPool([new FakeEmbedder(), new FakeEmbedder({ dimensions: 64 })])).toThrow(RangeError);
    expect(() => new EmbedderPool([])).toThrow(RangeError);
  });
});
