/**
 * Embedder decorator that coalesces concurrent `embed` calls into batches: a batched forward pass costs far less
 * per text than one pass per text (USE lite on wasm here: ~75/s one at a time vs ~300/s in batches of 64; see
 * bench-embedders.ts), and under load the requests of one event-loop turn arrive together.
 *
 * Policy:
 * - A batch is sent when `maxBatchSize` texts are queued, or `maxWaitMs` after the first queued text, whichever
 *   comes first (the wait bounds the latency added to a lone request).
 * - At most `maxInFlight` batches run at once (default 1: the worker runs one at a time anyway); texts that
 *   arrive meanwhile form the next batch, so batches grow with load by themselves.
 * - Each caller gets its own vectors in its own order; a call larger than `maxBatchSize` spans several batches.
 *   Identical texts in one batch are embedded once.
 * - More than `maxQueuedTexts` waiting texts → reject at once with `overloaded`.
 * - If a batch fails, every call with a text in it rejects with that error (the cache serves them as MISSes).
 */
import type { Embedder } from './embedder.ts';
import { EmbedderError, toEmbedderError } from './embedder-error.ts';

export interface MicroBatcherOptions {
  inner: Embedder;
  /** Defaults to the inner embedder's `maxBatchSize`. */
  maxBatchSize?: number;
  maxWaitMs?: number;
  maxInFlight?: number;
  maxQueuedTexts?: number;
}

interface Call {
  results: Float32Array[];
  remaining: number;
  settled: boolean;
  resolve: (vectors: Float32Array[]) => void;
  reject: (error: EmbedderError) => void;
}

interface Entry {
  call: Call;
  index: number;
  text: string;
}

export class MicroBatcher implements Embedder {
  readonly modelId: string;
  readonly dimensions: number;
  readonly maxBatchSize: number;
  readonly runtime?: string;
  /** Counters for metrics: batches sent to the inner embedder and texts in them. */
  readonly stats = { batches: 0, texts: 0 };
  private readonly inner: Embedder;
  private readonly maxWaitMs: number;
  private readonly maxInFlight: number;
  private readonly maxQueuedTexts: number;
  private queue: Entry[] = [];
  private inFlight = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;

  constructor(options: MicroBatcherOptions) {
    this.inner = options.inner;
    this.modelId = options.inner.modelId;
    this.dimensions = options.inner.dimensions;
    this.runtime = options.inner.runtime;
    this.maxBatchSize = Math.max(1, options.maxBatchSize ?? options.inner.maxBatchSize);
    this.maxWaitMs = options.maxWaitMs ?? 3;
    this.maxInFlight = Math.max(1, options.maxInFlight ?? 1);
    this.maxQueuedTexts = options.maxQueuedTexts ?? 1024;
  }

  embed(texts: string[]): Promise<Float32Array[]> {
    if (this.closed) return Promise.reject(new EmbedderError('closed', 'embedder is closed'));
    if (texts.length === 0) return Promise.resolve([]);
    if (this.queue.length > 0 && this.queue.length + texts.length > this.maxQueuedTexts) {
      const error = new EmbedderError('overloaded', `${this.queue.length} texts already waiting to be embedded`);
      return Promise.reject(error);
    }
    return new Promise<Float32Array[]>((resolve, reject) => {
      const call: Call = { results: new Array(texts.length), remaining: texts.length, settled: false, resolve, reject };
      texts.forEach((text, index) => this.queue.push({ call, index, text }));
      this.pump(false);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    const error = new EmbedderError('closed', 'embedder is closed');
    for (const entry of this.queue) settle(entry.call, error);
    this.queue = [];
    await this.inner.close();
  }

  /** Sends what may be sent; `due` means the queued texts have waited long enough to go in a partial batch. */
  private pump(due: boolean): void {
    while (this.inFlight < this.maxInFlight && this.queue.length > 0) {
      if (!due && this.queue.length < this.maxBatchSize) {
        this.timer ??= setTimeout(() => {
          this.timer = undefined;
          this.pump(true);
        }, this.maxWaitMs);
        return;
      }
      clearTimeout(this.timer);
      this.timer = undefined;
      void this.run(this.queue.splice(0, this.maxBatchSize));
    }
  }

  private async run(entries: Entry[]): Promise<void> {
    this.inFlight++;
    const unique = [...new Set(entries.map((e) => e.text))];
    this.stats.batches++;
    this.stats.texts += unique.length;
    try {
      const vectors = await this.inner.embed(unique);
      if (vectors.length !== unique.length) {
        throw new EmbedderError('failed', `embedder returned ${vectors.length} vectors for ${unique.length} texts`);
      }
      const byText = new Map(unique.map((text, i) => [text, vectors[i]!]));
      const used = new Set<Float32Array>();
      for (const { call, index, text } of entries) {
        if (call.settled) continue;
        const vector = byText.get(text)!;
        // A duplicate gets a copy: every vector must own its buffer.
        call.results[index] = used.has(vector) ? vector.slice() : vector;
        used.add(vector);
        if (--call.remaining === 0) {
          call.settled = true;
          call.resolve(call.results);
        }
      }
    } catch (error) {
      const failure = toEmbedderError(error);
      const failed = new Set(entries.map((e) => e.call));
      for (const call of failed) settle(call, failure);
      // Texts of a failed call still waiting in the queue would be wasted work.
      this.queue = this.queue.filter((e) => !failed.has(e.call));
    } finally {
      this.inFlight--;
      this.pump(true);
    }
  }
}

function settle(call: Call, error: EmbedderError): void {
  if (call.settled) return;
  call.settled = true;
  call.reject(error);
}
