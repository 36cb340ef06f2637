/**
 * Readiness: the state of every dependency and whether this instance should receive traffic. The database is
 * critical (no conversations, no cache source of truth); Redis is not (the instance degrades to local-only
 * behaviour); an open upstream breaker is reported as degraded, since cached answers can still be served.
 */
import type { Lifecycle } from '../lifecycle';
import type { ProviderHealth } from '../llm/llm-provider';

export interface DependencyCheck {
  name: string;
  critical: boolean;
  check(): Promise<{ ok: boolean; detail?: Record<string, unknown> }>;
}

export interface HealthReport {
  status: 'ok' | 'degraded' | 'down' | 'draining';
  ready: boolean;
  instanceId: string;
  uptimeSec: number;
  inFlight: number;
  checks: Record<string, { ok: boolean; critical: boolean; latencyMs: number; detail?: Record<string, unknown> }>;
  upstream: ProviderHealth;
}

export interface HealthService {
  check(): Promise<HealthReport>;
}

export interface HealthServiceOptions {
  instanceId: string;
  lifecycle: Lifecycle;
  dependencies: DependencyCheck[];
  upstream: () => ProviderHealth;
  /** A dependency check slower than this counts as failed. */
  timeoutMs?: number;
}

export function createHealthService(options: HealthServiceOptions): HealthService {
  const startedAt = Date.now();
  const timeoutMs = options.timeoutMs ?? 2_000;

  async function run(dep: DependencyCheck) {
    const started = performance.now();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<{ ok: false; detail: Record<string, unknown> }>((resolve) => {
      timer = setTimeout(() => resolve({ ok: false, detail: { reason: 'timeout' } }), timeoutMs);
    });
    try {
      const result = await Promise.race([dep.check().catch(() => ({ ok: false as const, detail: { reason: 'error' } })), timeout]);
      return { ...result, critical: dep.critical, latencyMs: Math.round(performance.now() - started) };
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    async check() {
      const results = await Promise.all(options.dependencies.map(run));
      const checks = Object.fromEntries(options.dependencies.map((dep, i) => [dep.name, results[i]!]));
      const upstream = options.upstream();
      const criticalDown = results.some((r) => r.critical && !r.ok);
      const degraded = results.some((r) => !r.ok) || upstream.breaker !== 'closed';
      const status = options.lifecycle.draining ? 'draining' : criticalDown ? 'down' : degraded ? 'degraded' : 'ok';
      return {
        status,
        ready: status === 'ok' || status === 'degraded',
        instanceId: options.instanceId,
        uptimeSec: Math.round((Date.now() - startedAt) / 1000),
        inFlight: options.lifecycle.inFlight,
        checks,
        upstream,
      };
    },
  };
}
