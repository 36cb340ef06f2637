/**
 * The one mapping from errors to HTTP responses. `/v1/*` routes answer in OpenAI's error shape so OpenAI
 * clients surface the message; every other route uses the gateway's own envelope with the request id.
 */
import type { AppError } from '../errors';

export function isOpenAiRoute(pathname: string): boolean {
  return pathname === '/v1' || pathname.startsWith('/v1/');
}

export function errorBody(error: AppError, pathname: string, requestId: string): Record<string, unknown> {
  if (isOpenAiRoute(pathname)) {
    return { error: { message: error.message, type: error.type, param: error.param ?? null, code: error.code } };
  }
  return { error: { code: error.code, message: error.message, requestId } };
}

export function errorHeaders(error: AppError, requestId: string): Headers {
  // A Headers object, so a header the error already carries (any case) is replaced, never duplicated.
  const headers = new Headers(error.headers);
  headers.set('content-type', 'application/json');
  headers.set('x-request-id', requestId);
  if (error.retryAfterSec !== undefined) headers.set('retry-after', String(Math.max(1, Math.ceil(error.retryAfterSec))));
  if (error.status === 401) headers.set('www-authenticate', 'Bearer');
  return headers;
}

export function errorResponse(error: AppError, pathname: string, requestId: string): Response {
  return new Response(JSON.stringify(errorBody(error, pathname, requestId)), {
    status: error.status,
    headers: errorHeaders(error, requestId),
  });
}
