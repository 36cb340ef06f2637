/**
 * Embedder that runs a real one inside a Bun Worker (`embedder.worker.ts`), keeping inference off the event loop
 * (ARCHITECTURE.md: "the event loop serves sockets").
 *
 * - Every call has a deadline (`timeoutMs`): past it the call rejects with code `timeout` (the cache serves a
 *   MISS); the worker skips a request whose deadline passed before it started.
 * - At most `maxPendingCalls` calls wait for the worker; more reject at once with `overloaded`, so a slow model
 *   sheds load instead of queueing latency without bound.
 * - Worker errors come back as rejections with the worker's code; a crashed worker rejects everything pending
 *   and every later call with `closed`.
 * - `close()` asks the worker to release its model, waits briefly, then terminates it.
 */
import type { Embedder } from './embedder.ts';
import { EmbedderError } from './embedder-error.ts';
import type { EmbedderNotice, EmbedderSpec } from './load-embedder.ts';
import type { FromWorker, ToWorker } from './worker-protocol.ts';

export interface WorkerEmbedderOptions {
  spec: EmbedderSpec;
  /** Per-call deadline, from `embed()` to the answer. */
  timeoutMs?: number;
  /** Deadline for loading the model in the worker. */
  loadTimeoutMs?: number;
  maxPendingCalls?: number;
  /** Receives notices from the worker (e.g. a backend fallback) for logging. */
  onNotice?: EmbedderNotice;
}

interface Pending {
  resolve: (vectors: Float32Array[]) => void;
  reject: (error: EmbedderError) => void;
  timer: ReturnType<typeof setTimeout>;
}

const CLOSE_GRACE_MS = 1000;

export class WorkerEmbedder implements Embedder {
  readonly modelId: string;
  readonly dimensions: number;
  readonly maxBatchSize: number;
  readonly runtime: string;
  private readonly worker: Worker;
  private readonly timeoutMs: number;
  private readonly maxPendingCalls: number;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private dead: EmbedderError | undefined;
  private closedAck: (() => void) | undefined;
  private closing: Promise<void> | undefined;

  private constructor(worker: Worker, ready: Extract<FromWorker, { type: 'ready' }>, options: WorkerEmbedderOptions) {
    this.worker = worker;
    this.modelId = ready.modelId;
    this.dimensions = ready.dimensions;
    this.maxBatchSize = ready.maxBatchSize;
    this.runtime = `worker/${ready.runtime ?? 'unknown'}`;
    this.timeoutMs = options.timeoutMs ?? 2000;
    this.maxPendingCalls = options.maxPendingCalls ?? 256;
    worker.onmessage = (event: MessageEvent<FromWorker>) => this.onMessage(event.data, options.onNotice);
    worker.addEventListener('error', (event) => this.fail(`embedder worker crashed: ${event.message}`));
    worker.addEventListener('close', () => this.fail('embedder worker exited'));
  }

  /** Starts the worker and loads the model in it; rejects (and stops the worker) if loading fails or stalls. */
  static async start(options: WorkerEmbedderOptions): Promise<WorkerEmbedder> {
    const worker = new Worker(new URL('./embedder.worker.ts', import.meta.url));
    const loadTimeoutMs = options.loadTimeoutMs ?? 120_000;
    try {
      const ready = await new Promise<Extract<FromWorker, { type: 'ready' }>>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new EmbedderError('timeout', `embedder worker did not load within ${loadTimeoutMs} ms`)),
          loadTimeoutMs,
        );
        worker.onmessage = (event: MessageEvent<FromWorker>) => {
          const message = event.data;
          if (message.type === 'notice') options.onNotice?.(message.event, message.fields);
          if (message.type === 'ready') resolve(message);
          if (message.type === 'init-error') reject(new EmbedderError(message.code, message.message));
          if (message.type === 'ready' || message.type === 'init-error') clearTimeout(timer);
        };
        worker.onerror = (event) => {
          clearTimeout(timer);
          reject(new EmbedderError('failed', `embedder worker crashed while loading: ${event.message}`));
        };
        worker.postMessage({ type: 'init', spec: options.spec } satisfies ToWorker);
      });
      worker.onerror = null;
      return new WorkerEmbedder(worker, ready, options);
    } catch (error) {
      worker.terminate();
      throw error;
    }
  }

  embed(texts: string[]): Promise<Float32Array[]> {
    if (this.dead) return Promise.reject(this.dead);
    if (texts.length === 0) return Promise.resolve([]);
    if (this.pending.size >= this.maxPendingCalls) {
      return Promise.reject(new EmbedderError('overloaded', `${this.pending.size} embed calls already waiting`));
    }
    const id = this.nextId++;
    return new Promise<Float32Array[]>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new EmbedderError('timeout', `embedding ${texts.length} text(s) took longer than ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.post({ type: 'embed', id, texts, expiresAt: Date.now() + this.timeoutMs });
    });
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.fail('embedder is closed');
    const acknowledged = new Promise<void>((resolve) => (this.closedAck = resolve));
    this.post({ type: 'close' });
    let grace: ReturnType<typeof setTimeout> | undefined;
    // A worker stuck in a long synchronous batch cannot answer; terminate() interrupts it after the grace period.
    await Promise.race([acknowledged, new Promise((resolve) => (grace = setTimeout(resolve, CLOSE_GRACE_MS)))]);
    clearTimeout(grace);
    this.worker.terminate();
  }

  private onMessage(message: FromWorker, onNotice: EmbedderNotice | undefined): void {
    if (message.type === 'notice') return onNotice?.(message.event, message.fields);
    if (message.type === 'closed') return this.closedAck?.();
    if (message.type !== 'result' && message.type !== 'error') return;
    const call = this.pending.get(message.id);
    if (!call) return; // timed out earlier: the caller has moved on
    this.pending.delete(message.id);
    clearTimeout(call.timer);
    if (message.type === 'error') return call.reject(new EmbedderError(message.code, message.message));
    const { data, dimensions } = message;
    // Copies, so each vector owns its buffer (the Embedder contract).
    call.resolve(Array.from({ length: message.count }, (_, i) => data.slice(i * dimensions, (i + 1) * dimensions)));
  }

  /** Rejects everything pending and every later call. */
  private fail(reason: string): void {
    this.dead ??= new EmbedderError('closed', reason);
    for (const [id, call] of this.pending) {
      clearTimeout(call.timer);
      call.reject(this.dead);
      this.pending.delete(id);
    }
  }

  private post(message: ToWorker): void {
    try {
      this.worker.postMessage(message);
    } catch {
      // A terminated worker throws on postMessage; `fail` has already rejected everything.
    }
  }
}
