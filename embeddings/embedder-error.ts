/**
 * The one error class of the embeddings library, with a closed set of codes. `embeddings/` is a leaf and cannot
 * use `src/errors.ts`; the cache maps every EmbedderError to a MISS (and counts it by code), so the codes exist
 * for metrics and logs, not for HTTP statuses.
 */
export const EMBEDDER_ERROR_CODES = [
  /** A call took longer than its deadline; the work may still finish in the background and is discarded. */
  'timeout',
  /** Too many texts are already queued; rejected at once instead of growing latency without bound. */
  'overloaded',
  /** The embedder (or its worker) was closed or has died. */
  'closed',
  /** The model folder or one of its files is missing or unreadable. */
  'model_not_found',
  /** Loading or inference failed (bad model file, runtime error, non-finite output). */
  'failed',
] as const;

export type EmbedderErrorCode = (typeof EMBEDDER_ERROR_CODES)[number];

export class EmbedderError extends Error {
  readonly code: EmbedderErrorCode;

  constructor(code: EmbedderErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'EmbedderError';
    this.code = code;
  }
}

export function isEmbedderError(value: unknown): value is EmbedderError {
  return value instanceof EmbedderError;
}

/** Wraps anything thrown by a runtime into an EmbedderError, keeping an existing code. */
export function toEmbedderError(error: unknown, fallback: EmbedderErrorCode = 'failed'): EmbedderError {
  if (error instanceof EmbedderError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new EmbedderError(fallback, message, { cause: error });
}
