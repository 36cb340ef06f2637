import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chooseEmbedder, createEmbedder } from './create-embedder.ts';
import { generateTinyModel } from './tiny-model/generate.ts';
import { USE_LITE_MODEL_ID } from './use-embedder.ts';

let withModel: string;
let empty: string;
let incomplete: string;
beforeAll(async () => {
  withModel = await mkdtemp(join(tmpdir(), 'create-embedder-model-'));
  empty = await mkdtemp(join(tmpdir(), 'create-embedder-empty-'));
  incomplete = await mkdtemp(join(tmpdir(), 'create-embedder-incomplete-'));
  await generateTinyModel({ dir: withModel });
  await mkdir(join(incomplete, 'test', 'tiny-bert'), { recursive: true });
});
afterAll(() => Promise.all([withModel, empty, incomplete].map((dir) => rm(dir, { recursive: true, force: true }))));

function recordingLogger() {
  const lines: { level: string; event: string; fields?: Record<string, unknown> }[] = [];
  return {
    lines,
    info: (event: string, fields?: Record<string, unknown>) => lines.push({ level: 'info', event, fields }),
    warn: (event: string, fields?: Record<string, unknown>) => lines.push({ level: 'warn', event, fields }),
  };
}
const rejectionOf = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error);

describe('chooseEmbedder', () => {
  test('auto picks the ONNX model when <modelDir>/<modelId> exists', async () => {
    const { spec, reason } = await chooseEmbedder({ modelDir: withModel, modelId: 'test/tiny-bert', threads: 2 });
    expect(spec).toEqual({ kind: 'transformers', modelDir: withModel, modelId: 'test/tiny-bert', threads: 2 });
    expect(reason).toContain('exists');
  });

  test('auto picks USE lite when the model folder is absent, and says so', async () => {
    const { spec, reason } = await chooseEmbedder({ modelDir: empty });
    expect(spec).toEqual({ kind: 'use', backend: 'auto' });
    expect(reason).toContain(join(empty, 'Xenova/all-MiniLM-L6-v2'));
  });

  test('an explicit name wins over what is on disk', async () => {
    const onDisk = { modelDir: withModel, modelId: 'test/tiny-bert' };
    expect((await chooseEmbedder({ name: 'use', ...onDisk })).spec.kind).toBe('use');
    expect((await chooseEmbedder({ name: 'transformers', modelDir: empty })).spec.kind).toBe('transformers');
    expect((await chooseEmbedder({ name: 'hash', modelDir: empty })).spec.kind).toBe('fake');
  });
});

describe('createEmbedder', () => {
  test('auto starts the ONNX model in a worker behind a micro-batcher and logs the choice', async () => {
    const logger = recordingLogger();
    const embedder = await createEmbedder({ modelDir: withModel, modelId: 'test/tiny-bert', logger });
    try {
      expect(embedder.modelId).toBe('test/tiny-bert@fp32');
      expect(embedder.runtime).toBe('worker/onnxruntime-node');
      expect(embedder.constructor.name).toBe('MicroBatcher');
      expect(await embedder.embed(['hello', 'world'])).toHaveLength(2);
      const selected = logger.lines.find((line) => line.event === 'embedder.selected');
      expect(selected?.fields).toMatchObject({ kind: 'transformers', worker: true, modelId: 'test/tiny-bert@fp32' });
    } finally {
      await embedder.close();
    }
  });

  test('auto falls back to USE lite with no model folder and logs why', async () => {
    const logger = recordingLogger();
    const embedder = await createEmbedder({ modelDir: empty, logger, batching: false });
    try {
      expect(embedder.modelId).toBe(USE_LITE_MODEL_ID);
      expect(embedder.dimensions).toBe(512);
      expect(embedder.runtime).toBe('worker/tfjs-wasm');
      const selected = logger.lines.find((line) => line.event === 'embedder.selected');
      expect(String(selected?.fields?.reason)).toContain('no ONNX model folder');
    } finally {
      await embedder.close();
    }
  });

  test('an incomplete model folder fails with model_not_found instead of silently switching model', async () => {
    const attempt = createEmbedder({ modelDir: incomplete, modelId: 'test/tiny-bert' });
    expect(await rejectionOf(attempt)).toMatchObject({ name: 'EmbedderError', code: 'model_not_found' });
  });

  test('starts a pool of workers when asked for more than one, batching up to one batch per worker', async () => {
    const logger = recordingLogger();
    const embedder = await createEmbedder({ modelDir: withModel, modelId: 'test/tiny-bert', workers: 2, logger });
    try {
      const single = await createEmbedder({ modelDir: withModel, modelId: 'test/tiny-bert', useWorker: false });
      const vectors = await Promise.all([embedder.embed(['hello']), embedder.embed(['world', 'again'])]);
      expect(vectors[1]![1]).toEqual((await single.embed(['again']))[0]!);
      await single.close();
      const selected = logger.lines.find((line) => line.event === 'embedder.selected');
      expect(selected?.fields).toMatchObject({ worker: true, workers: 2 });
    } finally {
      await embedder.close();
    }
  });

  test('runs in-process when useWorker is false', async () => {
    const embedder = await createEmbedder({ modelDir: withModel, modelId: 'test/tiny-bert', useWorker: false });
    try {
      expect(embedder.runtime).toBe('onnxruntime-node');
      expect(await embedder.embed(['hello'])).toHaveLength(1);
    } finally {
      await embedder.close();
    }
  });
});
