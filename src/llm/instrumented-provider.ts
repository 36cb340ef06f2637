/** Wraps a provider so every upstream call is counted and timed in the gateway metrics, whatever the adapter. */
import { isAppError } from '../errors';
import type { GatewayMetrics } from '../metrics/gateway-metrics';
import type { LlmProvider, StreamPart } from './llm-provider';

export interface UpstreamStats {
  calls: number;
  errors: Record<string, number>;
}

export function instrumentProvider(provider: LlmProvider, metrics: GatewayMetrics): LlmProvider & { stats(): UpstreamStats } {
  const totals: UpstreamStats = { calls: 0, errors: {} };
  const record = (model: string, started: number, errorCode?: string) => {
    totals.calls += 1;
    if (errorCode) totals.errors[errorCode] = (totals.errors[errorCode] ?? 0) + 1;
    metrics.recordUpstreamCall({ model, durationSeconds: (performance.now() - started) / 1000, errorCode });
  };
  return {
    stats: () => ({ calls: totals.calls, errors: { ...totals.errors } }),
    name: provider.name,
    health: () => provider.health(),
    close: () => provider.close(),
    async complete(request) {
      const started = performance.now();
      try {
        const completion = await provider.complete(request);
        record(request.model, started);
        return completion;
      } catch (error) {
        record(request.model, started, isAppError(error) ? error.code : 'internal_error');
        throw error;
      }
    },
    async *stream(request): AsyncGenerator<StreamPart> {
      const started = performance.now();
      let outcome: string | undefined = 'client_closed';
      try {
        for await (const part of provider.stream(request)) {
          if (part.type === 'finish') outcome = undefined;
          if (part.type === 'error') outcome = part.error.code;
          yield part;
        }
      } finally {
        record(request.model, started, outcome);
      }
    },
  };
}
