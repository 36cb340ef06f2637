/**
 * The Embedder contract (embedder.ts), run against every adapter and decorator.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_EMBED_INPUT_CHARS, type Embedder } from './embedder.ts';
import { EmbedderPool } from './embedder-pool.ts';
import { FakeEmbedder } from './fake-embedder.ts';
import { MicroBatcher } from './micro-batcher.ts';
import { generateTinyModel } from './tiny-model/generate.ts';
import { TransformersEmbedder } from './transformers-embedder.ts';
import { UseEmbedder } from './use-embedder.ts';
import { WorkerEmbedder } from './worker-embedder.ts';

let modelDir: string;
beforeAll(async () => {
  modelDir = await mkdtemp(join(tmpdir(), 'embedder-contract-'));
  await generateTinyModel({ dir: modelDir });
});
afterAll(() => rm(modelDir, { recursive: true, force: true }));

const tiny = () => ({ kind: 'transformers' as const, modelDir, modelId: 'test/tiny-bert' });
const adapters: [string, () => Promise<Embedder>][] = [
  ['FakeEmbedder', async () => new FakeEmbedder()],
  ['TransformersEmbedder on the tiny BERT', () => TransformersEmbedder.create({ modelDir, modelId: 'test/tiny-bert' })],
  ['UseEmbedder (USE lite)', () => UseEmbedder.create()],
  ['WorkerEmbedder around the tiny BERT', () => WorkerEmbedder.start({ spec: tiny(), timeoutMs: 30_000 })],
  [
    'MicroBatcher around a pool of two WorkerEmbedders',
    async () => {
      const start = () => WorkerEmbedder.start({ spec: { kind: 'fake' }, timeoutMs: 30_000 });
      return new MicroBatcher({ inner: new EmbedderPool([await start(), await start()]), maxInFlight: 2 });
    },
  ],
  [
    'MicroBatcher around a WorkerEmbedder',
    async () => new MicroBatcher({ inner: await WorkerEmbedder.start({ spec: { kind: 'fake' }, timeoutMs: 30_000 }) }),
  ],
];

const norm = (v: Float32Array) => Math.sqrt(v.reduce((sum, x) => sum + x * x, 0));
const maxAbsDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i]!)), 0);
// Settle first, then assert: Bun 1.4's `expect(p).rejects` does not deliver Worker messages while it waits.
const rejectionOf = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error);
const texts = [
  'How do I reset my password?',
  'What is the weather in Berlin today?',
  'Write a python function to sort a list',
];

describe.each(adapters)('%s', (_name, make) => {
  let embedder: Embedder;
  beforeAll(async () => {
    embedder = await make();
  });
  afterAll(() => embedder.close());

  test('resolves an empty list for no texts', async () => {
    expect(await embedder.embed([])).toEqual([]);
  });

  test('returns one unit-length Float32Array of `dimensions` floats per text', async () => {
    const vectors = await embedder.embed(texts);
    expect(vectors).toHaveLength(texts.length);
    for (const v of vectors) {
      expect(v).toBeInstanceOf(Float32Array);
      expect(v.length).toBe(embedder.dimensions);
      expect(norm(v)).toBeCloseTo(1, 4);
    }
  });

  test('keeps input order: a permuted batch gives the same vectors permuted', async () => {
    const [a, b, c] = await embedder.embed(texts);
    const [c2, a2, b2] = await embedder.embed([texts[2]!, texts[0]!, texts[1]!]);
    expect(maxAbsDiff(a!, a2!)).toBeLessThan(1e-5);
    expect(maxAbsDiff(b!, b2!)).toBeLessThan(1e-5);
    expect(maxAbsDiff(c!, c2!)).toBeLessThan(1e-5);
  });

  test('embeds a batch exactly as it embeds each text alone', async () => {
    const batch = await embedder.embed(texts);
    for (const [i, text] of texts.entries()) {
      const [alone] = await embedder.embed([text]);
      expect(maxAbsDiff(batch[i]!, alone!)).toBeLessThan(1e-5);
    }
  });

  test('gives different texts different vectors', async () => {
    const [a, b] = await embedder.embed([texts[0]!, texts[1]!]);
    expect(maxAbsDiff(a!, b!)).toBeGreaterThan(1e-3);
  });

  test('gives every vector its own buffer', async () => {
    const vectors = await embedder.embed(texts);
    for (const v of vectors) {
      expect(v.byteOffset).toBe(0);
      expect(v.buffer.byteLength).toBe(4 * embedder.dimensions);
    }
  });

  test('embeds only the bounded prefix of a very long text', async () => {
    const prefix = 'please help me reset my account password '.repeat(60).slice(0, MAX_EMBED_INPUT_CHARS);
    const [short, long] = await embedder.embed([prefix, prefix + ' and then explain quantum physics in detail']);
    expect(maxAbsDiff(short!, long!)).toBeLessThan(1e-5);
  });

  test('embeds empty, blank and non-ASCII texts to unit vectors', async () => {
    const vectors = await embedder.embed(['', '   ', 'Grüß Gott, wie geht es? 👋', '東京の天気']);
    for (const v of vectors) expect(norm(v)).toBeCloseTo(1, 4);
  });

  test('rejects with code closed after close()', async () => {
    const other = await make();
    await other.close();
    await other.close(); // idempotent
    expect(await rejectionOf(other.embed(['hello']))).toMatchObject({ name: 'EmbedderError', code: 'closed' });
  });
});
