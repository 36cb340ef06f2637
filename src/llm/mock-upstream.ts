/**
 * A standalone OpenAI-compatible server for tests, benches and demos: `POST /v1/chat/completions` (JSON and
 * SSE), `GET /v1/models`, `GET /health`, answering `mockAnswer` deterministically.
 *
 * Failure injection, programmatic (`script`) or over HTTP for other processes:
 * `POST /__mock/faults` (one fault or a list), `DELETE /__mock/faults`, `GET /__mock/stats`.
 * Faults form a FIFO applied to the next chat requests; see mock-faults.ts for the shapes.
 */
import type { Server } from 'bun';
import type { ChatMessage } from './llm-provider';
import { planMockAnswer } from './mock-answer';
import { createFaultQueue, parseFaults, type MockFault } from './mock-faults';
import { completionJson, cutJsonBody, errorJson, sseBody } from './mock-upstream-responses';

export interface MockUpstreamOptions {
  port?: number;
  hostname?: string;
  /** Delay before every answer (time to first byte). */
  latencyMs?: number;
  /** Pace of streamed content chunks; 0 = as fast as possible. */
  tokensPerSec?: number;
  /** When set, `/v1/*` requires `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** Listed by `GET /v1/models`; any model name is accepted for completions. */
  models?: string[];
  /** How many recent request bodies `requests.log` keeps. Default 1000. */
  logLimit?: number;
}

export interface ReceivedRequest {
  /** `performance.now()` when the request arrived, for measuring gaps between retries. */
  at: number;
  body: unknown;
  stream: boolean;
  requestId: string | null;
  /** The client's source port: equal ports on consecutive requests mean a reused keep-alive connection. */
  remotePort: number | undefined;
}

export interface MockUpstream {
  /** Base URL ending in `/v1`, as an OpenAI client's `baseURL`. */
  url: string;
  port: number;
  requests: {
    /** Chat requests received since start (or the last `clear`), including faulted ones. */
    readonly count: number;
    /** The most recent chat requests, oldest first. */
    readonly log: readonly ReceivedRequest[];
    clear(): void;
  };
  /** Queues faults for the next chat requests. */
  script(...faults: MockFault[]): void;
  clearFaults(): void;
  stats(): MockUpstreamStats;
  stop(): Promise<void>;
}

export interface MockUpstreamStats {
  requests: number;
  /** Requests not yet answered with headers (waiting out latency or hanging); open streams are not counted. */
  inFlight: number;
  faultsQueued: number;
}

const json = (body: unknown, status = 200, headers: Record<string, string> = {}) => Response.json(body, { status, headers });

