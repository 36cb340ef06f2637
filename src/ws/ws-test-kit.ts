/**
 * Test helpers for the WebSocket transport: a gateway instance built from `wsRoutes` on a real listener
 * (`.listen(0)`), a promise-based client, and providers whose pace the test controls.
 */
import { Elysia } from 'elysia';
import { createAuthenticator } from '../auth/api-keys';
import { createChatService } from '../chat/chat.service';
import type { ConversationStore } from '../chat/conversation-store';
import { createMemoryConversationStore } from '../chat/memory-conversation-store';
import { AppError, toAppError } from '../errors';
import { errorResponse } from '../http/error-envelope';
import { requestContext } from '../http/request-context';
import { createLifecycle } from '../lifecycle';
import type { CompletionRequest, LlmProvider, StreamPart } from '../llm/llm-provider';
import { silentLogger } from '../log';
import type { Bus } from '../sync/bus';
import { createMemoryBusNetwork, type MemoryBusNetwork } from '../sync/memory-bus';
import { createScriptedProvider } from '../testing/scripted-provider';
import { createMemoryUsageStore } from '../usage/memory-usage-store';
import { createUsageRecorder } from '../usage/usage-recorder';
import { createSocketHub, wsRoutes, type WsDeps } from './chat.socket';
import type { WsOptions } from './ws-options';

export const KEYS = [
  { key: 'sk-city-key-0001', tenant: 'city' },
  { key: 'sk-county-key-02', tenant: 'county' },
];
export const CITY_KEY = KEYS[0]!.key;

let instances = 0;

export interface InstanceOptions {
  network?: MemoryBusNetwork;
  /** A bus of its own (e.g. Redis); otherwise a member of `network`. */
  bus?: Bus;
  conversations?: ConversationStore;
  provider?: LlmProvider;
  options?: Partial<WsOptions>;
  limits?: WsDeps['limits'];
}

export type Instance = Awaited<ReturnType<typeof startInstance>>;

/** One gateway instance with only the WebSocket module, listening on a free port of 127.0.0.1. */
export function startInstance(input: InstanceOptions = {}) {
  const provider = input.provider ?? createScriptedProvider();
  const conversations = input.conversations ?? createMemoryConversationStore();
  const usage = createUsageRecorder({ store: createMemoryUsageStore(), logger: silentLogger, flushIntervalMs: 60_000 });
  const chat = createChatService({ provider, conversations, usage, models: ['deepseek-chat', 'deepseek-reasoner'], defaultModel: 'deepseek-chat', logger: silentLogger });
  const network = input.network ?? createMemoryBusNetwork();
  const bus = input.bus ?? network.connect({ instanceId: `instance-${++instances}` });
  const lifecycle = createLifecycle();
  const hub = createSocketHub({ auth: createAuthenticator({ keys: KEYS }), chat, conversations, bus, lifecycle, logger: silentLogger, options: input.options, limits: input.limits });
  // The same error mapping as src/app.ts: an AppError thrown before the upgrade becomes its HTTP status.
  const app = new Elysia()
    .onError(({ code, error, request }) => {
      const appError = code === 'NOT_FOUND' ? new AppError('not_found', 'No such route.') : toAppError(error);
      return errorResponse(appError, new URL(request.url).pathname, requestContext(request).requestId);
    })
    .use(wsRoutes(hub))
    .listen({ port: 0, hostname: '127.0.0.1', websocket: hub.serverOptions });
  const port = app.server!.port!;
  return {
    hub,
    provider,
    conversations,
    lifecycle,
    bus,
    network,
    port,
    url: `ws://127.0.0.1:${port}/ws`,
    httpUrl: `http://127.0.0.1:${port}/ws`,
    async stop() {
      await app.stop(true);
      await usage.close();
      await bus.close();
    },
  };
}

export type Frame = Record<string, any>;

/** A WebSocket client whose received frames can be awaited by predicate. */
export class TestClient {
  readonly frames: Frame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: Array<{ match: (frame: Frame) => boolean; resolve: (frame: Frame) => void }> = [];

  private constructor(readonly socket: WebSocket) {
    this.closed = new Promise((resolve) => socket.addEventListener('close', (event) => resolve({ code: event.code, reason: event.reason })));
    socket.addEventListener('message', (event) => {
      const frame = JSON.parse(String(event.data)) as Frame;
      this.frames.push(frame);
      for (const waiter of [...this.waiters]) {
        if (!waiter.match(frame)) continue;
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.resolve(frame);
      }
    });
  }

  static connect(url: string, options: { key?: string | null; viaQuery?: boolean } = {}): Promise<TestClient> {
    const key = options.key === undefined ? CITY_KEY : options.key;
    const target = key && options.viaQuery ? `${url}?key=${encodeURIComponent(key)}` : url;
    const headers = key && !options.viaQuery ? { authorization: `Bearer ${key}` } : undefined;
    const socket = new WebSocket(target, { headers } as never);
    return new Promise((resolve, reject) => {
      socket.addEventListener('open', () => resolve(new TestClient(socket)), { once: true });
      socket.addEventListener('error', () => reject(new Error('connection refused')), { once: true });
    });
  }

  send(frame: Frame | string | Uint8Array): void {
    this.socket.send(typeof frame === 'string' || frame instanceof Uint8Array ? frame : JSON.stringify(frame));
  }

