/**
 * Measures the vector indexes: HNSW recall against exact search and queries per second of flat vs HNSW, on seeded
 * synthetic unit vectors. Not run by tests (performance is measured, not asserted).
 *
 * Run: `bun embeddings/bench-vector-index.ts [--quick] [--dims 512] [--sizes 1000,10000] [--threads N] [--no-sweep]`
 *
 * Workloads, both at `--dims` (default 512, USE lite):
 * - random: uniformly random stored vectors and queries. The worst case for HNSW (no structure; the true top 10
 *   sit at cosine ≈ 0.15 among thousands of near-equal rivals); recall@1 and recall@10 vs FlatIndex.
 * - paraphrase: clustered stored vectors (clusters of 50 at cosine 0.8 to their centre, members ≈ 0.64 apart)
 *   and queries at cosine 0.9 to one stored vector: the shape of a semantic-cache lookup. recall@1 vs FlatIndex.
 * Speed: one query at a time (as the cache searches), k = 10, on one thread, time-boxed per cell. "native exact"
 * is usearch's SIMD brute force (`exactSearch`) over the same slab, as a reference for what the flat scan could
 * reach natively. Build: one bulk `upsertMany` per index (`--threads`, default 1 as in production).
 * The sweep (sizes 256…16k) compares flat and HNSW query time, which is where the AdaptiveIndex threshold comes from.
 */
import { exactSearch, MetricKind } from 'usearch';
import { FlatIndex } from './flat-index.ts';
import { HnswIndex } from './hnsw-index.ts';
import { clusteredUnitVectors, randomUnitVectors, seededRandom, unitVectorAtCosine } from './random-unit-vectors.ts';
import type { VectorEntry, VectorIndex } from './vector-index.ts';

const args = process.argv.slice(2);
const option = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const quick = args.includes('--quick');
const dimensions = Number(option('--dims') ?? 512);
const sizes = (option('--sizes') ?? (quick ? '1000,5000' : '1000,10000,100000')).split(',').map(Number);
// One build thread by default, like production: parallel builds are faster but not deterministic (hnsw-index.ts).
const buildThreads = Number(option('--threads') ?? 1);
const queryCount = quick ? 100 : 200;
const minTimeMs = quick ? 300 : 1000;
const K = 10;

const entriesOf = (vectors: Float32Array[]): VectorEntry[] => vectors.map((vector, i) => ({ id: `id-${i}`, vector }));

function timed<T>(work: () => T): { result: T; ms: number } {
  const started = performance.now();
  const result = work();
  return { result, ms: performance.now() - started };
}

/** Queries per second, one query at a time, cycling through `queries` until `minTimeMs` and 20 queries have passed. */
function queriesPerSecond(search: (query: Float32Array) => unknown, queries: Float32Array[]): number {
  for (let i = 0; i < Math.min(5, queries.length); i++) search(queries[i]!);
  let done = 0;
  const started = performance.now();
  let elapsed = 0;
  while (elapsed < minTimeMs || done < 20) {
    search(queries[done % queries.length]!);
    done++;
    elapsed = performance.now() - started;
  }
  return done / (elapsed / 1000);
}

function recallAt(k: number, exact: VectorIndex, approximate: VectorIndex, queries: Float32Array[]): number {
  let found = 0;
  for (const query of queries) {
    const truth = new Set(exact.search(query, k, -Infinity).map((m) => m.id));
    for (const m of approximate.search(query, k, -Infinity)) if (truth.has(m.id)) found++;
  }
  return found / (queries.length * k);
}

function slabOf(vectors: Float32Array[]): Float32Array {
  const slab = new Float32Array(vectors.length * dimensions);
  vectors.forEach((v, i) => slab.set(v, i * dimensions));
  return slab;
}

const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
function printTable(headers: string[], rows: string[][]): void {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const pad = (c: string, i: number) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!));
  const line = (cells: string[]) => `| ${cells.map(pad).join(' | ')} |`;
  console.log(line(headers));
  console.log(`|${widths.map((w, i) => (i === 0 ? ':' : '') + '-'.repeat(w + 1) + (i === 0 ? '' : ':')).join('|')}|`);
  for (const row of rows) console.log(line(row));
}

const hnswParams = new HnswIndex({ dimensions }).parameters;
console.log(
  `vector indexes, ${dimensions} dims, k=${K}, ${queryCount} queries; HNSW M=${hnswParams.connectivity} ` +
    `efConstruction=${hnswParams.expansionAdd} ef=${hnswParams.expansionSearch} metric=${hnswParams.metric}; ` +
    `build threads ${buildThreads}; Bun ${Bun.version}, ${navigator.hardwareConcurrency} cores, load ${loadAverage()}`,
);

