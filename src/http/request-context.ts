/**
 * Per-request facts every route and the error mapper need: a request id (the client's `x-request-id` when it
 * is sane, else a new one) and the start time. Stored against the Request object so that hooks, handlers and
 * the error mapper agree without threading values through Elysia's context types.
 */
import { randomUUID } from 'node:crypto';

export interface RequestContext {
  requestId: string;
  startedAt: number;
  /** Set by routes that log their own wide event, so the generic request log skips them. */
  logged?: boolean;
}

const contexts = new WeakMap<Request, RequestContext>();
const CLIENT_REQUEST_ID = /^[\w.:-]{1,128}$/;

export function requestContext(request: Request): RequestContext {
  let context = contexts.get(request);
  if (!context) {
    const offered = request.headers.get('x-request-id');
    context = {
      requestId: offered && CLIENT_REQUEST_ID.test(offered) ? offered : `req_${randomUUID().replaceAll('-', '')}`,
      startedAt: performance.now(),
    };
    contexts.set(request, context);
  }
  return context;
}
