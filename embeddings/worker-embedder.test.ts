import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeEmbedder } from './fake-embedder.ts';
import { generateTinyModel } from './tiny-model/generate.ts';
import { TransformersEmbedder } from './transformers-embedder.ts';
import { WorkerEmbedder } from './worker-embedder.ts';

let modelDir: string;
beforeAll(async () => {
  modelDir = await mkdtemp(join(tmpdir(), 'worker-embedder-'));
  await generateTinyModel({ dir: modelDir });
});
afterAll(() => rm(modelDir, { recursive: true, force: true }));

const nextTick = () => new Promise((resolve) => setTimeout(resolve, 0));
// Bun 1.4's `expect(promise).rejects` waits without delivering Worker messages (only timers fire), so a rejection
// that arrives by postMessage would look like a timeout. Settle the promise first, then assert.
const rejectionOf = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error);
const texts = ['How do I reset my password?', 'Wie spät ist es in München?', ''];

describe('WorkerEmbedder', () => {
  test('returns the same vectors as the same embedder in-process', async () => {
    const spec = { kind: 'transformers' as const, modelDir, modelId: 'test/tiny-bert' };
    const inWorker = await WorkerEmbedder.start({ spec });
    const inProcess = await TransformersEmbedder.create({ modelDir, modelId: 'test/tiny-bert' });
    try {
      expect(inWorker.modelId).toBe(inProcess.modelId);
      expect(inWorker.dimensions).toBe(inProcess.dimensions);
      expect(inWorker.runtime).toBe('worker/onnxruntime-node');
      const [a, b] = [await inWorker.embed(texts), await inProcess.embed(texts)];
      expect(a.map((v) => Array.from(v))).toEqual(b.map((v) => Array.from(v)));
    } finally {
      await Promise.all([inWorker.close(), inProcess.close()]);
    }
  });

  test('rejects with the worker’s error code when embedding fails, and keeps working', async () => {
    const embedder = await WorkerEmbedder.start({ spec: { kind: 'fake', failOn: 'poison' } });
    try {
      const error = await rejectionOf(embedder.embed(['fine', 'poison pill']));
      expect(error).toMatchObject({ name: 'EmbedderError', code: 'failed' });
      const [vector] = await embedder.embed(['fine']);
      expect(Array.from(vector!)).toEqual(Array.from((await new FakeEmbedder().embed(['fine']))[0]!));
    } finally {
      await embedder.close();
    }
  });

  test('rejects with code timeout when a call outlives its deadline', async () => {
    const embedder = await WorkerEmbedder.start({ spec: { kind: 'fake', busyMs: 600 }, timeoutMs: 50 });
    try {
      expect(await rejectionOf(embedder.embed(['slow']))).toMatchObject({ name: 'EmbedderError', code: 'timeout' });
    } finally {
      await embedder.close();
    }
  });

  test('keeps the main event loop turning while the worker embeds a long batch', async () => {
    const embedder = await WorkerEmbedder.start({ spec: { kind: 'fake', busyMs: 400 }, timeoutMs: 30_000 });
    try {
      const order: string[] = [];
      let done = false;
      const embedding = embedder.embed(['a long batch']).then(() => {
        done = true;
        order.push('embedding');
      });
      setTimeout(() => order.push('timer'), 0);
      let turns = 0;
      while (!done) {
        await nextTick();
        turns++;
      }
      await embedding;
      expect(order).toEqual(['timer', 'embedding']);
      // The loop turned many times during one call; in-process the same call blocks it (test below).
      expect(turns).toBeGreaterThan(5);
    } finally {
      await embedder.close();
    }
  });

  test('(contrast) in-process, the same slow call blocks the event loop until it is done', async () => {
    const embedder = new FakeEmbedder({ busyMs: 100 });
    const order: string[] = [];
    setTimeout(() => order.push('timer'), 0);
    await embedder.embed(['a long batch']).then(() => order.push('embedding'));
    await nextTick();
    expect(order).toEqual(['embedding', 'timer']);
  });

  test('rejects at once with code overloaded when too many calls are waiting', async () => {
    const embedder = await WorkerEmbedder.start({ spec: { kind: 'fake', busyMs: 200 }, maxPendingCalls: 2 });
    try {
      const first = embedder.embed(['one']);
      const second = embedder.embed(['two']);
      expect(await rejectionOf(embedder.embed(['three']))).toMatchObject({ code: 'overloaded' });
      expect(await Promise.all([first, second])).toHaveLength(2);
    } finally {
      await embedder.close();
    }
  });

  test('fails to start with the loader’s code when the model is missing, and stops the worker', async () => {
    const attempt = WorkerEmbedder.start({ spec: { kind: 'transformers', modelDir, modelId: 'absent/model' } });
    expect(await rejectionOf(attempt)).toMatchObject({ name: 'EmbedderError', code: 'model_not_found' });
  });

  test('close() terminates a busy worker and rejects pending and later calls with code closed', async () => {
    const embedder = await WorkerEmbedder.start({ spec: { kind: 'fake', busyMs: 3000 }, timeoutMs: 30_000 });
    const pending = rejectionOf(embedder.embed(['stuck']));
    await nextTick();
    await embedder.close();
    expect(await pending).toMatchObject({ code: 'closed' });
    expect(await rejectionOf(embedder.embed(['after']))).toMatchObject({ code: 'closed' });
  });
});
