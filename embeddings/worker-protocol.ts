/**
 * Messages between `WorkerEmbedder` (main thread) and `embedder.worker.ts`. Every embed request carries an id;
 * its answer (result or error) carries the same id, so answers may arrive in any order and late answers to
 * timed-out requests are recognised and dropped. A request whose deadline passed while it waited in the worker is
skipped, so a worker that fell behind does not burn CPU on answers nobody waits for (which would make every
later request late too).
 */
import type { EmbedderErrorCode } from './embedder-error.ts';
import type { EmbedderSpec } from './load-embedder.ts';

export type ToWorker =
  | { type: 'init'; spec: EmbedderSpec }
  /** `expiresAt` (Date.now() clock, shared by all threads): past it the caller has given up, so skip the work. */
  | { type: 'embed'; id: number; texts: string[]; expiresAt: number }
  | { type: 'close' };

export type FromWorker =
  | { type: 'ready'; modelId: string; dimensions: number; maxBatchSize: number; runtime?: string }
  | { type: 'init-error'; code: EmbedderErrorCode; message: string }
  /** `data` holds `count` vectors of `dimensions` floats back to back; its buffer is transferred, not copied. */
  | { type: 'result'; id: number; count: number; dimensions: number; data: Float32Array }
  | { type: 'error'; id: number; code: EmbedderErrorCode; message: string }
  | { type: 'notice'; event: string; fields: Record<string, unknown> }
  | { type: 'closed' };
