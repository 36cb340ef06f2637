/**
 * The quality suite's HTTP client: one non-streaming `POST /v1/chat/completions` at a time, reading the cache
 * headers (`x-cache`, `x-cache-similarity`, `x-cache-entry`, `server-timing`) and timing the whole exchange from
 * the client side (request sent to body read). Unlike `runLoad`, which drives closed-loop load for a duration,
 * a replay needs every single response's headers in a fixed order, so it runs in the bench process; at the
 * concurrency used here (<= 8) the client costs far less than the gateway's embedder.
 */
import { LatencyHistogram, type HistogramJson, type LatencySummary } from './histogram';
import type { ChatMessage } from './quality-data';

export interface ChatOutcome {
  /** HTTP status; 0 for a network error or timeout. */
  status: number;
  /** `x-cache` (HIT, SEMANTIC_HIT, MISS, BYPASS, REFRESH), `NONE` when absent, `ERROR` when the request failed. */
  cache: string;
  similarity?: number;
  entry?: string;
  /** Client-side latency, ms. */
  ms: number;
  /** `server-timing` durations by name (embed, search, upstream, total), ms. */
  timing: Record<string, number>;
  /** For failures: status and the start of the body (or the network error). */
  error?: string;
}

export interface ChatCall {
  apiKey: string;
  namespace?: string;
  messages: ChatMessage[];
  model?: string;
  timeoutMs?: number;
}

export const isHit = (cache: string) => cache === 'HIT' || cache === 'SEMANTIC_HIT';

function parseServerTiming(header: string | null): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of (header ?? '').split(',')) {
    const [name, ...params] = part.trim().split(';');
    const dur = params.map((p) => p.trim()).find((p) => p.startsWith('dur='));
    if (name && dur) out[name] = Number(dur.slice(4));
  }
  return out;
}

export async function chat(origin: string, call: ChatCall): Promise<ChatOutcome> {
  const headers: Record<string, string> = { 'content-type': 'application/json', authorization: `Bearer ${call.apiKey}` };
  if (call.namespace) headers['x-cache-namespace'] = call.namespace;
  const body = JSON.stringify({ model: call.model ?? 'deepseek-chat', messages: call.messages });
  const started = performance.now();
  try {
    const response = await fetch(`${origin}/v1/chat/completions`, { method: 'POST', headers, body, signal: AbortSignal.timeout(call.timeoutMs ?? 60_000) });
    const text = await response.text();
    const ms = performance.now() - started;
    const similarity = response.headers.get('x-cache-similarity');
    const outcome: ChatOutcome = {
      status: response.status,
      cache: response.headers.get('x-cache') ?? 'NONE',
      ms,
      timing: parseServerTiming(response.headers.get('server-timing')),
      ...(similarity !== null ? { similarity: Number(similarity) } : {}),
      ...(response.headers.get('x-cache-entry') ? { entry: response.headers.get('x-cache-entry')! } : {}),
    };
    if (response.status !== 200) {
      outcome.cache = 'ERROR';
      outcome.error = `${response.status} ${text.slice(0, 300)}`;
    }
    return outcome;
  } catch (error) {
    return { status: 0, cache: 'ERROR', ms: performance.now() - started, timing: {}, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  }
}

/** Runs `task` over `items` with at most `concurrency` in flight; results keep the items' order. */
export async function pool<T, R>(items: readonly T[], concurrency: number, task: (item: T, index: number) => Promise<R>, signal?: AbortSignal): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      if (signal?.aborted) throw new Error('interrupted');
      const i = next++;
      results[i] = await task(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}

/**
 * Latency by cache outcome, client side, plus the gateway's own `server-timing` embed duration: the figures the
 * suite reports for SEMANTIC_HIT vs MISS. Also counts failures and suspected embedder timeouts (a MISS whose
 * embed step took about EMBEDDINGS_TIMEOUT_MS), which would make hit rates look worse than the cache is.
 */
export class OutcomeStats {
  readonly latency = new Map<string, LatencyHistogram>();
  readonly embed = new Map<string, LatencyHistogram>();
  readonly counts: Record<string, number> = {};
  readonly statuses: Record<string, number> = {};
  readonly errorSamples: string[] = [];
  slowEmbeds = 0;
  /** Lowest x-cache-similarity of a SEMANTIC_HIT: no hit may score below the threshold in force. */
  minHitSimilarity: number | undefined;

  constructor(private readonly embedTimeoutMs = 2000) {}

  add(outcome: ChatOutcome): void {
    this.counts[outcome.cache] = (this.counts[outcome.cache] ?? 0) + 1;
    this.statuses[String(outcome.status)] = (this.statuses[String(outcome.status)] ?? 0) + 1;
    if (outcome.error) {
      if (this.errorSamples.length < 5) this.errorSamples.push(outcome.error);
      return;
    }
    if (outcome.cache === 'SEMANTIC_HIT' && outcome.similarity !== undefined) this.minHitSimilarity = Math.min(this.minHitSimilarity ?? 1, outcome.similarity);
    const histogram = (map: Map<string, LatencyHistogram>) => map.get(outcome.cache) ?? map.set(outcome.cache, new LatencyHistogram()).get(outcome.cache)!;
    histogram(this.latency).record(outcome.ms);
    const embedMs = outcome.timing.embed;
    if (embedMs !== undefined) {
      histogram(this.embed).record(embedMs);
      if (embedMs >= this.embedTimeoutMs * 0.95) this.slowEmbeds++;
    }
  }

  get errors(): number {
    return this.counts.ERROR ?? 0;
  }

  summary(cache: string): LatencySummary | undefined {
    return this.latency.get(cache)?.summary();
  }

  toJSON(): {
    counts: Record<string, number>;
    statuses: Record<string, number>;
    errorSamples: string[];
    slowEmbeds: number;
    minHitSimilarity: number | null;
    latency: Record<string, LatencySummary>;
    embed: Record<string, LatencySummary>;
    histograms: Record<string, HistogramJson>;
  } {
    const summaries = (map: Map<string, LatencyHistogram>) => Object.fromEntries([...map].map(([k, h]) => [k, h.summary()]));
    return {
      counts: this.counts,
      statuses: this.statuses,
      errorSamples: this.errorSamples,
      slowEmbeds: this.slowEmbeds,
      minHitSimilarity: this.minHitSimilarity ?? null,
      latency: summaries(this.latency),
      embed: summaries(this.embed),
      histograms: Object.fromEntries([...this.latency].map(([k, h]) => [k, h.toJSON()])),
    };
  }
}
