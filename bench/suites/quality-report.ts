/**
 * Figures and tables of the quality suite: rates over pair outcomes (overall, per kind, language, tune/holdout
 * part), context-case counts, workload figures and latency by cache outcome, one row per configuration.
 */
import type { LatencySummary } from '../lib/histogram';
import type { PairOutcome, PairsReplay, WorkloadReplay } from '../lib/quality-replay';
import { fmt, type Cell, type Table } from '../lib/table';
import type { QualityConfig } from './quality';

export interface Rate {
  n: number;
  of: number;
  rate: number | null;
}

const rate = (n: number, of: number): Rate => ({ n, of, rate: of === 0 ? null : n / of });

export interface PairsSummary {
  pairs: number;
  /** Hits on `same: true` pairs: overall, per language, per part. */
  hit: Rate;
  hitByLang: Record<string, Rate>;
  hitByPart: Record<string, Rate>;
  /** Hits on `same: false` pairs. */
  falseHit: Rate;
  falseHitByKind: Record<string, Rate>;
  falseHitByLang: Record<string, Rate>;
  falseHitByPart: Record<string, Rate>;
  aNotMiss: number;
  foreignHits: number;
  errors: number;
  /** The `same: false` pairs that were served `a`'s answer: line, kind, lang, similarity. */
  falseHits: Array<{ line: number; kind: string; lang: string; similarity?: number; b: string }>;
  /** Similarities of `same: true` hits and of false hits (for choosing thresholds without rerunning). */
  hitSimilarities: number[];
  ms: number;
}

function rates(outcomes: PairOutcome[], by: (o: PairOutcome) => string): Record<string, Rate> {
  const groups: Record<string, PairOutcome[]> = {};
  for (const o of outcomes) (groups[by(o)] ??= []).push(o);
  return Object.fromEntries(Object.entries(groups).sort(([x], [y]) => (x < y ? -1 : 1)).map(([k, os]) => [k, rate(os.filter((o) => o.hit).length, os.length)]));
}

export function summarisePairs(replay: PairsReplay): PairsSummary {
  const same = replay.outcomes.filter((o) => o.same && o.b !== 'ERROR' && o.a !== 'ERROR');
  const different = replay.outcomes.filter((o) => !o.same && o.b !== 'ERROR' && o.a !== 'ERROR');
  const falseHits = different.filter((o) => o.hit);
  return {
    pairs: replay.outcomes.length,
    hit: rate(same.filter((o) => o.hit).length, same.length),
    hitByLang: rates(same, (o) => o.lang),
    hitByPart: rates(same, (o) => o.part),
    falseHit: rate(falseHits.length, different.length),
    falseHitByKind: rates(different, (o) => o.kind),
    falseHitByLang: rates(different, (o) => o.lang),
    falseHitByPart: rates(different, (o) => o.part),
    aNotMiss: replay.aNotMiss,
    foreignHits: replay.outcomes.filter((o) => o.foreign).length,
    errors: replay.stats.errors,
    falseHits: falseHits.map((o) => ({ line: o.line, kind: o.kind, lang: o.lang, b: o.b, ...(o.similarity !== undefined ? { similarity: o.similarity } : {}) })),
    hitSimilarities: same.filter((o) => o.hit && o.similarity !== undefined).map((o) => o.similarity!),
    ms: Math.round(replay.ms),
  };
}

export interface ContextSummary {
  cases: number;
  /** Per kind: hits (false hits for follow-up / system-prompt, right hits for same-context). */
  byKind: Record<string, Rate & { same: boolean }>;
  falseHit: Rate;
  hit: Rate;
  falseHits: Array<{ line: number; kind: string; lang: string; similarity?: number; b: string }>;
  aNotMiss: number;
  errors: number;
}

export function summariseContext(replay: PairsReplay): ContextSummary {
  const ok = replay.outcomes.filter((o) => o.b !== 'ERROR' && o.a !== 'ERROR');
  const byKind: ContextSummary['byKind'] = {};
  for (const [kind, r] of Object.entries(rates(ok, (o) => o.kind))) byKind[kind] = { ...r, same: ok.find((o) => o.kind === kind)!.same };
  const different = ok.filter((o) => !o.same);
  const same = ok.filter((o) => o.same);
  return {
    cases: replay.outcomes.length,
    byKind,
    falseHit: rate(different.filter((o) => o.hit).length, different.length),
    hit: rate(same.filter((o) => o.hit).length, same.length),
    falseHits: different
      .filter((o) => o.hit)
      .map((o) => ({ line: o.line, kind: o.kind, lang: o.lang, b: o.b, ...(o.similarity !== undefined ? { similarity: o.similarity } : {}) })),
    aNotMiss: replay.aNotMiss,
    errors: replay.stats.errors,
  };
}

