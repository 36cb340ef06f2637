/** Liveness (`/api/health/ping`, no I/O at all) and readiness (`/api/v1/performance/health`, 503 when not ready). */
import { Elysia } from 'elysia';
import type { HttpDeps } from './http-deps';

export function healthRoutes(deps: HttpDeps) {
  return new Elysia({ prefix: '/api' })
    .get('/health/ping', () => new Response('pong', { headers: { 'content-type': 'text/plain' } }))
    .get('/v1/performance/health', async ({ set }) => {
      const report = await deps.health.check();
      set.status = report.ready ? 200 : 503;
      set.headers['cache-control'] = 'no-store';
      return report;
    });
}
