/**
 * Maps what an upstream did to the gateway's closed error codes. Messages name the upstream status and at most a
 * short identifier from the upstream's `error.code`/`error.type`: upstream bodies can echo the prompt, internal
 * hostnames or key fragments, so they never reach a client or a log.
 */
import { AppError } from '../errors';

/** Longest upstream error body read to find its `code`; the rest is discarded unread. */
export const ERROR_BODY_LIMIT_BYTES = 8 * 1024;

/** Extracts a short, identifier-shaped `error.code` (or `error.type`) from an OpenAI-style error body. */
export function upstreamErrorCode(body: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  const error = (parsed as { error?: unknown } | null)?.error;
  if (typeof error !== 'object' || error === null) return undefined;
  for (const candidate of [(error as { code?: unknown }).code, (error as { type?: unknown }).type]) {
    if (typeof candidate === 'string' && /^[A-Za-z0-9_.-]{1,48}$/.test(candidate)) return candidate;
  }
  return undefined;
}

/** The final error for an upstream HTTP status (after any retries). */
export function statusError(status: number, options: { code?: string; retryAfterSec?: number } = {}): AppError {
  const suffix = options.code === undefined ? '' : `, code '${options.code}'`;
  if (status === 401 || status === 403) {
    return new AppError('upstream_auth_failed', `The upstream refused the gateway's credentials (HTTP ${status}${suffix}).`);
  }
  if (status === 429) {
    return new AppError('upstream_rate_limited', `The upstream is rate limiting the gateway (HTTP 429${suffix}); retry later.`, {
      retryAfterSec: options.retryAfterSec ?? 1,
    });
  }
  if (status >= 500) return new AppError('upstream_error', `The upstream failed to answer (HTTP ${status}${suffix}).`);
  // 400/404/422 and every other non-retryable 4xx: the upstream judged the request itself.
  return new AppError('upstream_rejected', `The upstream rejected the request (HTTP ${status}${suffix}).`);
}

export function networkError(cause: unknown): AppError {
  return new AppError('upstream_unavailable', 'The upstream could not be reached.', { cause: safeCause(cause) });
}

export function timeoutError(phase: 'connect' | 'total' | 'idle', ms: number): AppError {
  const what = {
    connect: 'did not start answering',
    total: 'did not finish answering',
    idle: 'stopped sending data',
  }[phase];
  return new AppError('upstream_timeout', `The upstream ${what} within ${ms} ms.`);
}

export function malformedError(what: string): AppError {
  return new AppError('upstream_error', `The upstream sent ${what}.`);
}

/** An error object the upstream sent inside a 200 stream (OpenAI sends `data: {"error": {...}}`). */
export function inStreamError(payload: unknown): AppError {
  const code = upstreamErrorCode(JSON.stringify({ error: payload }));
  return new AppError('upstream_error', `The upstream reported an error mid-stream${code === undefined ? '' : ` (code '${code}')`}.`);
}

/** The caller's own signal aborted: it has usually stopped listening, so the code only matters for logs. */
export function cancelledError(reason?: unknown): AppError {
  return new AppError('client_closed', 'The request was cancelled before the upstream finished.', { cause: safeCause(reason) });
}

export function closedError(): AppError {
  return new AppError('service_unavailable', 'The gateway is shutting down; retry on another instance.', { retryAfterSec: 1 });
}

/**
 * Keeps only name, code and message of a low-level error: Bun's fetch errors carry the request `path`, and a
 * cause is the kind of object that ends up serialised somewhere.
 */
function safeCause(cause: unknown): unknown {
  if (!(cause instanceof Error)) return cause;
  const code = (cause as { code?: unknown }).code;
  return { name: cause.name, code: typeof code === 'string' ? code : undefined, message: cause.message };
}
