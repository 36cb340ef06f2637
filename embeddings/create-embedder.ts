/**
 * The one place that turns configuration into a ready Embedder: picks the model, starts it in a Worker (default)
 * and puts a MicroBatcher in front. `src/main.ts` calls this; tests build adapters directly or use FakeEmbedder.
 *
 * `name`:
 * - `auto` (default): the ONNX model when the folder `<modelDir>/<modelId>` exists, else USE lite (which ships in
 *   npm), and logs which and why. A folder that exists but is incomplete is an error, not a silent fallback: an
 *   operator who placed a model expects it to be used, and a changed modelId would orphan every cached entry.
 * - `transformers`: the ONNX model, failing with `model_not_found` if its files are missing.
 * - `use`: USE lite.
 * - `hash`: the deterministic n-gram FakeEmbedder (lexical only; for tests and baselines).
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Embedder } from './embedder.ts';
import { EmbedderPool } from './embedder-pool.ts';
import { loadEmbedder, type EmbedderSpec } from './load-embedder.ts';
import { MicroBatcher } from './micro-batcher.ts';
import { DEFAULT_ONNX_MODEL_ID } from './transformers-embedder.ts';
import type { UseBackend } from './use-embedder.ts';
import { WorkerEmbedder } from './worker-embedder.ts';

export type EmbedderName = 'auto' | 'transformers' | 'use' | 'hash';

/** Structural, so `src/log.ts`'s Logger fits without this leaf importing it. */
export interface EmbedderLogger {
  info(event: string, fields?: Record<string, unknown>): void;
  warn?(event: string, fields?: Record<string, unknown>): void;
}

export interface CreateEmbedderOptions {
  name?: EmbedderName;
  /** Root of local ONNX models (EMBEDDINGS_MODEL_DIR). */
  modelDir: string;
  /** ONNX model id under `modelDir`; default `Xenova/all-MiniLM-L6-v2`. */
  modelId?: string;
  /** onnxruntime intra-op threads (default 1). TF.js wasm is single-threaded under Bun regardless. */
  threads?: number;
  /** TF.js backend for USE lite: `auto` = wasm, falling back to cpu. */
  useBackend?: UseBackend | 'auto';
  /** Run inference in a Worker (default true). In-process, a long batch blocks the event loop. */
  useWorker?: boolean;
  /** Workers in the pool (default 1; only with `useWorker`): each runs one batch at a time on its own core. */
  workers?: number;
  /** Per-call deadline when in a Worker (default 2000 ms); past it the call rejects with code `timeout`. */
  timeoutMs?: number;
  /** Micro-batching settings, or `false` to call the embedder directly. */
  batching?: { maxBatchSize?: number; maxWaitMs?: number; maxQueuedTexts?: number } | false;
  logger?: EmbedderLogger;
}

export interface EmbedderChoice {
  spec: EmbedderSpec;
  /** Why this embedder, for the start-up log line. */
  reason: string;
}

/** Decides which embedder `options` select, without loading anything (cheap, testable). */
export async function chooseEmbedder(options: CreateEmbedderOptions): Promise<EmbedderChoice> {
  const name = options.name ?? 'auto';
  const modelId = options.modelId ?? DEFAULT_ONNX_MODEL_ID;
  const threads = options.threads ?? 1;
  const onnx: EmbedderSpec = { kind: 'transformers', modelDir: options.modelDir, modelId, threads };
  const use: EmbedderSpec = { kind: 'use', backend: options.useBackend ?? 'auto' };
  switch (name) {
    case 'transformers':
      return { spec: onnx, reason: 'configured: transformers' };
    case 'use':
      return { spec: use, reason: 'configured: use' };
    case 'hash':
      return { spec: { kind: 'fake' }, reason: 'configured: hash' };
    case 'auto': {
      const folder = join(options.modelDir, modelId);
      const isDir = await stat(folder).then((s) => s.isDirectory(), () => false);
      return isDir
        ? { spec: onnx, reason: `auto: ONNX model folder ${folder} exists` }
        : { spec: use, reason: `auto: no ONNX model folder at ${folder}; using USE lite shipped in npm` };
    }
  }
}

export async function createEmbedder(options: CreateEmbedderOptions): Promise<Embedder> {
  const { spec, reason } = await chooseEmbedder(options);
  const logger = options.logger;
  const notice = (event: string, fields: Record<string, unknown>) =>
    logger?.warn ? logger.warn(event, fields) : logger?.info(event, fields);
  const useWorker = options.useWorker ?? true;
  const started = performance.now();
  const workers = useWorker ? Math.max(1, Math.floor(options.workers ?? 1)) : 1;
  const startWorker = () => WorkerEmbedder.start({ spec, timeoutMs: options.timeoutMs, onNotice: notice });
  const base = !useWorker
    ? await loadEmbedder(spec, notice)
    : workers === 1
      ? await startWorker()
      : new EmbedderPool(await startAll(workers, startWorker));
  const embedder = options.batching === false ? base : new MicroBatcher({ inner: base, maxInFlight: workers, ...options.batching });
  logger?.info('embedder.selected', {
    kind: spec.kind,
    modelId: embedder.modelId,
    dimensions: embedder.dimensions,
    runtime: embedder.runtime,
    maxBatchSize: embedder.maxBatchSize,
    worker: useWorker,
    workers,
    loadMs: Math.round(performance.now() - started),
    reason,
  });
  return embedder;
}

/** Starts `count` members at once; if one fails, the others are closed and the failure is thrown. */
async function startAll(count: number, start: () => Promise<Embedder>): Promise<Embedder[]> {
  const results = await Promise.allSettled(Array.from({ length: count }, start));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  const started = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  if (failed) {
    await Promise.all(started.map((member) => member.close()));
    throw failed.reason;
  }
  return started;
}
