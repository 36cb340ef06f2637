import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateTinyModel } from './tiny-model/generate.ts';
import { TransformersEmbedder } from './transformers-embedder.ts';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'transformers-embedder-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

const dirFor = (name: string) => join(root, name);

describe('TransformersEmbedder', () => {
  test('reads the tiny BERT from <modelDir>/<modelId> and reports its hidden size as dimensions', async () => {
    const modelDir = dirFor('plain');
    await generateTinyModel({ dir: modelDir, hiddenSize: 24 });
    const embedder = await TransformersEmbedder.create({ modelDir, modelId: 'test/tiny-bert' });
    try {
      expect(embedder.dimensions).toBe(24);
      expect(embedder.dtype).toBe('fp32');
      expect(embedder.modelId).toBe('test/tiny-bert@fp32');
      const [vector] = await embedder.embed(['hello world']);
      expect(vector!.length).toBe(24);
    } finally {
      await embedder.close();
    }
  });

  test('prefers onnx/model_quantized.onnx when both ONNX files are present', async () => {
    const modelDir = dirFor('both');
    await generateTinyModel({ dir: modelDir, onnxFileNames: ['model.onnx', 'model_quantized.onnx'] });
    const embedder = await TransformersEmbedder.create({ modelDir, modelId: 'test/tiny-bert' });
    try {
      expect(embedder.dtype).toBe('q8');
      expect(embedder.modelId).toBe('test/tiny-bert@q8');
    } finally {
      await embedder.close();
    }
  });

  test('embeds calls larger than maxBatchSize in chunks with the same results', async () => {
    const modelDir = dirFor('chunks');
    await generateTinyModel({ dir: modelDir });
    const embedder = await TransformersEmbedder.create({ modelDir, modelId: 'test/tiny-bert', maxBatchSize: 2 });
    try {
      const texts = ['one', 'two dogs', 'three big cats', 'four', 'five small cars'];
      const all = await embedder.embed(texts);
      expect(all).toHaveLength(5);
      for (const [i, text] of texts.entries()) {
        const [alone] = await embedder.embed([text]);
        expect(Array.from(all[i]!)).toEqual(Array.from(alone!));
      }
    } finally {
      await embedder.close();
    }
  });

  test('rejects with model_not_found naming the folder and the pull command when the folder is missing', async () => {
    const modelDir = dirFor('empty');
    const attempt = TransformersEmbedder.create({ modelDir, modelId: 'Xenova/all-MiniLM-L6-v2' });
    await expect(attempt).rejects.toMatchObject({ name: 'EmbedderError', code: 'model_not_found' });
    await expect(attempt).rejects.toThrow(/Xenova\/all-MiniLM-L6-v2.*models:pull Xenova\/all-MiniLM-L6-v2/s);
  });

  test('lists every missing file when the folder is incomplete', async () => {
    const modelDir = dirFor('incomplete');
    const tiny = await generateTinyModel({ dir: modelDir });
    await rm(join(tiny.path, 'tokenizer.json'));
    await rm(join(tiny.path, 'onnx'), { recursive: true });
    const attempt = TransformersEmbedder.create({ modelDir, modelId: tiny.modelId });
    await expect(attempt).rejects.toMatchObject({ code: 'model_not_found' });
    await expect(attempt).rejects.toThrow(/tokenizer\.json.*onnx\/model_quantized\.onnx or onnx\/model\.onnx/);
  });

  test('rejects with code failed, not a hang, when the ONNX file is corrupt', async () => {
    const modelDir = dirFor('corrupt');
    const tiny = await generateTinyModel({ dir: modelDir });
    await writeFile(join(tiny.path, 'onnx', 'model.onnx'), 'this is not a protobuf');
    await expect(TransformersEmbedder.create({ modelDir, modelId: tiny.modelId })).rejects.toMatchObject({
      name: 'EmbedderError',
      code: 'failed',
    });
  });

  test('switches transformers.js remote loading off', async () => {
    const modelDir = dirFor('offline');
    await generateTinyModel({ dir: modelDir });
    const embedder = await TransformersEmbedder.create({ modelDir, modelId: 'test/tiny-bert' });
    const { env } = await import('@huggingface/transformers');
    expect(env.allowRemoteModels).toBe(false);
    expect(env.localModelPath).toBe(modelDir);
    await embedder.close();
  });
});
