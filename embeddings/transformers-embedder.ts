/**
 * Embedder on transformers.js (@huggingface/transformers v4, onnxruntime-node underneath): BERT-style sentence
 * embeddings by mean pooling over tokens (masked by attention) and L2 normalisation, which is how
 * sentence-transformers' all-MiniLM-L6-v2 and paraphrase-multilingual-MiniLM-L12-v2 are meant to be pooled
 * (their model cards; transformers.js' `pooling: 'mean', normalize: true`).
 *
 * Reads a Hugging Face-layout folder `<modelDir>/<modelId>/` and nothing else: config.json, tokenizer.json,
 * tokenizer_config.json and onnx/model_quantized.onnx (preferred: int8, ~4x smaller and faster on CPU) or
 * onnx/model.onnx. Remote loading is switched off, so a missing file is a clear `model_not_found` rejection
 * up front, never a download attempt or a hang. Put models there with `bun run models:pull` (models/README.md).
 */
import { access } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { embeddingPrefix, normalizeInPlace, type Embedder } from './embedder.ts';
import { EmbedderError, toEmbedderError } from './embedder-error.ts';

export const DEFAULT_ONNX_MODEL_ID = 'Xenova/all-MiniLM-L6-v2';

/** The files transformers.js reads for a feature-extraction pipeline, relative to `<modelDir>/<modelId>/`. */
export const REQUIRED_MODEL_FILES = ['config.json', 'tokenizer.json', 'tokenizer_config.json'] as const;
/** First one present wins; transformers.js maps dtype q8 → `_quantized`, fp32 → no suffix. */
const ONNX_CHOICES = [
  { file: 'onnx/model_quantized.onnx', dtype: 'q8' },
  { file: 'onnx/model.onnx', dtype: 'fp32' },
] as const;

export interface TransformersEmbedderOptions {
  /** Root folder of local models (EMBEDDINGS_MODEL_DIR); the model is read from `<modelDir>/<modelId>/`. */
  modelDir: string;
  modelId?: string;
  /** onnxruntime intra-op threads. Pinned (default 1) so inference cannot take every core from the event loop. */
  threads?: number;
  /** Texts per inference call; a batch is padded to its longest text, so very large batches waste work. */
  maxBatchSize?: number;
}

type FeatureExtractor = {
  (texts: string[], options: { pooling: 'mean'; normalize: boolean }): Promise<{ data: unknown; dims: number[] }>;
  dispose(): Promise<void>;
};

// transformers.js keeps `env` (localModelPath etc.) in module state; serialising loads keeps two embedders with
// different folders from reading each other's settings.
let loadQueue: Promise<unknown> = Promise.resolve();

export class TransformersEmbedder implements Embedder {
  readonly modelId: string;
  readonly dimensions: number;
  readonly maxBatchSize: number;
  /** The ONNX weights in use: `q8` (model_quantized.onnx) or `fp32` (model.onnx). */
  readonly dtype: 'q8' | 'fp32';
  readonly runtime = 'onnxruntime-node';
  private readonly extractor: FeatureExtractor;
  private closed = false;

  private constructor(fields: {
    modelId: string;
    dimensions: number;
    maxBatchSize: number;
    dtype: 'q8' | 'fp32';
    extractor: FeatureExtractor;
  }) {
    // The dtype is part of the id: int8 and fp32 weights give slightly different vectors that must not mix.
    this.modelId = `${fields.modelId}@${fields.dtype}`;
    this.dimensions = fields.dimensions;
    this.maxBatchSize = fields.maxBatchSize;
    this.dtype = fields.dtype;
    this.extractor = fields.extractor;
  }

  static async create(options: TransformersEmbedderOptions): Promise<TransformersEmbedder> {
    const modelId = options.modelId ?? DEFAULT_ONNX_MODEL_ID;
    // Absolute, so error messages and transformers.js agree on the folder whatever the working directory.
    const modelDir = resolve(options.modelDir);
    const dtype = await checkModelFolder(modelDir, modelId);
    const load = loadQueue.then(() => loadExtractor({ ...options, modelDir }, modelId, dtype));
    loadQueue = load.catch(() => undefined);
    const extractor = await load;
    // One probe both finds the output width (hidden_size is not named alike in every config) and fails start-up,
    // rather than the first request, when the graph cannot run.
    const [probe] = await runExtractor(extractor, ['dimension probe']);
    return new TransformersEmbedder({
      modelId,
      dimensions: probe!.length,
      maxBatchSize: options.maxBatchSize ?? 32,
      dtype,
      extractor,
    });
  }

  async embed(texts: string[]): Promise<Float32Array[]> {
    if (this.closed) throw new EmbedderError('closed', 'embedder is closed');
    if (texts.length === 0) return [];
    const out: Float32Array[] = [];
    for (let i = 0; i < texts.length; i += this.maxBatchSize) {
      const chunk = texts.slice(i, i + this.maxBatchSize).map((t) => embeddingPrefix(t));
      out.push(...(await runExtractor(this.extractor, chunk)));
    }
    return out;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.extractor.dispose();
  }
}

async function runExtractor(extractor: FeatureExtractor, texts: string[]): Promise<Float32Array[]> {
  try {
    const output = await extractor(texts, { pooling: 'mean', normalize: true });
    const [rows, width] = output.dims;
    if (!(output.data instanceof Float32Array) || rows !== texts.length || !width) {
      throw new EmbedderError('failed', `unexpected feature-extraction output dims [${output.dims.join(', ')}]`);
    }
    const data = output.data;
    // Copies (slice), so each vector owns its buffer; re-normalising also turns NaN output into an error.
    return Array.from({ length: rows }, (_, i) => normalizeInPlace(data.slice(i * width, (i + 1) * width)));
  } catch (error) {
    throw toEmbedderError(error);
  }
}

/** Fails with the full list of missing files, so one look tells the operator what to fix. */
async function checkModelFolder(modelDir: string, modelId: string): Promise<'q8' | 'fp32'> {
  const folder = join(modelDir, modelId);
  const exists = (file: string) => access(join(folder, file)).then(() => true, () => false);
  const missing = [];
  for (const file of REQUIRED_MODEL_FILES) if (!(await exists(file))) missing.push(file);
  let dtype: 'q8' | 'fp32' | undefined;
  for (const choice of ONNX_CHOICES) {
    if (await exists(choice.file)) {
      dtype = choice.dtype;
      break;
    }
  }
  if (!dtype) missing.push(ONNX_CHOICES.map((c) => c.file).join(' or '));
  if (missing.length > 0) {
    throw new EmbedderError(
      'model_not_found',
      `ONNX model "${modelId}" is incomplete in ${folder}: missing ${missing.join(', ')}. ` +
        `Download it on a machine with internet: \`bun run models:pull ${modelId}\` (embeddings/models/README.md).`,
    );
  }
  return dtype!;
}

async function loadExtractor(
  options: TransformersEmbedderOptions,
  modelId: string,
  dtype: 'q8' | 'fp32',
): Promise<FeatureExtractor> {
  try {
    const { env, pipeline, LogLevel } = await import('@huggingface/transformers');
    env.allowRemoteModels = false;
    env.allowLocalModels = true;
    env.localModelPath = options.modelDir;
    env.useFSCache = false;
    env.useBrowserCache = false;
    env.logLevel = LogLevel.ERROR;
    const threads = options.threads ?? 1;
    const extractor = await pipeline('feature-extraction', modelId, {
      device: 'cpu',
      dtype,
      local_files_only: true,
      session_options: { intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential' },
    });
    return extractor as unknown as FeatureExtractor;
  } catch (error) {
    throw toEmbedderError(error);
  }
}