  /** The first frame, received before or after the call, that matches. */
  until(match: (frame: Frame) => boolean, label = 'a matching frame', timeoutMs = 5_000): Promise<Frame> {
    const seen = this.frames.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${label}; got ${JSON.stringify(this.frames).slice(0, 500)}`)), timeoutMs);
      this.waiters.push({ match, resolve: (frame) => (clearTimeout(timer), resolve(frame)) });
    });
  }

  /** The turn's end (`done` or `error`) and the text of its deltas, in order. */
  async turn(id: string): Promise<{ end: Frame; text: string; deltas: Frame[] }> {
    const end = await this.until((f) => (f.type === 'done' || f.type === 'error') && f.id === id, `the end of turn ${id}`);
    const deltas = this.frames.filter((f) => f.type === 'delta' && f.id === id);
    return { end, text: deltas.map((f) => f.text).join(''), deltas };
  }

  close(): void {
    this.socket.close();
  }
}

export interface ControlledProvider extends LlmProvider {
  readonly requests: CompletionRequest[];
  /** Resolves when a stream has sent its first `count` deltas and is waiting. */
  waiting(): Promise<void>;
  /** Lets every waiting stream finish. */
  release(): void;
}

/** Streams `head` words, then waits until released (finishing with `tail`) or aborted (ending without a terminal part). */
export function controlledProvider(head = ['Hello ', 'there '], tail = ['world.']): ControlledProvider {
  const requests: CompletionRequest[] = [];
  let gate = Promise.withResolvers<void>();
  let waiting = Promise.withResolvers<void>();
  return {
    name: 'controlled',
    requests,
    waiting: () => waiting.promise,
    release: () => gate.resolve(),
    async complete() {
      throw new AppError('upstream_error', 'not used');
    },
    async *stream(request): AsyncGenerator<StreamPart> {
      requests.push(request);
      for (const word of head) yield { type: 'delta', index: 0, delta: { content: word } };
      const aborted = new Promise<'aborted'>((resolve) => request.signal?.addEventListener('abort', () => resolve('aborted'), { once: true }));
      waiting.resolve();
      if ((await Promise.race([gate.promise.then(() => 'released' as const), aborted])) === 'aborted') return;
      for (const word of tail) yield { type: 'delta', index: 0, delta: { content: word } };
      yield { type: 'finish', finishReasons: { 0: 'stop' }, model: request.model, usage: { prompt_tokens: 3, completion_tokens: 3, total_tokens: 6 } };
    },
    health: () => ({ name: 'controlled', breaker: 'closed', inFlight: 0, queued: 0, maxConnections: 1 }),
    async close() {},
  };
}

/** Headers of a WebSocket upgrade request, for checking refusals with plain fetch. */
export const upgradeHeaders = (extra: Record<string, string> = {}) => ({
  connection: 'Upgrade',
  upgrade: 'websocket',
  'sec-websocket-version': '13',
  'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
  ...extra,
});

/**
 * A WebSocket client on a plain TCP socket, so the test can stop reading (`pause`) the way a stuck client does:
 * the kernel buffers fill and the server sees backpressure. Frames it sends are masked as RFC 6455 requires.
 */
export async function rawClient(port: number, key = CITY_KEY) {
  const net = await import('node:net');
  const socket = net.connect(port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.write(
    `GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer ${key}\r\n\r\n`,
  );
  const frames: Frame[] = [];
  let pending: Buffer = Buffer.alloc(0);
  // Server frames are unmasked; only text frames (0x81) are decoded, anything else is skipped.
  const parse = (data: Buffer) => {
    pending = pending.length === 0 ? data : Buffer.concat([pending, data]);
    let at = 0;
    for (;;) {
      if (pending.length - at < 2) break;
      let length = pending[at + 1]! & 0x7f;
      let header = 2;
      if (length === 126) [length, header] = [pending.length - at >= 4 ? pending.readUInt16BE(at + 2) : -1, 4];
      else if (length === 127) [length, header] = [pending.length - at >= 10 ? Number(pending.readBigUInt64BE(at + 2)) : -1, 10];
      if (length < 0 || pending.length - at < header + length) break;
      if (pending[at] === 0x81) frames.push(JSON.parse(pending.toString('utf8', at + header, at + header + length)));
      at += header + length;
    }
    pending = pending.subarray(at);
  };
  const status = await new Promise<string>((resolve) =>
    socket.once('data', (data: Buffer) => {
      const end = data.indexOf('\r\n\r\n');
      resolve(String(data.subarray(0, end)).split('\r\n')[0]!);
      if (end + 4 < data.length) parse(data.subarray(end + 4));
      socket.on('data', parse);
    }),
  );
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('error', () => {});
  return {
    status,
    closed,
    frames,
    send(frame: Frame) {
      const payload = Buffer.from(JSON.stringify(frame));
      if (payload.length > 125) throw new Error('rawClient sends short frames only');
      const mask = Buffer.from([0x12, 0x34, 0x56, 0x78]);
      socket.write(Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, payload.map((b, i) => b ^ mask[i % 4]!)]));
    },
    pause: () => void socket.pause(),
    resume: () => void socket.resume(),
    destroy: () => socket.destroy(),
  };
}
