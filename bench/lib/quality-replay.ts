/**
 * Replays the quality data through a running gateway and scores every answer (see ../shared/data/README.md,
 * "How to measure"):
 *
 * - pairs: store `a` (expected MISS), then ask `b` in the same tenant and namespace, one namespace per pair so
 *   pairs never see each other's entries. A hit on `b` is right for `same: true` and a false hit for `same: false`.
 * - context cases: the same with `a.messages` then `b.messages`.
 * - workload: sequential, in `seq` order, one API key per tenant. A hit is correct only when the entry it came
 *   from (`x-cache-entry`) was stored by an earlier request with the same tenant and intent; the entry's owner is
 *   learned from the MISS responses that stored it.
 */
import { chat, isHit, OutcomeStats, pool } from './quality-client';
import type { ChatMessage, ContextCase, LabelledPair, SplitPart, WorkloadRequest } from './quality-data';
import { splitPart } from './quality-data';

export interface ReplayTarget {
  origin: string;
  signal?: AbortSignal;
  concurrency: number;
}

/** One pair's (or context case's) outcome, compact enough to keep every one in the results JSON. */
export interface PairOutcome {
  line: number;
  same: boolean;
  kind: string;
  lang: string;
  part: SplitPart;
  /** x-cache of `a` and of `b`. */
  a: string;
  b: string;
  hit: boolean;
  similarity?: number;
  /** `b` was a hit on an entry other than the one `a` stored (cannot happen with one namespace per pair). */
  foreign?: boolean;
}

export interface PairsReplay {
  outcomes: PairOutcome[];
  /** `a` answered something other than MISS (every `a` is new in its namespace, so this is a gateway bug). */
  aNotMiss: number;
  stats: OutcomeStats;
  ms: number;
}

async function replayTwoStep(
  target: ReplayTarget,
  items: ReadonlyArray<{ a: ChatMessage[]; b: ChatMessage[]; meta: Omit<PairOutcome, 'a' | 'b' | 'hit' | 'similarity' | 'foreign'> }>,
  apiKey: string,
  namespacePrefix: string,
  stats: OutcomeStats,
): Promise<PairsReplay> {
  const started = performance.now();
  let aNotMiss = 0;
  const outcomes = await pool(
    items,
    target.concurrency,
    async (item, i) => {
      const namespace = `${namespacePrefix}-${i}`;
      const first = await chat(target.origin, { apiKey, namespace, messages: item.a });
      stats.add(first);
      if (first.cache !== 'MISS') aNotMiss++;
      const second = await chat(target.origin, { apiKey, namespace, messages: item.b });
      stats.add(second);
      const hit = isHit(second.cache);
      const outcome: PairOutcome = { ...item.meta, a: first.cache, b: second.cache, hit };
      if (second.similarity !== undefined) outcome.similarity = second.similarity;
      if (hit && first.entry !== undefined && second.entry !== first.entry) outcome.foreign = true;
      return outcome;
    },
    target.signal,
  );
  return { outcomes, aNotMiss, stats, ms: performance.now() - started };
}

const user = (content: string): ChatMessage[] => [{ role: 'user', content }];

export function replayPairs(target: ReplayTarget, pairs: readonly LabelledPair[], apiKey: string, namespacePrefix: string, stats: OutcomeStats): Promise<PairsReplay> {
  return replayTwoStep(
    target,
    pairs.map((p) => ({ a: user(p.a), b: user(p.b), meta: { line: p.line, same: p.same, kind: p.kind, lang: p.lang, part: splitPart(p) } })),
    apiKey,
    namespacePrefix,
    stats,
  );
}

export function replayContext(target: ReplayTarget, cases: readonly ContextCase[], apiKey: string, namespacePrefix: string, stats: OutcomeStats): Promise<PairsReplay> {
  return replayTwoStep(
    target,
    cases.map((c) => ({ a: c.a.messages, b: c.b.messages, meta: { line: c.line, same: c.same, kind: c.kind, lang: c.lang, part: 'holdout' as SplitPart } })),
    apiKey,
    namespacePrefix,
    stats,
  );
}

export interface WorkloadFalseHit {
  seq: number;
  tenant: string;
  intent: string;
  class?: string;
  cache: string;
  similarity?: number;
  /** The request whose MISS stored the entry that was served. */
  servedFrom?: { seq: number; tenant: string; intent: string };
  crossTenant: boolean;
}

