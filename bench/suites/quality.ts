/**
 * Issue 3, item 9: how often the semantic cache answers, and how often it answers wrongly, measured through the
 * real HTTP API (`POST /v1/chat/completions`, non-streaming) of a gateway process in front of the mock upstream.
 *
 * Each configuration runs in a fresh gateway (fresh DATA_DIR, embedded PGlite) and replays, in one process but
 * in separate tenants: the handwritten pairs and the GPTCache paraphrases (one namespace per pair), the context
 * cases (one namespace per case), and the workload trace (tenants `city` and `county`, default namespace).
 *
 * Configurations: exact-match only (EMBEDDINGS_MODEL=none); a plain fixed-threshold cosine cache (USE, 0.85,
 * no verifier, no context partitioning); the gateway as shipped (USE, default threshold, verifier and context
 * partitioning on) and a threshold sweep of it; the same with the hashed n-gram embedder for comparison.
 * Data and method: ../shared/data/README.md and bench/README.md ("quality").
 */
import { defaultThreshold } from '../../src/cache/thresholds';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LabelledPair } from '../lib/quality-data';
import { everyNth, loadQualityData, type QualityData } from '../lib/quality-data';
import { OutcomeStats } from '../lib/quality-client';
import { replayContext, replayPairs, replayWorkload } from '../lib/quality-replay';
import { startGateway, startMock, type GatewayServer, type MockServer } from '../lib/servers';
import type { Suite, SuiteContext } from '../lib/suite';
import { qualityTables, summariseContext, summarisePairs, summariseWorkload, type ConfigResult, type LatencyFigures } from './quality-report';

export interface QualityConfig {
  id: string;
  embedder: 'none' | 'use' | 'hash';
  /** Undefined: the gateway's default for the embedder (as shipped). */
  threshold?: number;
  verify: boolean;
  partitionContext: boolean;
  role: 'baseline: exact only' | 'baseline: plain cosine' | 'shipped' | 'sweep' | 'comparison';
  /**
   * For `threshold: undefined`: the default src/cache/thresholds.ts gives this embedder's model id (looked up by
   * the id the embedder reports today; the replay checks no SEMANTIC_HIT scored below it).
   */
  defaultThreshold?: number;
}

/** Model ids the gateway's `use` and `hash` embedders report (embeddings/use-embedder.ts, fake-embedder.ts). */
const MODEL_IDS = { use: 'energetic-ai/use-lite-en@0.2.0', hash: 'fake/char-3gram-hash-v1-d256' } as const;

const KEYS = {
  pairs: 'sk-quality-pairs-0001',
  context: 'sk-quality-context-01',
  city: 'sk-quality-city-00001',
  county: 'sk-quality-county-001',
};
const API_KEYS = `${KEYS.pairs}:pairs,${KEYS.context}:ctx,${KEYS.city}:city,${KEYS.county}:county`;
/** Pairs (each store-then-ask) in flight during the pair and context replays. */
const CONCURRENCY = 8;
const EMBED_TIMEOUT_MS = 2000;

export function qualityConfigs(quick: boolean): QualityConfig[] {
  const sweep = quick ? [0.75, 0.9] : [0.7, 0.75, 0.8, 0.85, 0.9];
  return [
    { id: 'exact', embedder: 'none', verify: true, partitionContext: true, role: 'baseline: exact only' },
    { id: 'cosine@0.85', embedder: 'use', threshold: 0.85, verify: false, partitionContext: false, role: 'baseline: plain cosine' },
    { id: 'use', embedder: 'use', verify: true, partitionContext: true, role: 'shipped', defaultThreshold: defaultThreshold(MODEL_IDS.use) },
    ...sweep.map((t): QualityConfig => ({ id: `use@${t.toFixed(2)}`, embedder: 'use', threshold: t, verify: true, partitionContext: true, role: 'sweep' })),
    { id: 'hash', embedder: 'hash', verify: true, partitionContext: true, role: 'comparison', defaultThreshold: defaultThreshold(MODEL_IDS.hash) },
    ...(quick ? [] : sweep.map((t): QualityConfig => ({ id: `hash@${t.toFixed(2)}`, embedder: 'hash', threshold: t, verify: true, partitionContext: true, role: 'sweep' }))),
  ];
}

function envFor(config: QualityConfig): Record<string, string> {
  return {
    EMBEDDINGS_MODEL: config.embedder,
    ...(config.threshold !== undefined ? { CACHE_SIMILARITY_THRESHOLD: String(config.threshold) } : {}),
    CACHE_VERIFY: String(config.verify),
    CACHE_PARTITION_CONTEXT: String(config.partitionContext),
    EMBEDDINGS_TIMEOUT_MS: String(EMBED_TIMEOUT_MS),
    RATE_LIMIT_CHAT_PER_SEC: '1000000',
    RATE_LIMIT_API_PER_SEC: '1000000',
  };
}

