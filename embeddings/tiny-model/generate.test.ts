import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateTinyModel } from './generate.ts';
import { ProtobufWriter } from './protobuf-writer.ts';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tiny-model-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('ProtobufWriter', () => {
  test('encodes varints, negative int64 and strings as the protobuf encoding guide does', () => {
    // The examples of protobuf.dev/programming-guides/encoding: field 1 = 150 → 08 96 01;
    // field 2 = "testing" → 12 07 74 65 73 74 69 6e 67.
    expect(Array.from(new ProtobufWriter().varint(1, 150).finish())).toEqual([0x08, 0x96, 0x01]);
    expect(Array.from(new ProtobufWriter().string(2, 'testing').finish())).toEqual([
      0x12, 0x07, 0x74, 0x65, 0x73, 0x74, 0x69, 0x6e, 0x67,
    ]);
    // int64 -1 is ten bytes: nine 0xff and a final 0x01.
    expect(Array.from(new ProtobufWriter().varint(1, -1).finish())).toEqual([0x08, ...Array(9).fill(0xff), 0x01]);
  });
});

describe('generateTinyModel', () => {
  test('writes byte-identical files for the same seed and different weights for another seed', async () => {
    const a = await generateTinyModel({ dir: join(root, 'a'), seed: 7 });
    const b = await generateTinyModel({ dir: join(root, 'b'), seed: 7 });
    const c = await generateTinyModel({ dir: join(root, 'c'), seed: 8 });
    const onnx = (path: string) => readFile(join(path, 'onnx', 'model.onnx'));
    expect(Buffer.compare(await onnx(a.path), await onnx(b.path))).toBe(0);
    expect(Buffer.compare(await onnx(a.path), await onnx(c.path))).not.toBe(0);
    expect((await onnx(a.path)).byteLength).toBeLessThan(100_000);
  });

  test('produces a WordPiece tokenizer and a BERT graph that transformers.js loads and runs', async () => {
    const tiny = await generateTinyModel({ dir: join(root, 'run') });
    const { AutoModel, AutoTokenizer, env } = await import('@huggingface/transformers');
    env.allowRemoteModels = false;
    env.localModelPath = tiny.modelDir;
    const tokenizer = await AutoTokenizer.from_pretrained(tiny.modelId);
    expect(tokenizer.tokenize('Hello, world!')).toEqual(['hello', ',', 'w', '##o', '##r', '##l', '##d', '!']);
    const model = await AutoModel.from_pretrained(tiny.modelId, { dtype: 'fp32' });
    try {
      const inputs = tokenizer(['hello world', 'what is the capital of france?'], { padding: true });
      const { last_hidden_state } = await model(inputs);
      const [batch, sequence, hidden] = last_hidden_state.dims;
      expect([batch, hidden]).toEqual([2, tiny.hiddenSize]);
      expect(sequence).toBe(Number(inputs.input_ids.dims[1]));
    } finally {
      await model.dispose();
    }
  });
});