export function startMockUpstream(options: MockUpstreamOptions = {}): MockUpstream {
  const latencyMs = options.latencyMs ?? 0;
  const tokenDelayMs = options.tokensPerSec && options.tokensPerSec > 0 ? 1000 / options.tokensPerSec : 0;
  const models = options.models ?? ['deepseek-chat', 'deepseek-reasoner', 'mock-model'];
  const logLimit = options.logLimit ?? 1000;
  const faults = createFaultQueue();
  const log: ReceivedRequest[] = [];
  const hanging = new Set<() => void>();
  let count = 0;
  let inFlight = 0;

  function authorized(request: Request): boolean {
    return options.apiKey === undefined || request.headers.get('authorization') === `Bearer ${options.apiKey}`;
  }

  const unauthorized = () =>
    json({ error: { message: 'Incorrect API key provided.', type: 'invalid_request_error', param: null, code: 'invalid_api_key' } }, 401);

  async function chat(request: Request, remotePort: number | undefined): Promise<Response> {
    let body: { model?: unknown; messages?: unknown; stream?: unknown; stream_options?: { include_usage?: unknown } } & Record<string, unknown>;
    try {
      body = await request.json();
    } catch {
      return json({ error: { message: 'We could not parse the JSON body of your request.', type: 'invalid_request_error', param: null, code: null } }, 400);
    }
    const stream = body?.stream === true;
    count++;
    log.push({ at: performance.now(), body, stream, requestId: request.headers.get('x-request-id'), remotePort });
    if (log.length > logLimit) log.splice(0, log.length - logLimit);
    // Checked after counting, so tests can assert that a refused key was tried exactly once.
    if (!authorized(request)) return unauthorized();
    if (typeof body?.model !== 'string' || !Array.isArray(body.messages)) {
      return json({ error: { message: "'model' and 'messages' are required.", type: 'invalid_request_error', param: 'messages', code: null } }, 400);
    }
    const fault = faults.take();
    const delay = latencyMs + (fault?.latencyMs ?? 0);
    if (delay > 0) await Bun.sleep(delay);
    if (fault?.hang) {
      // Answer only once nobody is waiting any more, so the socket is released either way.
      return new Promise<Response>((resolve) => {
        const done = () => {
          hanging.delete(done);
          resolve(new Response(null, { status: 499 }));
        };
        hanging.add(done);
        request.signal.addEventListener('abort', done, { once: true });
      });
    }
    if (fault?.status !== undefined) {
      const headers: Record<string, string> = fault.retryAfter === undefined ? {} : { 'retry-after': String(fault.retryAfter) };
      return json(errorJson(fault.status), fault.status, headers);
    }
    const { model, messages } = body;
    const plan = planMockAnswer(messages as ChatMessage[], model, body, fault?.finishReason);
    if (!stream) {
      if (fault?.cutAfterTokens !== undefined) return new Response(cutJsonBody(plan, model, fault.cutAfterTokens), { headers: { 'content-type': 'application/json' } });
      if (tokenDelayMs > 0) await Bun.sleep(tokenDelayMs * plan.chunks.length);
      return json(completionJson(plan, model));
    }
    const includeUsage = body.stream_options?.include_usage === true;
    const sse = sseBody({ plan, model, includeUsage, tokenDelayMs, cutAfterTokens: fault?.cutAfterTokens, signal: request.signal });
    return new Response(sse, { headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' } });
  }

  async function route(request: Request, remotePort: number | undefined): Promise<Response> {
    const { pathname } = new URL(request.url);
    const method = request.method;
    if (pathname === '/health' && method === 'GET') return json({ status: 'ok' });
    if (pathname === '/v1/chat/completions' && method === 'POST') return chat(request, remotePort);
    if (pathname.startsWith('/v1/') && !authorized(request)) return unauthorized();
    if (pathname === '/v1/models' && method === 'GET') {
      return json({ object: 'list', data: models.map((id) => ({ id, object: 'model', created: 1_700_000_000, owned_by: 'mock' })) });
    }
    if (pathname === '/__mock/faults' && method === 'POST') {
      try {
        const parsed = parseFaults(await request.json());
        faults.push(...parsed);
        return json({ queued: faults.size });
      } catch (error) {
        return json({ error: { message: error instanceof Error ? error.message : 'invalid fault' } }, 400);
      }
    }
    if (pathname === '/__mock/faults' && method === 'DELETE') {
      faults.clear();
      return json({ queued: 0 });
    }
    if (pathname === '/__mock/stats' && method === 'GET') return json(stats());
    return json({ error: { message: `Unknown route ${method} ${pathname}`, type: 'invalid_request_error', param: null, code: 'unknown_url' } }, 404);
  }

  function stats(): MockUpstreamStats {
    return { requests: count, inFlight, faultsQueued: faults.size };
  }

  const server: Server<undefined> = Bun.serve({
    port: options.port ?? 0,
    hostname: options.hostname ?? '127.0.0.1',
    // No idle timeout: `hang` and slow streams must stay open for as long as the test or bench wants.
    idleTimeout: 0,
    async fetch(request, self) {
      inFlight++;
      try {
        return await route(request, self.requestIP(request)?.port);
      } finally {
        inFlight--;
      }
    },
  });

  const port = server.port!;
  const host = server.hostname?.includes(':') ? `[${server.hostname}]` : server.hostname;
  return {
    url: `http://${host}:${port}/v1`,
    port,
    requests: {
      get count() {
        return count;
      },
      get log() {
        return log;
      },
      clear() {
        count = 0;
        log.length = 0;
      },
    },
    script: (...queued) => faults.push(...parseFaults(queued)),
    clearFaults: () => faults.clear(),
    stats,
    async stop() {
      for (const release of [...hanging]) release();
      await server.stop(true);
    },
  };
}
