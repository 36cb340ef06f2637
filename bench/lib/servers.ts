/**
 * The servers a bench talks to, each in its own process so that the load generator and the bench never share
 * an event loop with them: the standalone mock upstream (`src/llm/mock-upstream.main.ts`) and one gateway
 * (`src/main.ts`). Both are started from the repository root with the same Bun that runs the bench.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, spawnManaged, waitForHttp, type ManagedProcess } from './processes';
import { cpuMsOf, memoryOf, type MemoryReading } from './procfs';

export interface BenchServer {
  /** Origin, e.g. `http://127.0.0.1:40123` (no trailing slash, no path). */
  origin: string;
  port: number;
  pid: number;
  process: ManagedProcess;
  memory(): MemoryReading | undefined;
  /** CPU time used so far (user + system, all threads), ms. */
  cpuMs(): number | undefined;
  stop(): Promise<void>;
}

export interface MockServer extends BenchServer {
  /** OpenAI base URL: `${origin}/v1`. */
  baseUrl: string;
  /** Chat requests the mock has received since it started (`GET /__mock/stats`). */
  requestCount(): Promise<number>;
}

export interface MockOptions {
  rootDir: string;
  latencyMs?: number;
  tokensPerSec?: number;
  /** When set, the mock requires `Authorization: Bearer <apiKey>` on /v1/*. */
  apiKey?: string;
  startTimeoutMs?: number;
}

/** Environment of the bench without anything that configures the gateway or the mock: children get only what we pass. */
function baseEnv(): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const key of Object.keys(env)) {
    if (/^(PORT|HOST|DATABASE_URL|DATA_DIR|DB_POOL_MAX|REDIS_URL|INSTANCE_ID|LLM_.*|DEEPSEEK_API_KEY|EMBEDDINGS_.*|CACHE_.*|GATEWAY_API_KEYS|RATE_LIMIT_.*|MAX_BODY_BYTES|SHUTDOWN_GRACE_MS|LOG_LEVEL|MOCK_.*|TRUST_PROXY)$/.test(key)) {
      delete env[key];
    }
  }
  return env;
}

function withProc(proc: ManagedProcess) {
  return { pid: proc.pid, process: proc, memory: () => memoryOf(proc.pid), cpuMs: () => cpuMsOf(proc.pid) };
}

export async function startMock(options: MockOptions): Promise<MockServer> {
  const proc = spawnManaged({
    name: 'mock-upstream',
    cmd: [process.execPath, 'run', 'src/llm/mock-upstream.main.ts'],
    cwd: options.rootDir,
    env: {
      ...baseEnv(),
      MOCK_PORT: '0',
      MOCK_HOST: '127.0.0.1',
      MOCK_LATENCY_MS: String(options.latencyMs ?? 0),
      MOCK_TOKENS_PER_SEC: String(options.tokensPerSec ?? 0),
      MOCK_API_KEY: options.apiKey,
    },
  });
  try {
    const baseUrl = await proc.waitForLine(
      (_line, json) => (json?.event === 'mock_upstream.listening' && typeof json.url === 'string' ? json.url : undefined),
      options.startTimeoutMs ?? 20_000,
    );
    const origin = baseUrl.replace(/\/v1\/?$/, '');
    await waitForHttp(`${origin}/health`, { timeoutMs: 5_000, exited: proc.exited, name: 'mock-upstream' });
    return {
      origin,
      baseUrl,
      port: Number(new URL(origin).port),
      ...withProc(proc),
      async requestCount() {
        const response = await fetch(`${origin}/__mock/stats`);
        const stats = (await response.json()) as { requests: number };
        return stats.requests;
      },
      stop: () => proc.stop(),
    };
  } catch (error) {
    await proc.stop(1000);
    throw error;
  }
}

export interface GatewayOptions {
  rootDir: string;
  /** The upstream's OpenAI base URL, e.g. `mock.baseUrl`. */
  llmBaseUrl: string;
  llmApiKey?: string;
  /** `GATEWAY_API_KEYS`; unset = open single-tenant mode. */
  apiKeys?: string;
  databaseUrl?: string;
  redisUrl?: string;
  logLevel?: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  /**
   * Extra gateway variables, applied last. By default the bench lifts the per-key rate limits out of the way
   * (a load generator is one key sending thousands of requests per second) and shortens the shutdown grace.
   */
  env?: Record<string, string | undefined>;
  /** How long to wait for readiness (migrations, embedder load). Default 90 s. */
  startTimeoutMs?: number;
  /** Arguments for Bun before `run`, e.g. `cpuProfileArgs(dir)`. */
  bunArgs?: string[];
}

/**
 * Bun flags that write a CPU profile (Chrome .cpuprofile plus a grep-friendly Markdown summary) into `dir` when
 * the process exits gracefully, which `stop()` gives it. The profile includes start-up (migrations).
 */
export function cpuProfileArgs(dir: string): string[] {
  return ['--cpu-prof', '--cpu-prof-md', `--cpu-prof-dir=${dir}`];
}

export interface GatewayServer extends BenchServer {
  /** The gateway's own `gateway.started` fields when it logged them (LOG_LEVEL info or lower), else undefined. */
  started: Record<string, unknown> | undefined;
  dataDir: string;
  /** The readiness report at start (`GET /api/v1/performance/health`). */
  health: unknown;
}

export async function startGateway(options: GatewayOptions): Promise<GatewayServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-gateway-'));
  // With LOG_LEVEL=warn the gateway does not log `gateway.started` (info), so we choose the port ourselves;
  // when the line does appear, its URL wins.
  const port = freePort();
  const proc = spawnManaged({
    name: 'gateway',
    cmd: [process.execPath, ...(options.bunArgs ?? []), 'run', 'src/main.ts'],
    cwd: options.rootDir,
    env: {
      ...baseEnv(),
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      LLM_BASE_URL: options.llmBaseUrl,
      LLM_API_KEY: options.llmApiKey ?? 'sk-bench',
      LOG_LEVEL: options.logLevel ?? 'warn',
      GATEWAY_API_KEYS: options.apiKeys,
      DATABASE_URL: options.databaseUrl,
      REDIS_URL: options.redisUrl,
      RATE_LIMIT_CHAT_PER_SEC: '1000000',
      RATE_LIMIT_API_PER_SEC: '1000000',
      SHUTDOWN_GRACE_MS: '3000',
      ...options.env,
    },
  });
  // Removed whenever the gateway exits, also when an interrupted bench kills it outside our `finally`.
  void proc.exited.then(() => rmSync(dataDir, { recursive: true, force: true }));
  let started: Record<string, unknown> | undefined;
  void proc
    .waitForLine((_line, json) => (json?.event === 'gateway.started' ? json : undefined), options.startTimeoutMs ?? 90_000)
    .then((json) => (started = json))
    .catch(() => undefined);
  const stop = async () => {
    await proc.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const fallback = `http://127.0.0.1:${port}`;
    await waitForHttp(`${fallback}/api/v1/performance/health`, { timeoutMs: options.startTimeoutMs ?? 90_000, exited: proc.exited, name: 'gateway' });
    const origin = typeof started?.url === 'string' ? started.url : fallback;
    const health = await fetch(`${origin}/api/v1/performance/health`).then((r) => r.json());
    return { origin, port: Number(new URL(origin).port), started, dataDir, health, ...withProc(proc), stop };
  } catch (error) {
    await stop();
    const tail = proc.tail().join('\n');
    throw new Error(`${error instanceof Error ? error.message : String(error)}${tail ? `\nLast gateway output:\n${tail}` : ''}`);
  }
}
