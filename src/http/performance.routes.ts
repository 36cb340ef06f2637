/**
 * Operations surface: Prometheus exposition (`/metrics`), real-time figures as JSON, and the cost analysis.
 * Figures are instance-wide, except cost analysis, which reads the shared usage records (all instances).
 */
import { Elysia } from 'elysia';
import { TENANT_NAME } from '../config';
import { AppError } from '../errors';
import { metricsResponse } from '../metrics/exposition';
import type { Registry } from '../metrics/registry';
import type { GatewayMetrics } from '../metrics/gateway-metrics';
import { analyzeCost } from '../usage/cost-analysis';
import type { TuningReport } from '../tuning/tuner';
import type { PriceTable } from '../usage/pricing';
import type { UsageStore } from '../usage/usage-store';
import { admit, type HttpDeps } from './http-deps';

export interface PerformanceDeps {
  registry: Registry;
  metrics: GatewayMetrics;
  usageStore: UsageStore;
  /** Extra live figures (cache, usage buffer, upstream, bus, sockets) gathered at request time. */
  snapshot: () => Record<string, unknown>;
  prices: PriceTable;
  /** Runs the self-tuning step now and reports what it changed. */
  optimize: () => TuningReport;
}

const DAY_MS = 86_400_000;

export function performanceRoutes(deps: HttpDeps & { performance: PerformanceDeps }) {
  const { registry, metrics, usageStore, snapshot, optimize, prices } = deps.performance;
  return new Elysia()
    .get('/metrics', () => metricsResponse(registry))
    .get('/api/v1/performance/metrics', async ({ request, server }) => {
      await admit(deps, request, 'api', server?.requestIP(request)?.address);
      return { instanceId: deps.instanceId, ...metrics.realtimeSnapshot(), ...snapshot() };
    })
    .post('/api/v1/performance/optimize', async ({ request, server }) => {
      await admit(deps, request, 'api', server?.requestIP(request)?.address);
      return optimize();
    })
    .get('/api/v1/performance/cost-analysis', async ({ request, query, server }) => {
      const { tenant, admin } = (await admit(deps, request, 'api', server?.requestIP(request)?.address)).principal;
      const days = query.days === undefined ? 30 : Number(query.days);
      if (!Number.isFinite(days) || days <= 0 || days > 3660) {
        throw new AppError('invalid_request', 'days must be a number of days from 0 to 3660.', { param: 'days' });
      }
      const asked = query.tenant;
      if (asked !== undefined && !TENANT_NAME.test(asked)) throw new AppError('invalid_request', 'tenant must be a tenant name.', { param: 'tenant' });
      if (asked !== undefined && !admin && asked !== tenant) throw new AppError('forbidden', "Only an operator key (GATEWAY_ADMIN_TENANTS) may read another tenant's costs.");
      // A caller sees its own tenant; an operator every tenant, or the one it names.
      return analyzeCost({ store: usageStore, since: new Date(Date.now() - days * DAY_MS), tenant: admin ? asked : tenant, prices });
    });
}
