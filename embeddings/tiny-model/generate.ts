/**
 * Writes a tiny BERT-shaped model in the Hugging Face layout into `<dir>/<modelId>/`, for tests of the
 * transformers.js path without downloading anything:
 *
 *   config.json, tokenizer.json, tokenizer_config.json   (real formats, small WordPiece vocabulary)
 *   onnx/model.onnx                                        (real ONNX graph, random weights from a fixed seed)
 *
 * Graph (opset 14), same inputs and output as an exported BertModel:
 *   input_ids, attention_mask, token_type_ids: int64 [batch_size, sequence_length]
 *   positions = CumSum(attention_mask, axis 1) - 1            (BERT's position ids for right-padded input)
 *   x = Gather(word_emb, input_ids) + Gather(type_emb, token_type_ids) + Gather(pos_emb, positions)
 *   last_hidden_state = Tanh(MatMul(x, W) + b): float [batch_size, sequence_length, hidden]
 * Tokens do not attend to each other, so padding cannot change a token's state: a batch embeds exactly like its
 * texts one at a time, which the batching tests rely on. It is a shape-and-plumbing fixture, not a language model.
 *
 * Run directly: `bun embeddings/tiny-model/generate.ts <dir>`.
 */
import { seededRandom } from '../seeded-random';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeOnnxModel, ONNX_FLOAT, ONNX_INT64, type OnnxTensor } from './onnx-model.ts';
import { buildTokenizerFiles, buildVocabulary } from './tokenizer-files.ts';

export const TINY_MODEL_ID = 'test/tiny-bert';

export interface GenerateTinyModelOptions {
  /** The model root (what `env.localModelPath` / `modelDir` points at). */
  dir: string;
  modelId?: string;
  hiddenSize?: number;
  /** max_position_embeddings and the tokenizer's model_max_length. */
  maxPositions?: number;
  seed?: number;
  /** Which ONNX file names to write under `onnx/` (same bytes each), e.g. to test the quantized-first choice. */
  onnxFileNames?: string[];
}

export interface TinyModel {
  modelDir: string;
  modelId: string;
  /** `<modelDir>/<modelId>` */
  path: string;
  hiddenSize: number;
  vocabSize: number;
}

export async function generateTinyModel(options: GenerateTinyModelOptions): Promise<TinyModel> {
  const modelId = options.modelId ?? TINY_MODEL_ID;
  const hiddenSize = options.hiddenSize ?? 32;
  const maxPositions = options.maxPositions ?? 128;
  const random = seededRandom(options.seed ?? 42);
  const vocab = buildVocabulary();
  const path = join(options.dir, modelId);
  await mkdir(join(path, 'onnx'), { recursive: true });

  const uniform = (count: number, scale: number) =>
    Float32Array.from({ length: count }, () => (random() * 2 - 1) * scale);
  const gather = (table: string, ids: string, output: string) => ({
    opType: 'Gather',
    inputs: [table, ids],
    outputs: [output],
    intAttributes: { axis: 0 },
  });
  const initializers: OnnxTensor[] = [
    { name: 'word_embeddings', dims: [vocab.length, hiddenSize], data: uniform(vocab.length * hiddenSize, 1) },
    { name: 'token_type_embeddings', dims: [2, hiddenSize], data: uniform(2 * hiddenSize, 0.1) },
    { name: 'position_embeddings', dims: [maxPositions, hiddenSize], data: uniform(maxPositions * hiddenSize, 0.3) },
    // 1/sqrt(hidden) keeps MatMul outputs in tanh's non-saturated range (Glorot-style scaling).
    {
      name: 'dense_weight',
      dims: [hiddenSize, hiddenSize],
      data: uniform(hiddenSize * hiddenSize, 1 / Math.sqrt(hiddenSize)),
    },
    { name: 'dense_bias', dims: [hiddenSize], data: uniform(hiddenSize, 0.1) },
    { name: 'axis_one', dims: [], data: BigInt64Array.of(1n) },
    { name: 'int_one', dims: [], data: BigInt64Array.of(1n) },
  ];
  const dynamic = ['batch_size', 'sequence_length'];
  const onnx = encodeOnnxModel({
    irVersion: 8,
    opsetVersion: 14,
    graphName: 'tiny_bert',
    initializers,
    inputs: ['input_ids', 'attention_mask', 'token_type_ids'].map((name) => ({
      name,
      elemType: ONNX_INT64,
      shape: dynamic,
    })),
    outputs: [{ name: 'last_hidden_state', elemType: ONNX_FLOAT, shape: [...dynamic, hiddenSize] }],
    nodes: [
      { opType: 'CumSum', inputs: ['attention_mask', 'axis_one'], outputs: ['positions_from_one'] },
      { opType: 'Sub', inputs: ['positions_from_one', 'int_one'], outputs: ['position_ids'] },
      gather('word_embeddings', 'input_ids', 'word'),
      gather('token_type_embeddings', 'token_type_ids', 'type'),
      gather('position_embeddings', 'position_ids', 'position'),
      { opType: 'Add', inputs: ['word', 'type'], outputs: ['word_type'] },
      { opType: 'Add', inputs: ['word_type', 'position'], outputs: ['embedded'] },
      { opType: 'MatMul', inputs: ['embedded', 'dense_weight'], outputs: ['projected'] },
      { opType: 'Add', inputs: ['projected', 'dense_bias'], outputs: ['biased'] },
      { opType: 'Tanh', inputs: ['biased'], outputs: ['last_hidden_state'] },
    ],
  });

  for (const name of options.onnxFileNames ?? ['model.onnx']) await writeFile(join(path, 'onnx', name), onnx);
  const files = buildTokenizerFiles({ vocab, hiddenSize, maxPositions });
  for (const [name, content] of Object.entries(files)) {
    await writeFile(join(path, name), JSON.stringify(content, null, 2));
  }
  return { modelDir: options.dir, modelId, path, hiddenSize, vocabSize: vocab.length };
}

if (import.meta.main) {
  const dir = process.argv[2];
  if (!dir) {
    console.error('usage: bun embeddings/tiny-model/generate.ts <dir>');
    process.exit(2);
  }
  const model = await generateTinyModel({ dir });
  console.log(JSON.stringify(model));
}