export interface WorkloadSummary extends Omit<WorkloadReplay, 'stats' | 'ms'> {
  hitRate: number | null;
  oracleRate: number | null;
  /** Correct hits / oracle hits: the share of the servable repeats that the cache served correctly. */
  recallOfOracle: number | null;
  falsePerHit: number | null;
  /** Requests that needed no upstream call, by the mock's own count. */
  savedCalls: number;
  savedRate: number | null;
  /** Upstream calls the x-cache headers imply (MISS count): should equal `upstreamCalls`. */
  missHeaders: number;
  ms: number;
}

export function summariseWorkload(replay: WorkloadReplay): WorkloadSummary {
  const { stats, ms, ...rest } = replay;
  const div = (a: number, b: number) => (b === 0 ? null : a / b);
  return {
    ...rest,
    hitRate: div(replay.hits, replay.requests),
    oracleRate: div(replay.oracleHits, replay.requests),
    recallOfOracle: div(replay.correctHits, replay.oracleHits),
    falsePerHit: div(replay.falseHits, replay.hits),
    savedCalls: replay.requests - replay.upstreamCalls,
    savedRate: div(replay.requests - replay.upstreamCalls, replay.requests),
    missHeaders: stats.counts.MISS ?? 0,
    ms: Math.round(ms),
  };
}

export interface LatencyFigures {
  /** Client-side latency by x-cache outcome. */
  byOutcome: Record<string, LatencySummary>;
  /** The gateway's server-timing `embed` step by outcome. */
  embedByOutcome: Record<string, LatencySummary>;
  slowEmbeds: number;
  minHitSimilarity: number | null;
}

export interface ConfigResult {
  config: QualityConfig;
  /** sourceFingerprint() of the gateway's code when this configuration started. */
  source: string;
  startMs: number;
  wallMs: number;
  handwritten: PairsSummary;
  gptcache: PairsSummary;
  context: ContextSummary;
  workload: WorkloadSummary;
  /** Workload replay: sequential (c=1). */
  latencySequential: LatencyFigures;
  /** Pair and context replays: `concurrency` in flight. */
  latencyConcurrent: LatencyFigures;
  gatewayLog: Record<string, number>;
  gatewayLogSamples: string[];
}

const pct = (r: Rate | number | null | undefined): string => {
  const value = typeof r === 'number' || r === null || r === undefined ? r : r.rate;
  return value === null || value === undefined ? '-' : `${(value * 100).toFixed(1)}%`;
};
const frac = (r: Rate | undefined) => (r ? `${r.n}/${r.of}` : '-');
const ms = (s: LatencySummary | undefined, key: 'p50' | 'p99') => (s ? fmt(s[key]) : '-');

export interface TableOptions {
  concurrency: number;
  quick: boolean;
  dataNotes: string[];
}