export interface WorkloadClassFigures {
  requests: number;
  oracleHits: number;
  hits: number;
  correctHits: number;
  falseHits: number;
}

export interface WorkloadReplay {
  requests: number;
  /** Requests whose (tenant, intent) appeared earlier: the most a perfect cache could serve. */
  oracleHits: number;
  hits: number;
  exactHits: number;
  semanticHits: number;
  correctHits: number;
  falseHits: number;
  crossTenantHits: number;
  /** Hits on an entry no MISS of this replay announced (should be 0). */
  unknownEntryHits: number;
  misses: number;
  errors: number;
  /** Chat requests the mock upstream received during the replay. */
  upstreamCalls: number;
  byClass: Record<string, WorkloadClassFigures>;
  byTenant: Record<string, WorkloadClassFigures>;
  falseHitList: WorkloadFalseHit[];
  stats: OutcomeStats;
  ms: number;
}

export async function replayWorkload(
  target: Omit<ReplayTarget, 'concurrency'>,
  trace: readonly WorkloadRequest[],
  apiKeys: Record<string, string>,
  upstreamCount: () => Promise<number>,
  stats: OutcomeStats,
): Promise<WorkloadReplay> {
  const started = performance.now();
  const callsBefore = await upstreamCount();
  const owners = new Map<string, { seq: number; tenant: string; intent: string }>();
  const seen = new Set<string>();
  const result: Omit<WorkloadReplay, 'upstreamCalls' | 'stats' | 'ms'> = {
    requests: 0,
    oracleHits: 0,
    hits: 0,
    exactHits: 0,
    semanticHits: 0,
    correctHits: 0,
    falseHits: 0,
    crossTenantHits: 0,
    unknownEntryHits: 0,
    misses: 0,
    errors: 0,
    byClass: {},
    byTenant: {},
    falseHitList: [],
  };
  const bucket = (map: Record<string, WorkloadClassFigures>, key: string) => (map[key] ??= { requests: 0, oracleHits: 0, hits: 0, correctHits: 0, falseHits: 0 });
  for (const request of trace) {
    if (target.signal?.aborted) throw new Error('interrupted');
    const apiKey = apiKeys[request.tenant];
    if (!apiKey) throw new Error(`workload seq ${request.seq}: no API key for tenant ${request.tenant}`);
    const outcome = await chat(target.origin, { apiKey, messages: user(request.prompt) });
    stats.add(outcome);
    const key = `${request.tenant}\u0000${request.intent}`;
    const repeat = seen.has(key);
    seen.add(key);
    const buckets = [bucket(result.byClass, request.class ?? '-'), bucket(result.byTenant, request.tenant)];
    result.requests++;
    for (const b of buckets) b.requests++;
    if (repeat) {
      result.oracleHits++;
      for (const b of buckets) b.oracleHits++;
    }
    if (outcome.cache === 'ERROR') {
      result.errors++;
      continue;
    }
    if (!isHit(outcome.cache)) {
      if (outcome.cache === 'MISS') result.misses++;
      if (outcome.entry && !owners.has(outcome.entry)) owners.set(outcome.entry, { seq: request.seq, tenant: request.tenant, intent: request.intent });
      continue;
    }
    result.hits++;
    if (outcome.cache === 'HIT') result.exactHits++;
    else result.semanticHits++;
    for (const b of buckets) b.hits++;
    const owner = outcome.entry ? owners.get(outcome.entry) : undefined;
    if (!owner) result.unknownEntryHits++;
    const crossTenant = owner !== undefined && owner.tenant !== request.tenant;
    if (crossTenant) result.crossTenantHits++;
    if (owner && owner.tenant === request.tenant && owner.intent === request.intent) {
      result.correctHits++;
      for (const b of buckets) b.correctHits++;
    } else {
      result.falseHits++;
      for (const b of buckets) b.falseHits++;
      const falseHit: WorkloadFalseHit = { seq: request.seq, tenant: request.tenant, intent: request.intent, cache: outcome.cache, crossTenant };
      if (request.class) falseHit.class = request.class;
      if (outcome.similarity !== undefined) falseHit.similarity = outcome.similarity;
      if (owner) falseHit.servedFrom = owner;
      result.falseHitList.push(falseHit);
    }
  }
  const upstreamCalls = (await upstreamCount()) - callsBefore;
  return { ...result, upstreamCalls, stats, ms: performance.now() - started };
}
