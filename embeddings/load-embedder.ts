/**
 * Builds a concrete Embedder from a plain, serialisable spec. The same function runs in-process and inside the
 * embedder Worker (a spec can cross `postMessage`; an Embedder cannot). Adapters are imported lazily, so asking
 * for the fake never loads onnxruntime or TF.js.
 */
import type { Embedder } from './embedder.ts';
import type { FakeEmbedderOptions } from './fake-embedder.ts';
import type { UseBackend } from './use-embedder.ts';

export type EmbedderSpec =
  | { kind: 'transformers'; modelDir: string; modelId?: string; threads?: number; maxBatchSize?: number }
  | { kind: 'use'; backend?: UseBackend | 'auto'; maxBatchSize?: number }
  | ({ kind: 'fake' } & FakeEmbedderOptions);

/** Something worth a log line that happened while loading, e.g. a backend fallback. */
export type EmbedderNotice = (event: string, fields: Record<string, unknown>) => void;

export async function loadEmbedder(spec: EmbedderSpec, onNotice?: EmbedderNotice): Promise<Embedder> {
  switch (spec.kind) {
    case 'transformers': {
      const { TransformersEmbedder } = await import('./transformers-embedder.ts');
      return TransformersEmbedder.create(spec);
    }
    case 'use': {
      const { UseEmbedder } = await import('./use-embedder.ts');
      return UseEmbedder.create({
        backend: spec.backend,
        maxBatchSize: spec.maxBatchSize,
        onFallback: (reason) => onNotice?.('embedder.backend_fallback', { from: 'wasm', to: 'cpu', reason }),
      });
    }
    case 'fake': {
      const { FakeEmbedder } = await import('./fake-embedder.ts');
      return new FakeEmbedder(spec);
    }
  }
}
