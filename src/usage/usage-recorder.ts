/**
 * Buffers usage rows and writes them to the usage store in batches, off the request path. Rows carry the
 * request id, and the store ignores duplicates, so a batch retried after a failed write never double counts.
 * When the store is down, rows stay buffered up to `maxBuffered`; beyond that the oldest are dropped and
 * counted. `close()` flushes what is left (graceful shutdown loses nothing the store accepts).
 */
import type { Logger } from '../log';
import { costUsd, DEFAULT_PRICES, type PriceTable } from './pricing';
import type { UsageRecord, UsageStore } from './usage-store';

export interface UsageEvent {
  requestId: string;
  tenant: string;
  conversationId?: string;
  route: string;
  model: string;
  cacheStatus: string;
  upstreamCalled: boolean;
  promptTokens: number;
  completionTokens: number;
  latencyMs: number;
}

export interface UsageRecorder {
  record(event: UsageEvent): void;
  flush(): Promise<void>;
  stats(): { buffered: number; written: number; dropped: number; failedFlushes: number };
  close(): Promise<void>;
}

export interface UsageRecorderOptions {
  store: UsageStore;
  logger: Logger;
  prices?: PriceTable;
  flushIntervalMs?: number;
  batchSize?: number;
  maxBuffered?: number;
}

export function createUsageRecorder(options: UsageRecorderOptions): UsageRecorder {
  const { store, logger } = options;
  const prices = options.prices ?? DEFAULT_PRICES;
  const batchSize = options.batchSize ?? 500;
  const maxBuffered = options.maxBuffered ?? 100_000;
  let buffer: UsageRecord[] = [];
  let written = 0;
  let dropped = 0;
  let failedFlushes = 0;
  let flushing: Promise<void> | undefined;

  const timer = setInterval(() => void flush(), options.flushIntervalMs ?? 1_000);
  timer.unref?.();

  function toRecord(event: UsageEvent): UsageRecord {
    const cost = costUsd(prices, event.model, event.promptTokens, event.completionTokens);
    return {
      requestId: event.requestId,
      tenant: event.tenant,
      conversationId: event.conversationId ?? null,
      route: event.route,
      model: event.model,
      cacheStatus: event.cacheStatus,
      upstreamCalled: event.upstreamCalled,
      promptTokens: event.promptTokens,
      completionTokens: event.completionTokens,
      // A served-from-cache answer cost nothing upstream; what it would have cost is the saving.
      costUsd: event.upstreamCalled ? cost : 0,
      savedCostUsd: event.upstreamCalled ? 0 : cost,
      latencyMs: event.latencyMs,
      // The time of the request, not of the (possibly delayed) batch write.
      createdAt: new Date(),
    };
  }

  async function writeOnce(): Promise<void> {
    while (buffer.length > 0) {
      const batch = buffer.slice(0, batchSize);
      try {
        await store.record(batch);
      } catch (error) {
        failedFlushes += 1;
        logger.warn('usage.flush_failed', { buffered: buffer.length, error });
        return;
      }
      buffer = buffer.slice(batch.length);
      written += batch.length;
    }
  }

  function flush(): Promise<void> {
    if (!flushing) flushing = writeOnce().finally(() => (flushing = undefined));
    return flushing;
  }

  return {
    record(event) {
      buffer.push(toRecord(event));
      if (buffer.length > maxBuffered) {
        const excess = buffer.length - maxBuffered;
        buffer = buffer.slice(excess);
        dropped += excess;
        logger.warn('usage.dropped', { dropped: excess });
      }
      if (buffer.length >= batchSize) void flush();
    },
    flush,
    stats: () => ({ buffered: buffer.length, written, dropped, failedFlushes }),
    async close() {
      clearInterval(timer);
      await flush();
      if (buffer.length > 0) await flush();
    },
  };
}
