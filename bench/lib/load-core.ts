/**
 * The closed-loop load generator itself: `concurrency` virtual clients, each sending its next request as soon
 * as the previous one is fully read, over Bun's fetch (which keeps connections alive and reuses them by
 * default). Runs in whatever process calls it; benches call it through `runLoad` (load.ts), which runs it in a
 * separate Bun process so it never shares an event loop with the bench or a server.
 *
 * Window: requests that COMPLETE between `warmupMs` and `warmupMs + durationMs` are counted and timed; after
 * the window no new request starts and the ones in flight are awaited (so the servers are idle again before
 * the next measurement) but not counted. Errors are counted over the whole run, warm-up included.
 */
import { LatencyHistogram, type HistogramJson, type LatencySummary } from './histogram';

export type BodyFn = (seq: number, args: any) => string;

export interface LoadOptions {
  url: string;
  /** Default: POST when there is a body, else GET. */
  method?: string;
  headers?: Record<string, string>;
  /**
   * A fixed body, or a function of a per-run request counter (0, 1, 2, ...) and `bodyArgs`. When the load runs
   * in its own process the function is sent as source text: it must be self-contained (use only its arguments
   * and globals, no imports or captured variables); `runLoad` checks this before starting.
   */
  body?: string | BodyFn;
  /** JSON value passed to `body` as its second argument. */
  bodyArgs?: unknown;
  concurrency: number;
  durationMs: number;
  warmupMs?: number;
  /** Response headers whose values are tallied, e.g. `['x-cache']`. */
  countHeaders?: string[];
  /** After the window, how long in-flight requests may take before they are aborted. Default 30 s. */
  drainTimeoutMs?: number;
}

export interface LoadResult {
  /** Requests completed inside the measured window (successes + errors). */
  requests: number;
  /** Non-2xx statuses and network/read failures over the whole run, warm-up and drain included. Must be 0. */
  errors: number;
  /** Status code (or `network`) → count, whole run. */
  statuses: Record<string, number>;
  /** Up to 5 distinct error descriptions. */
  errorSamples: string[];
  /** Successful requests per second inside the window. */
  rps: number;
  /** Time to last byte of successful requests, ms. */
  latency: LatencySummary;
  /** Time to first body byte (headers if the body is empty), ms. */
  ttfb: LatencySummary;
  /** Every request sent, warm-up and drain included (compare with what the upstream saw). */
  sent: number;
  /** Response body bytes inside the window. */
  bytes: number;
  measuredMs: number;
  /** header → value → count, whole run. */
  headerCounts: Record<string, Record<string, number>>;
  /** CPU time of the process running the load during the window, ms, and as a share of one core. */
  loadCpuMs: number;
  loadCpuShare: number;
  histograms: { latency: HistogramJson; ttfb: HistogramJson };
}

export async function runLoadInProcess(options: LoadOptions): Promise<LoadResult> {
  const { url, concurrency, durationMs } = options;
  const warmupMs = options.warmupMs ?? 0;
  const headers = options.headers ?? {};
  const makeBody: ((seq: number) => string) | undefined =
    options.body === undefined ? undefined : typeof options.body === 'string' ? ((b) => () => b)(options.body) : ((fn) => (seq: number) => fn(seq, options.bodyArgs))(options.body);
  const method = options.method ?? (makeBody ? 'POST' : 'GET');
  const countHeaders = (options.countHeaders ?? []).map((h) => h.toLowerCase());
  const latency = new LatencyHistogram();
  const ttfb = new LatencyHistogram();
  const statuses: Record<string, number> = {};
  const headerCounts: Record<string, Record<string, number>> = Object.fromEntries(countHeaders.map((h) => [h, {}]));
  const errorSamples = new Set<string>();
  let errors = 0;
  let requests = 0;
  let bytes = 0;
  let sent = 0;
  let seq = 0;
  const abort = new AbortController();

  const t0 = performance.now();
  const windowStart = t0 + warmupMs;
  const windowEnd = windowStart + durationMs;
  let cpuAtStart: NodeJS.CpuUsage | undefined;
  let cpuAtEnd: NodeJS.CpuUsage | undefined;
  const startTimer = setTimeout(() => (cpuAtStart = process.cpuUsage()), Math.max(0, warmupMs));
  const endTimer = setTimeout(() => (cpuAtEnd = process.cpuUsage(cpuAtStart)), warmupMs + durationMs);

  const fail = (description: string) => {
    errors++;
    if (errorSamples.size < 5) errorSamples.add(description);
  };

  async function client(): Promise<void> {
    while (performance.now() < windowEnd && !abort.signal.aborted) {
      const body = makeBody?.(seq++);
      const started = performance.now();
      sent++;
      let firstByteAt = Number.NaN;
      let size = 0;
      let status = 0;
      try {
        const response = await fetch(url, { method, headers, body, signal: abort.signal });
        status = response.status;
        statuses[status] = (statuses[status] ?? 0) + 1;
        for (const h of countHeaders) {
          const value = response.headers.get(h) ?? '(none)';
          headerCounts[h]![value] = (headerCounts[h]![value] ?? 0) + 1;
        }
        if (response.body) {
          const reader = response.body.getReader();
          for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
            if (Number.isNaN(firstByteAt)) firstByteAt = performance.now();
            size += chunk.value.byteLength;
          }
        }
        if (Number.isNaN(firstByteAt)) firstByteAt = performance.now();
      } catch (error) {
        statuses.network = (statuses.network ?? 0) + 1;
        fail(`network: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
        // Do not spin on a refused connection.
        await Bun.sleep(10);
        continue;
      }
      const done = performance.now();
      const ok = status >= 200 && status < 300;
      if (!ok) fail(`status ${status}`);
      if (done >= windowStart && done <= windowEnd) {
        requests++;
        if (ok) {
          latency.record(done - started);
          ttfb.record(firstByteAt - started);
          bytes += size;
        }
      }
    }
  }

  const drainTimer = setTimeout(() => abort.abort(new Error('drain timeout')), warmupMs + durationMs + (options.drainTimeoutMs ?? 30_000));
  try {
    await Promise.all(Array.from({ length: concurrency }, client));
  } finally {
    clearTimeout(drainTimer);
    clearTimeout(startTimer);
    clearTimeout(endTimer);
  }
  const cpu = cpuAtEnd ?? process.cpuUsage(cpuAtStart);
  const loadCpuMs = (cpu.user + cpu.system) / 1000;
  return {
    requests,
    errors,
    statuses,
    errorSamples: [...errorSamples],
    rps: (latency.count * 1000) / durationMs,
    latency: latency.summary(),
    ttfb: ttfb.summary(),
    sent,
    bytes,
    measuredMs: durationMs,
    headerCounts,
    loadCpuMs,
    loadCpuShare: loadCpuMs / durationMs,
    histograms: { latency: latency.toJSON(), ttfb: ttfb.toJSON() },
  };
}