export function qualityTables(results: ConfigResult[], options: TableOptions): Table[] {
  const tables: Table[] = [];
  tables.push({
    title: 'quality: summary per configuration (hit rates on same-meaning data, false hits on hard negatives / context cases / workload)',
    columns: ['config', 'embedder', 'threshold', 'verify', 'ctx part.', 'hw hit', 'hw false', 'hw false (holdout)', 'gptcache hit', 'ctx false', 'ctx hit', 'wl hit', 'wl oracle', 'wl hit/oracle', 'wl false/hits', 'saved', 'x-tenant', 'errors'],
    rows: results.map((r) => [
      r.config.id,
      r.config.embedder,
      r.config.threshold ?? (r.config.embedder === 'none' ? '-' : `default ${r.config.defaultThreshold ?? '?'}`),
      r.config.verify ? 'on' : 'off',
      r.config.partitionContext ? 'on' : 'off',
      pct(r.handwritten.hit),
      pct(r.handwritten.falseHit),
      pct(r.handwritten.falseHitByPart.holdout),
      pct(r.gptcache.hit),
      frac(r.context.falseHit),
      frac(r.context.hit),
      pct(r.workload.hitRate),
      pct(r.workload.oracleRate),
      pct(r.workload.recallOfOracle),
      pct(r.workload.falsePerHit),
      pct(r.workload.savedRate),
      r.workload.crossTenantHits,
      r.handwritten.errors + r.gptcache.errors + r.context.errors + r.workload.errors,
    ]),
    notes: [
      'hw = pairs-handwritten (same:true hit rate; same:false false-hit rate, holdout = the part `bun run calibrate` keeps aside); gptcache = paraphrases-gptcache (all same:true).',
      'ctx = context cases: false hits on follow-up + system-prompt cases, hits on same-context cases. wl = workload trace, replayed in seq order (c=1).',
      'wl hit/oracle = correct hits / requests whose (tenant, intent) appeared earlier; wl false/hits = hits served from another intent or tenant; saved = requests minus upstream calls (mock count).',
      'threshold "default X" = the gateway as shipped (no CACHE_SIMILARITY_THRESHOLD), X = the default src/cache/thresholds.ts gives the embedder. Every configuration runs in a fresh gateway process with its own PGlite.',
      ...options.dataNotes,
    ],
  });

  tables.push({
    title: 'quality: handwritten pairs, by language',
    columns: ['config', 'same:true hit', 'en', 'de', 'tune', 'holdout', 'same:false false hits', 'rate', 'en', 'de', 'tune', 'holdout', 'a not MISS', 'errors'],
    rows: results.map((r) => {
      const h = r.handwritten;
      return [
        r.config.id,
        frac(h.hit),
        pct(h.hitByLang.en),
        pct(h.hitByLang.de),
        pct(h.hitByPart.tune),
        pct(h.hitByPart.holdout),
        frac(h.falseHit),
        pct(h.falseHit),
        pct(h.falseHitByLang.en),
        pct(h.falseHitByLang.de),
        pct(h.falseHitByPart.tune),
        pct(h.falseHitByPart.holdout),
        h.aNotMiss,
        h.errors,
      ];
    }),
    notes: ['"a not MISS": the first request of a pair was not a MISS although its namespace was new (should be 0).'],
  });

  const kinds = [...new Set(results.flatMap((r) => Object.keys(r.handwritten.falseHitByKind)))].sort();
  const kindConfigs = results.filter((r) => !r.config.id.startsWith('hash@'));
  tables.push({
    title: 'quality: handwritten hard negatives, false hits by kind (false hits / pairs)',
    columns: ['kind', 'pairs', ...kindConfigs.map((r) => r.config.id)],
    rows: kinds.map((kind) => [kind, results[0]?.handwritten.falseHitByKind[kind]?.of, ...kindConfigs.map((r) => r.handwritten.falseHitByKind[kind]?.n)]),
    notes: ['Every hard negative gets its own namespace: `a` is stored, `b` must not be served `a`\'s answer.'],
  });

  tables.push({
    title: 'quality: GPTCache paraphrases (same:true, English documentation sentences)',
    columns: ['config', 'pairs', 'hits', 'hit rate', 'tune', 'holdout', 'errors'],
    rows: results.map((r) => [r.config.id, r.gptcache.pairs, r.gptcache.hit.n, pct(r.gptcache.hit), pct(r.gptcache.hitByPart.tune), pct(r.gptcache.hitByPart.holdout), r.gptcache.errors]),
  });

  const contextKinds = [...new Set(results.flatMap((r) => Object.keys(r.context.byKind)))].sort();
  tables.push({
    title: 'quality: context cases (same last user message or a paraphrase; earlier turns / system prompt decide)',
    columns: ['config', ...contextKinds.map((k) => `${k} (${results[0]?.context.byKind[k]?.same ? 'hits' : 'false hits'})`), 'errors'],
    rows: results.map((r) => [r.config.id, ...contextKinds.map((k) => frac(r.context.byKind[k])), r.context.errors]),
    notes: ['follow-up and system-prompt cases must not share an answer (a hit is a false hit); same-context cases may (a hit is right).'],
  });

  tables.push({
    title: 'quality: workload trace (sequential replay, one API key per tenant)',
    columns: ['config', 'requests', 'oracle', 'hits', 'exact', 'semantic', 'correct', 'false', 'false/hits', 'hit/oracle', 'upstream calls', 'MISS', 'saved', 'x-tenant', 'false: near-miss', 'false: one-off', 'false: other', 'errors'],
    rows: results.map((r) => {
      const w = r.workload;
      return [
        r.config.id,
        w.requests,
        w.oracleHits,
        w.hits,
        w.exactHits,
        w.semanticHits,
        w.correctHits,
        w.falseHits,
        pct(w.falsePerHit),
        pct(w.recallOfOracle),
        w.upstreamCalls,
        w.missHeaders,
        pct(w.savedRate),
        w.crossTenantHits,
        w.byClass['near-miss']?.falseHits ?? 0,
        w.byClass['one-off']?.falseHits ?? 0,
        w.falseHits - (w.byClass['near-miss']?.falseHits ?? 0) - (w.byClass['one-off']?.falseHits ?? 0),
        w.errors,
      ];
    }),
    notes: [
      'oracle = requests whose (tenant, intent) appeared earlier. A hit is correct only when x-cache-entry names an entry stored by an earlier MISS of the same tenant and intent.',
      'upstream calls = chat requests the mock received during the replay (MISS = responses saying so; the two should agree); x-tenant = hits served from another tenant\'s entry (must be 0).',
      'false: near-miss / one-off / other = false hits on requests of near-miss intents (sides of hard negatives), one-off questions, and popular or rare intents.',
    ],
  });

  const withEmbedder = results.filter((r) => r.config.embedder !== 'none');
  tables.push({
    title: 'quality: latency by cache outcome, client side, ms (mock upstream answers instantly)',
    columns: ['config', 'c=1 MISS p50', 'p99', 'SEMANTIC_HIT p50', 'p99', 'n', 'HIT p50', `c=${options.concurrency} MISS p50`, 'p99', 'SEMANTIC_HIT p50', 'p99', 'n', 'embed p50 (c=1)', `embed p50 (c=${options.concurrency})`, 'slow embeds'],
    rows: withEmbedder.map((r) => {
      const seq = r.latencySequential.byOutcome;
      const con = r.latencyConcurrent.byOutcome;
      return [
        r.config.id,
        ms(seq.MISS, 'p50'),
        ms(seq.MISS, 'p99'),
        ms(seq.SEMANTIC_HIT, 'p50'),
        ms(seq.SEMANTIC_HIT, 'p99'),
        seq.SEMANTIC_HIT?.count ?? 0,
        ms(seq.HIT, 'p50'),
        ms(con.MISS, 'p50'),
        ms(con.MISS, 'p99'),
        ms(con.SEMANTIC_HIT, 'p50'),
        ms(con.SEMANTIC_HIT, 'p99'),
        con.SEMANTIC_HIT?.count ?? 0,
        ms(r.latencySequential.embedByOutcome.MISS ?? r.latencySequential.embedByOutcome.SEMANTIC_HIT, 'p50'),
        ms(r.latencyConcurrent.embedByOutcome.MISS ?? r.latencyConcurrent.embedByOutcome.SEMANTIC_HIT, 'p50'),
        r.latencySequential.slowEmbeds + r.latencyConcurrent.slowEmbeds,
      ];
    }),
    notes: [
      'c=1: the workload replay, one request at a time. c=N: the pair and context replays (N pairs in flight, each storing `a` then asking `b`).',
      'A MISS here costs embedding + store with a mock that answers in ~0 ms; against a real LLM a MISS adds seconds. embed = the gateway\'s server-timing embed step.',
      'slow embeds = responses whose embed step took >= 95% of EMBEDDINGS_TIMEOUT_MS (a timed-out embedding is served as a MISS, which lowers hit rates).',
    ],
  });

  const logRows = results.filter((r) => Object.keys(r.gatewayLog).length > 0);
  if (logRows.length > 0) {
    tables.push({
      title: 'quality: gateway warn/error log lines during the run',
      columns: ['config', 'events'],
      rows: logRows.map((r) => [r.config.id, Object.entries(r.gatewayLog).map(([k, v]) => `${k} x${v}`).join(', ')] as Cell[]),
    });
  }
  return tables;
}
