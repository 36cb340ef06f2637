import { describe, expect, test } from 'bun:test';
import type { Embedder } from './embedder.ts';
import { EmbedderError } from './embedder-error.ts';
import { FakeEmbedder } from './fake-embedder.ts';
import { MicroBatcher } from './micro-batcher.ts';

/** Records every batch it receives; when `hold` is on, each batch waits until `releaseAll()`. */
class RecordingEmbedder implements Embedder {
  readonly modelId = 'recording';
  readonly dimensions = 16;
  readonly maxBatchSize = 8;
  readonly batches: string[][] = [];
  hold = false;
  closed = false;
  private readonly fake = new FakeEmbedder({ dimensions: 16 });
  private waiting: (() => void)[] = [];

  async embed(texts: string[]): Promise<Float32Array[]> {
    this.batches.push(texts);
    if (this.hold) await new Promise<void>((resolve) => this.waiting.push(resolve));
    if (texts.some((t) => t.includes('poison'))) throw new EmbedderError('failed', 'poisoned batch');
    return this.fake.embed(texts);
  }

  releaseAll(): void {
    this.hold = false;
    for (const resolve of this.waiting.splice(0)) resolve();
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

const direct = new FakeEmbedder({ dimensions: 16 });
const expected = async (texts: string[]) => (await direct.embed(texts)).map((v) => Array.from(v));
const asArrays = (vectors: Float32Array[]) => vectors.map((v) => Array.from(v));
const rejectionOf = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error);

describe('MicroBatcher', () => {
  test('coalesces calls made in the same tick into one batch', async () => {
    const inner = new RecordingEmbedder();
    const batcher = new MicroBatcher({ inner, maxWaitMs: 2 });
    await Promise.all(['a', 'b', 'c', 'd', 'e'].map((t) => batcher.embed([t])));
    expect(inner.batches).toEqual([['a', 'b', 'c', 'd', 'e']]);
    expect(batcher.stats).toEqual({ batches: 1, texts: 5 });
  });

  test('gives every caller its own vectors in its own order', async () => {
    const batcher = new MicroBatcher({ inner: new RecordingEmbedder() });
    const calls = [['cat', 'dog'], ['car'], ['one', 'two', 'three']];
    const results = await Promise.all(calls.map((texts) => batcher.embed(texts)));
    for (const [i, texts] of calls.entries()) expect(asArrays(results[i]!)).toEqual(await expected(texts));
  });

  test('never sends more than maxBatchSize texts in one batch, splitting large calls', async () => {
    const inner = new RecordingEmbedder();
    const batcher = new MicroBatcher({ inner, maxBatchSize: 4 });
    const calls = Array.from({ length: 7 }, (_, i) => [`q${i} first`, `q${i} second`, `q${i} third`]);
    const results = await Promise.all(calls.map((texts) => batcher.embed(texts)));
    expect(inner.batches.every((batch) => batch.length <= 4)).toBe(true);
    expect(inner.batches).toHaveLength(6); // 21 texts: five full batches of 4 and one of 1
    expect(inner.batches.flat()).toHaveLength(21);
    for (const [i, texts] of calls.entries()) expect(asArrays(results[i]!)).toEqual(await expected(texts));
  });

  test('sends a lone call after maxWaitMs without waiting for a full batch', async () => {
    const inner = new RecordingEmbedder();
    const batcher = new MicroBatcher({ inner, maxBatchSize: 64, maxWaitMs: 1 });
    expect(asArrays(await batcher.embed(['alone']))).toEqual(await expected(['alone']));
    expect(inner.batches).toEqual([['alone']]);
  });

  test('collects texts that arrive while a batch runs into the next batch', async () => {
    const inner = new RecordingEmbedder();
    inner.hold = true;
    const batcher = new MicroBatcher({ inner, maxWaitMs: 1 });
    const first = batcher.embed(['first']);
    while (inner.batches.length === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    const later = ['second', 'third', 'fourth'].map((t) => batcher.embed([t]));
    await new Promise((resolve) => setTimeout(resolve, 5)); // longer than maxWaitMs: the wait alone must not send
    expect(inner.batches).toHaveLength(1);
    inner.releaseAll();
    await Promise.all([first, ...later]);
    expect(inner.batches).toEqual([['first'], ['second', 'third', 'fourth']]);
  });

  test('rejects only the calls whose batch failed', async () => {
    const inner = new RecordingEmbedder();
    const batcher = new MicroBatcher({ inner, maxBatchSize: 2 });
    const [a, poisoned, b] = [batcher.embed(['ok a']), batcher.embed(['poison']), batcher.embed(['ok b'])];
    expect(await rejectionOf(a)).toMatchObject({ code: 'failed' }); // shared a batch with the poison
    expect(await rejectionOf(poisoned)).toMatchObject({ code: 'failed' });
    expect(asArrays(await b)).toEqual(await expected(['ok b']));
  });

  test('embeds identical texts once and still gives each caller its own buffer', async () => {
    const inner = new RecordingEmbedder();
    const batcher = new MicroBatcher({ inner });
    const [[x], [y]] = await Promise.all([batcher.embed(['same']), batcher.embed(['same'])]);
    expect(inner.batches).toEqual([['same']]);
    expect(Array.from(x!)).toEqual(Array.from(y!));
    expect(x!.buffer).not.toBe(y!.buffer);
  });

  test('rejects at once with code overloaded when the queue is full', async () => {
    const inner = new RecordingEmbedder();
    inner.hold = true;
    const batcher = new MicroBatcher({ inner, maxBatchSize: 2, maxQueuedTexts: 3 });
    const running = batcher.embed(['a', 'b']); // sent at once: a full batch
    const queued = batcher.embed(['c', 'd', 'e']);
    expect(await rejectionOf(batcher.embed(['f']))).toMatchObject({ code: 'overloaded' });
    inner.releaseAll();
    expect((await Promise.all([running, queued])).flat()).toHaveLength(5);
  });

  test('close() rejects queued calls with code closed and closes the inner embedder', async () => {
    const inner = new RecordingEmbedder();
    inner.hold = true;
    const batcher = new MicroBatcher({ inner, maxBatchSize: 1 });
    const running = rejectionOf(batcher.embed(['running']));
    const queued = rejectionOf(batcher.embed(['queued']));
    await batcher.close();
    expect(await queued).toMatchObject({ code: 'closed' });
    expect(inner.closed).toBe(true);
    expect(await rejectionOf(batcher.embed(['after']))).toMatchObject({ code: 'closed' });
    inner.releaseAll();
    expect(await running).toBeUndefined(); // already with the inner embedder: it finishes normally
  });
});