const rows: string[][] = [];
for (const n of sizes) {
  const random = randomUnitVectors(n, dimensions, 1);
  const randomQueries = randomUnitVectors(queryCount, dimensions, 2);
  const flat = new FlatIndex({ dimensions });
  const flatBuild = timed(() => flat.upsertMany(entriesOf(random)));
  const hnsw = new HnswIndex({ dimensions, threads: buildThreads });
  const hnswBuild = timed(() => hnsw.upsertMany(entriesOf(random)));
  const r1 = recallAt(1, flat, hnsw, randomQueries);
  const r10 = recallAt(K, flat, hnsw, randomQueries);
  const flatQps = queriesPerSecond((q) => flat.search(q, K, -Infinity), randomQueries);
  const hnswQps = queriesPerSecond((q) => hnsw.search(q, K, -Infinity), randomQueries);
  const slab = slabOf(random);
  const nativeQps = queriesPerSecond((q) => exactSearch(slab, q, dimensions, K, MetricKind.IP, 1), randomQueries);
  const hnswMb = hnsw.memoryBytes() / 2 ** 20;
  flat.clear();
  hnsw.clear();

  // Paraphrase workload: fresh clustered data, queries near stored vectors.
  const clustered = clusteredUnitVectors(n, dimensions, 3);
  const rnd = seededRandom(4);
  const paraphrases = Array.from({ length: queryCount }, () =>
    unitVectorAtCosine(clustered[Math.floor(rnd() * n)]!, 0.9, rnd),
  );
  flat.upsertMany(entriesOf(clustered));
  hnsw.upsertMany(entriesOf(clustered));
  const p1 = recallAt(1, flat, hnsw, paraphrases);
  const p10 = recallAt(K, flat, hnsw, paraphrases);
  const paraHnswQps = queriesPerSecond((q) => hnsw.search(q, K, 0.85), paraphrases);
  flat.clear();
  hnsw.clear();

  rows.push([
    fmt(n),
    fmt(r1, 3),
    fmt(r10, 3),
    fmt(p1, 3),
    fmt(p10, 3),
    fmt(flatQps),
    fmt(nativeQps),
    fmt(hnswQps),
    fmt(paraHnswQps),
    fmt(flatBuild.ms),
    fmt(hnswBuild.ms / 1000, 1),
    fmt(hnswMb, 1),
  ]);
  // Progress with the row's figures, so a long run that is cut short still reports what it measured.
  console.error(`n=${n} done (load ${loadAverage()}): ${rows.at(-1)!.join(' | ')}`);
}
printTable(
  [
    'n',
    'rand r@1',
    'rand r@10',
    'para r@1',
    'para r@10',
    'flat q/s',
    'native exact q/s',
    'HNSW q/s',
    'HNSW q/s (para)',
    'flat build ms',
    'HNSW build s',
    'HNSW MiB (est)',
  ],
  rows,
);

if (!args.includes('--no-sweep')) {
  console.log(`\ncrossover sweep (${dimensions} dims, random data, k=${K}): mean query time, one query at a time`);
  const sweepRows: string[][] = [];
  for (const n of quick ? [256, 1024, 4096] : [256, 512, 1024, 2048, 4096, 8192, 16384]) {
    const vectors = randomUnitVectors(n, dimensions, 5);
    const queries = randomUnitVectors(50, dimensions, 6);
    const flat = new FlatIndex({ dimensions });
    flat.upsertMany(entriesOf(vectors));
    const hnsw = new HnswIndex({ dimensions, threads: buildThreads });
    hnsw.upsertMany(entriesOf(vectors));
    const flatUs = 1e6 / queriesPerSecond((q) => flat.search(q, K, -Infinity), queries);
    const hnswUs = 1e6 / queriesPerSecond((q) => hnsw.search(q, K, -Infinity), queries);
    const recall = recallAt(K, flat, hnsw, queries);
    sweepRows.push([fmt(n), fmt(flatUs), fmt(hnswUs), fmt(flatUs / hnswUs, 2), fmt(recall, 3)]);
  }
  printTable(['n', 'flat µs/query', 'HNSW µs/query', 'flat/HNSW', 'HNSW r@10'], sweepRows);
}

function loadAverage(): string {
  try {
    return require('node:os').loadavg()[0].toFixed(1);
  } catch {
    return '?';
  }
}
