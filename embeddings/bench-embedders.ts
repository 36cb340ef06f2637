/**
 * Measures embeddings per second for each embedder and batch size, and how long the main event loop stalls.
 * Not run by tests (performance is measured, not asserted). Run: `bun embeddings/bench-embedders.ts [--quick]`.
 *
 * Every embedder runs in its own Worker (TF.js keeps one backend per thread, so wasm and cpu cannot share one),
 * so figures include the postMessage round trip, as in production. "micro-batched" fires every text as its own
 * concurrent single-text call through a MicroBatcher, the way request handlers call it under load.
 * Texts: the `a` side of ../shared/data/pairs-handwritten.dev.jsonl when present (real prompt lengths), else
 * synthetic questions.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Embedder } from './embedder.ts';
import type { EmbedderSpec } from './load-embedder.ts';
import { MicroBatcher } from './micro-batcher.ts';
import { generateTinyModel } from './tiny-model/generate.ts';
import { UseEmbedder } from './use-embedder.ts';
import { WorkerEmbedder } from './worker-embedder.ts';

const quick = process.argv.includes('--quick');
const DATA = join(import.meta.dir, '..', '..', 'shared', 'data', 'pairs-handwritten.dev.jsonl');

function loadTexts(): string[] {
  if (existsSync(DATA)) {
    const texts = readFileSync(DATA, 'utf8').split('\n').filter(Boolean).map((line) => String(JSON.parse(line).a));
    return [...new Set(texts)];
  }
  return Array.from({ length: 256 }, (_, i) => `How do I solve problem number ${i} with my account settings?`);
}

async function rate(embedder: Embedder, texts: string[], batchSize: number): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < texts.length; i += batchSize) await embedder.embed(texts.slice(i, i + batchSize));
  return texts.length / ((performance.now() - started) / 1000);
}

async function microBatchedRate(inner: Embedder, texts: string[]): Promise<{ perSecond: number; batches: number }> {
  const batcher = new MicroBatcher({ inner, maxWaitMs: 3 });
  const started = performance.now();
  await Promise.all(texts.map((text) => batcher.embed([text])));
  return { perSecond: texts.length / ((performance.now() - started) / 1000), batches: batcher.stats.batches };
}

/** Largest gap between 1 ms interval ticks while `work` runs: how long the event loop could not serve sockets. */
async function maxLoopStallMs(work: () => Promise<unknown>): Promise<number> {
  let last = performance.now();
  let worst = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last);
    last = now;
  }, 1);
  await work();
  clearInterval(timer);
  // A fully synchronous stall leaves no tick behind it, so the gap up to now counts too.
  return Math.max(worst, performance.now() - last);
}

const fmt = (n: number) => n.toFixed(n < 100 ? 1 : 0).padStart(7);

async function benchSpec(label: string, spec: EmbedderSpec, texts: string[], batchSizes: number[]) {
  const embedder = await WorkerEmbedder.start({ spec, timeoutMs: 600_000 });
  try {
    await embedder.embed(texts.slice(0, 8)); // warm-up: first inference allocates and JIT-compiles
    const row: Record<string, number> = {};
    for (const size of batchSizes) {
      row[size === 1 ? 'one-at-a-time' : `batch ${size}`] = await rate(embedder, texts, size);
    }
    const micro = await microBatchedRate(embedder, texts);
    row['micro-batched'] = micro.perSecond;
    console.log(
      `${label.padEnd(34)} ${Object.entries(row).map(([k, v]) => `${k}: ${fmt(v)}/s`).join('  ')}` +
        `  (${texts.length} texts, ${micro.batches} micro-batches, ${embedder.runtime})`,
    );
    return { label, runtime: embedder.runtime, texts: texts.length, ...row };
  } finally {
    await embedder.close();
  }
}

async function main() {
  const all = loadTexts();
  const sizes = [1, 16, 32, 64];
  const results = [];
  const meanChars = Math.round(all.reduce((sum, t) => sum + t.length, 0) / all.length);
  console.log(`texts: ${all.length} unique prompts, mean ${meanChars} chars`);
  const [many, few] = [all.slice(0, quick ? 64 : 192), all.slice(0, quick ? 16 : 64)];
  results.push(await benchSpec('USE lite, TF.js wasm', { kind: 'use', backend: 'wasm' }, many, sizes));
  // The pure-JS backend is ~10x slower: fewer texts keep the run short.
  results.push(await benchSpec('USE lite, TF.js cpu', { kind: 'use', backend: 'cpu' }, few, sizes));
  const dir = await mkdtemp(join(tmpdir(), 'bench-tiny-'));
  try {
    const tiny = await generateTinyModel({ dir });
    const spec: EmbedderSpec = { kind: 'transformers', modelDir: tiny.modelDir, modelId: tiny.modelId, threads: 1 };
    results.push(await benchSpec('tiny BERT (ONNX, 32-dim), 1 thread', spec, many, sizes));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  results.push(await benchSpec('fake n-gram hash', { kind: 'fake' }, all.slice(0, 192), sizes));

  // Event-loop stall: the same 64-text batch in-process vs in a Worker.
  const batch = all.slice(0, 64);
  const inProcess = await UseEmbedder.create({ backend: 'wasm' });
  await inProcess.embed(batch.slice(0, 8));
  const stallInProcess = await maxLoopStallMs(() => inProcess.embed(batch));
  const inWorker = await WorkerEmbedder.start({ spec: { kind: 'use', backend: 'wasm' }, timeoutMs: 600_000 });
  await inWorker.embed(batch.slice(0, 8));
  const stallInWorker = await maxLoopStallMs(() => inWorker.embed(batch));
  await inWorker.close();
  console.log(
    `event-loop stall while USE lite (wasm) embeds 64 texts: in-process ${stallInProcess.toFixed(1)} ms, ` +
      `in a Worker ${stallInWorker.toFixed(1)} ms`,
  );
  console.log(JSON.stringify({ results, stallMs: { inProcess: stallInProcess, inWorker: stallInWorker } }));
}

await main();
