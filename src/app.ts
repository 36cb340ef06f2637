/**
 * Composes the Elysia modules into one app with a single error mapper and one wide log event per request.
 * No I/O here: everything arrives through `deps`, built by src/main.ts (or by tests with doubles).
 */
import { Elysia } from 'elysia';
import { cors } from '@elysiajs/cors';
import { AppError, toAppError } from './errors';
import { errorResponse } from './http/error-envelope';
import { cacheRoutes } from './http/cache.routes';
import { compressResponse } from './http/compression';
import { healthRoutes } from './http/health.routes';
import type { HttpDeps } from './http/http-deps';
import { openAiRoutes } from './http/openai.routes';
import { performanceRoutes, type PerformanceDeps } from './http/performance.routes';
import { requestContext } from './http/request-context';
import { simpleChatRoutes } from './http/simple-chat.routes';
import { wsRoutes, type SocketHub } from './ws/chat.socket';

export type { HttpDeps } from './http/http-deps';

function mapFrameworkError(code: string | number, error: unknown): AppError {
  switch (code) {
    case 'NOT_FOUND':
      return new AppError('not_found', 'No such route. See the API documentation for the available routes.');
    case 'PARSE':
      return new AppError('invalid_json', 'The request body could not be parsed.');
    case 'VALIDATION':
      return new AppError('invalid_request', 'The request is invalid.');
    default:
      return toAppError(error);
  }
}

export function createApp(deps: HttpDeps & { performance?: PerformanceDeps; sockets?: SocketHub }) {
  const metrics = deps.performance?.metrics;
  return new Elysia({ name: 'llm-gateway' })
    .use(cors({ credentials: false, maxAge: 600, exposeHeaders: ['x-request-id', 'x-cache', 'x-cache-similarity', 'x-cache-entry', 'server-timing', 'retry-after', 'ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset', 'ratelimit-policy'] }))
    .onRequest(({ request, set }) => {
      set.headers['x-request-id'] = requestContext(request).requestId;
      metrics?.httpInFlight.inc();
    })
    .onError(({ code, error, request }) => {
      const context = requestContext(request);
      const appError = mapFrameworkError(String(code), error);
      const pathname = new URL(request.url).pathname;
      if (appError.status >= 500) {
        const cause = appError.code === 'internal_error' ? error : undefined;
        deps.logger.error('http.error', { requestId: context.requestId, path: pathname, code: appError.code, error: cause });
      }
      return errorResponse(appError, pathname, context.requestId);
    })
    .onAfterResponse((ctx) => {
      const { request, set, responseValue } = ctx;
      const context = requestContext(request);
      const status = responseValue instanceof Response ? responseValue.status : typeof set.status === 'number' ? set.status : 200;
      if (metrics) {
        metrics.httpInFlight.dec();
        // The route template, never the raw path: bounded label cardinality.
        const route = (ctx as { route?: string }).route ?? 'unmatched';
        metrics.recordHttpRequest({ route, method: request.method, status, durationSeconds: (performance.now() - context.startedAt) / 1000 });
      }
      if (context.logged) return;
      // Elysia's already-parsed path: no URL parse per request on this hot path.
      const path = ctx.path;
      if (path === '/api/health/ping') return; // probes every few seconds would drown the log
      deps.logger.info('http.request', { requestId: context.requestId, method: request.method, path, status, ms: Math.round(performance.now() - context.startedAt) });
    })
    .mapResponse(compressResponse)
    .use(healthRoutes(deps))
    .use(openAiRoutes(deps))
    .use(simpleChatRoutes(deps))
    .use(cacheRoutes(deps))
    .use(deps.performance ? performanceRoutes({ ...deps, performance: deps.performance }) : new Elysia())
    .use(deps.sockets ? wsRoutes(deps.sockets) : new Elysia());
}

export type App = ReturnType<typeof createApp>;
