/**
 * One error class with a closed set of codes. Every failure a client can see is an AppError; the HTTP and
 * WebSocket transports map it to a status and an envelope in one place. Messages are written for a person and
 * never contain secrets, stack traces or upstream response bodies.
 */
export const ERROR_CODES = {
  invalid_json: { status: 400, type: 'invalid_request_error' },
  invalid_request: { status: 400, type: 'invalid_request_error' },
  unsupported_media_type: { status: 415, type: 'invalid_request_error' },
  unauthorized: { status: 401, type: 'authentication_error' },
  forbidden: { status: 403, type: 'permission_error' },
  not_found: { status: 404, type: 'invalid_request_error' },
  model_not_found: { status: 404, type: 'invalid_request_error' },
  method_not_allowed: { status: 405, type: 'invalid_request_error' },
  payload_too_large: { status: 413, type: 'invalid_request_error' },
  rate_limited: { status: 429, type: 'rate_limit_error' },
  idempotency_key_reused: { status: 422, type: 'invalid_request_error' },
  idempotency_in_progress: { status: 409, type: 'invalid_request_error' },
  idempotency_not_replayable: { status: 409, type: 'invalid_request_error' },
  upstream_rejected: { status: 400, type: 'invalid_request_error' },
  upstream_rate_limited: { status: 429, type: 'rate_limit_error' },
  upstream_error: { status: 502, type: 'api_error' },
  upstream_auth_failed: { status: 502, type: 'api_error' },
  upstream_unavailable: { status: 503, type: 'api_error' },
  upstream_overloaded: { status: 503, type: 'api_error' },
  upstream_timeout: { status: 504, type: 'api_error' },
  service_unavailable: { status: 503, type: 'api_error' },
  /** The client went away before the answer was ready (nginx's 499); only ever seen in logs. */
  client_closed: { status: 499, type: 'api_error' },
  internal_error: { status: 500, type: 'api_error' },
} as const satisfies Record<string, { status: number; type: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface AppErrorOptions {
  /** Seconds a client should wait before retrying; sent as `Retry-After`. */
  retryAfterSec?: number;
  /** The request field the error is about (OpenAI's `param`). */
  param?: string;
  /** Extra response headers (e.g. RateLimit-* on a 429). */
  headers?: Record<string, string>;
  cause?: unknown;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly type: string;
  readonly retryAfterSec?: number;
  readonly param?: string;
  readonly headers?: Record<string, string>;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = ERROR_CODES[code].status;
    this.type = ERROR_CODES[code].type;
    this.retryAfterSec = options.retryAfterSec;
    this.param = options.param;
    this.headers = options.headers;
  }
}

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}

/** Anything thrown that is not an AppError is a bug on our side: the client sees a generic 500. */
export function toAppError(value: unknown): AppError {
  if (isAppError(value)) return value;
  return new AppError('internal_error', 'The gateway failed to handle this request.', { cause: value });
}