/** The data a run uses: everything, or for `--quick` a deterministic subset (every 2nd / 10th pair, first 300 requests). */
function selectData(data: QualityData, quick: boolean) {
  return {
    handwritten: everyNth<LabelledPair>(data.handwritten.rows, quick ? 2 : 1),
    gptcache: everyNth<LabelledPair>(data.gptcache.rows, quick ? 10 : 1),
    context: data.context.rows,
    workload: quick ? data.workload.rows.slice(0, 300) : data.workload.rows,
  };
}

/**
 * A hash of the gateway's source (src/, embeddings/, db/ without tests), taken as each configuration starts: the
 * cache and its verifier may be edited while a 15-minute run is going, and configurations that ran different code
 * must not be compared as if they had not.
 */
export function sourceFingerprint(rootDir: string): string {
  const hash = createHash('sha256');
  for (const dir of ['src', 'embeddings', 'db']) {
    let files: string[];
    try {
      files = readdirSync(join(rootDir, dir), { recursive: true, encoding: 'utf8' });
    } catch {
      continue;
    }
    for (const file of files.filter((f) => /\.(ts|json|sql)$/.test(f) && !/\.test\.ts$/.test(f)).sort()) {
      try {
        hash.update(`${dir}/${file}\u0000`).update(readFileSync(join(rootDir, dir, file))).update('\u0000');
      } catch {
        // deleted between listing and reading: the next fingerprint shows the change
      }
    }
  }
  return hash.digest('hex').slice(0, 12);
}

/** Counts the gateway's warn/error log lines by event (kept for the report: a failing embedder shows up here). */
function watchLog(gateway: GatewayServer): { counts: Record<string, number>; samples: string[] } {
  const counts: Record<string, number> = {};
  const samples: string[] = [];
  void gateway.process
    .waitForLine((line, json) => {
      const level = typeof json?.level === 'string' ? json.level : /\b(error|warn)/i.test(line) ? 'unparsed' : undefined;
      if (level && level !== 'info' && level !== 'debug') {
        const key = `${level}:${typeof json?.event === 'string' ? json.event : typeof json?.msg === 'string' ? json.msg : 'line'}`;
        counts[key] = (counts[key] ?? 0) + 1;
        if (samples.length < 10) samples.push(line.slice(0, 500));
      }
      return undefined;
    }, 24 * 3600_000)
    .catch(() => undefined);
  return { counts, samples };
}

function latencyOf(stats: OutcomeStats): LatencyFigures {
  const json = stats.toJSON();
  return { byOutcome: json.latency, embedByOutcome: json.embed, slowEmbeds: json.slowEmbeds, minHitSimilarity: json.minHitSimilarity };
}

