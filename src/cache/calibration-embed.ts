/**
 * Embeds calibration texts once and keeps the vectors in a cache file, so re-running the calibration (other
 * flags, other target) costs no inference. Only for the calibration tool: the gateway never reads this cache.
 *
 * Cache file: `<dir>/<modelId with unsafe characters replaced>.jsonl`, one `{"k": sha256(text), "v": base64 of
 * the Float32Array}` per line. Keyed by the embedder's `modelId`, so vectors of different models never mix; a
 * line that does not decode to `dimensions` floats is ignored (and re-embedded).
 */
import { createHash } from 'node:crypto';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Embedder } from '../../embeddings/embedder.ts';

export const DEFAULT_VECTOR_CACHE_DIR = join(tmpdir(), 'llm-gateway-calibration-vectors');

const keyOf = (text: string) => createHash('sha256').update(text).digest('hex');

function decode(base64: string, dimensions: number): Float32Array | undefined {
  const bytes = Buffer.from(base64, 'base64');
  if (bytes.byteLength !== dimensions * 4) return undefined;
  const vector = new Float32Array(dimensions);
  new Uint8Array(vector.buffer).set(bytes);
  return vector.every(Number.isFinite) ? vector : undefined;
}

export interface EmbedAllOptions {
  /** Where the vector cache lives; `false` disables it. Default: a folder in the OS temp dir. */
  cacheDir?: string | false;
  /** Texts per `embed` call (default: the embedder's `maxBatchSize`). */
  batchSize?: number;
  /** Told after each batch, e.g. for a progress line. */
  onProgress?: (done: number, total: number) => void;
}

/** A vector for every distinct text in `texts`, from the cache file where present, else from `embedder`. */
export async function embedAll(
  embedder: Embedder,
  texts: readonly string[],
  options: EmbedAllOptions = {},
): Promise<Map<string, Float32Array>> {
  const distinct = [...new Set(texts)];
  const vectors = new Map<string, Float32Array>();
  const cacheDir = options.cacheDir ?? DEFAULT_VECTOR_CACHE_DIR;
  const cacheFile = cacheDir === false ? undefined : join(cacheDir, `${embedder.modelId.replace(/[^\w.@-]+/g, '_')}.jsonl`);

  const cached = new Map<string, Float32Array>();
  if (cacheFile) {
    const text = await readFile(cacheFile, 'utf8').catch(() => '');
    for (const line of text.split('\n')) {
      if (!line) continue;
      try {
        const row = JSON.parse(line) as { k?: unknown; v?: unknown };
        if (typeof row.k !== 'string' || typeof row.v !== 'string') continue;
        const vector = decode(row.v, embedder.dimensions);
        if (vector) cached.set(row.k, vector);
      } catch {
        // A torn last line (interrupted run) is simply re-embedded.
      }
    }
  }

  const missing: string[] = [];
  for (const text of distinct) {
    const vector = cached.get(keyOf(text));
    if (vector) vectors.set(text, vector);
    else missing.push(text);
  }

  const batchSize = Math.max(1, options.batchSize ?? embedder.maxBatchSize);
  if (cacheFile && missing.length > 0) await mkdir(cacheDir as string, { recursive: true });
  for (let i = 0; i < missing.length; i += batchSize) {
    const batch = missing.slice(i, i + batchSize);
    const out = await embedder.embed(batch);
    const lines: string[] = [];
    batch.forEach((text, j) => {
      const vector = out[j]!;
      vectors.set(text, vector);
      lines.push(JSON.stringify({ k: keyOf(text), v: Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).toString('base64') }));
    });
    if (cacheFile) await appendFile(cacheFile, `${lines.join('\n')}\n`);
    options.onProgress?.(Math.min(i + batchSize, missing.length), missing.length);
  }
  return vectors;
}