async function runConfig(ctx: SuiteContext, mock: MockServer, config: QualityConfig, data: ReturnType<typeof selectData>): Promise<ConfigResult> {
  const wallStart = performance.now();
  const source = sourceFingerprint(ctx.rootDir);
  ctx.log(`quality ${config.id}: starting gateway (EMBEDDINGS_MODEL=${config.embedder}, threshold ${config.threshold ?? 'default'}, verify ${config.verify}, context partition ${config.partitionContext})`);
  const gateway = await startGateway({
    rootDir: ctx.rootDir,
    llmBaseUrl: mock.baseUrl,
    apiKeys: API_KEYS,
    databaseUrl: undefined, // always a fresh embedded PGlite: an external database would carry entries between configs
    redisUrl: undefined,
    env: envFor(config),
    startTimeoutMs: 180_000,
  });
  const startMs = performance.now() - wallStart;
  const log = watchLog(gateway);
  try {
    const target = { origin: gateway.origin, signal: ctx.signal, concurrency: CONCURRENCY };
    const concurrent = new OutcomeStats(EMBED_TIMEOUT_MS);
    const sequential = new OutcomeStats(EMBED_TIMEOUT_MS);
    const step = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
      const started = performance.now();
      const result = await work();
      ctx.log(`quality ${config.id}: ${name} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
      return result;
    };
    const handwritten = summarisePairs(await step(`${data.handwritten.length} handwritten pairs`, () => replayPairs(target, data.handwritten, KEYS.pairs, 'hw', concurrent)));
    const gptcache = summarisePairs(await step(`${data.gptcache.length} gptcache pairs`, () => replayPairs(target, data.gptcache, KEYS.pairs, 'gc', concurrent)));
    const context = summariseContext(await step(`${data.context.length} context cases`, () => replayContext(target, data.context, KEYS.context, 'ctx', concurrent)));
    const workload = summariseWorkload(
      await step(`${data.workload.length} workload requests`, () =>
        replayWorkload({ origin: gateway.origin, signal: ctx.signal }, data.workload, { city: KEYS.city, county: KEYS.county }, () => mock.requestCount(), sequential),
      ),
    );
    const result: ConfigResult = {
      config,
      source,
      startMs: Math.round(startMs),
      wallMs: 0,
      handwritten,
      gptcache,
      context,
      workload,
      latencySequential: latencyOf(sequential),
      latencyConcurrent: latencyOf(concurrent),
      gatewayLog: log.counts,
      gatewayLogSamples: log.samples,
    };
    const threshold = config.threshold ?? config.defaultThreshold;
    const lowest = Math.min(concurrent.minHitSimilarity ?? 1, sequential.minHitSimilarity ?? 1);
    if (threshold !== undefined && lowest < threshold - 1e-4) {
      ctx.log(`quality ${config.id}: a SEMANTIC_HIT scored ${lowest} < threshold ${threshold} (the gateway's threshold is not the one this bench assumes)`);
    }
    const errors = concurrent.errors + sequential.errors;
    if (errors > 0) ctx.log(`quality ${config.id}: ${errors} failed requests, e.g. ${[...concurrent.errorSamples, ...sequential.errorSamples].slice(0, 3).join(' | ')}`);
    ctx.log(
      `quality ${config.id}: hw hit ${(handwritten.hit.rate ?? 0).toFixed(3)} false ${handwritten.falseHit.n}/${handwritten.falseHit.of}, ` +
        `gptcache hit ${(gptcache.hit.rate ?? 0).toFixed(3)}, ctx false ${context.falseHit.n}/${context.falseHit.of}, ` +
        `workload hits ${workload.hits} (false ${workload.falseHits}, cross-tenant ${workload.crossTenantHits}) of oracle ${workload.oracleHits}`,
    );
    return result;
  } finally {
    await gateway.stop();
  }
}

export const qualitySuite: Suite = {
  name: 'quality',
  description: 'semantic cache quality through the HTTP API: hit / false-hit rates on pairs, context cases, workload; baselines and a threshold sweep',
  async run(ctx) {
    const data = loadQualityData(ctx.rootDir);
    const selected = selectData(data, ctx.quick);
    const configs = qualityConfigs(ctx.quick);
    const dataNotes = [
      `data: ${[data.handwritten, data.gptcache, data.context, data.workload].map((d) => `${d.path.split('/').slice(-2).join('/')}${d.origin === 'bench' ? ' (written for the bench: the shared file is missing)' : ''}`).join(', ')}`,
      ctx.quick
        ? `--quick: every 2nd handwritten pair (${selected.handwritten.length}), every 10th GPTCache pair (${selected.gptcache.length}), all ${selected.context.length} context cases, first ${selected.workload.length} workload requests; fewer thresholds.`
        : `${selected.handwritten.length} handwritten pairs, ${selected.gptcache.length} GPTCache pairs, ${selected.context.length} context cases, ${selected.workload.length} workload requests.`,
    ];
    ctx.log(`quality: ${configs.length} configurations; ${dataNotes.join(' ')}`);
    const mock = await startMock({ rootDir: ctx.rootDir });
    const results: ConfigResult[] = [];
    const failures: Array<{ config: string; error: string }> = [];
    try {
      for (const config of configs) {
        if (ctx.signal.aborted) break;
        const started = performance.now();
        try {
          const result = await runConfig(ctx, mock, config, selected);
          result.wallMs = Math.round(performance.now() - started);
          results.push(result);
        } catch (error) {
          if (ctx.signal.aborted) break;
          const message = error instanceof Error ? error.message : String(error);
          failures.push({ config: config.id, error: message });
          ctx.log(`quality ${config.id}: FAILED: ${message}`);
        }
      }
    } finally {
      await mock.stop();
    }
    if (results.length === 0) throw new Error(`every configuration failed: ${failures.map((f) => `${f.config}: ${f.error}`).join('; ')}`);
    const sources = [...new Set(results.map((r) => r.source))];
    if (sources.length > 1) {
      dataNotes.push(
        `WARNING: the gateway's source changed during this run (${sources.length} versions: ${results.map((r) => `${r.config.id}=${r.source}`).join(', ')}); rows that ran different code may not be comparable (rerun when the code is quiet).`,
      );
      ctx.log(`quality: ${dataNotes.at(-1)}`);
    }
    const tables = qualityTables(results, { concurrency: CONCURRENCY, quick: ctx.quick, dataNotes });
    if (failures.length > 0) {
      tables.push({ title: 'quality: configurations that failed', columns: ['config', 'error'], rows: failures.map((f) => [f.config, f.error.split('\n')[0]]) });
    }
    return {
      tables,
      data: {
        concurrency: CONCURRENCY,
        embedTimeoutMs: EMBED_TIMEOUT_MS,
        data: Object.fromEntries(
          Object.entries(data).map(([name, source]) => [name, { path: source.path, origin: source.origin, rows: source.rows.length, used: selected[name as keyof typeof selected].length }]),
        ),
        configs: results,
        failures,
      },
    };
  },
};
