/**
 * The usage store port: one row per answered request, for cost analysis and per-tenant accounting.
 *
 * Contract, for every adapter:
 * - `record` is idempotent per `requestId`: a row whose request id is already stored (or repeated within the same
 *   batch) is ignored, never double counted, so a batch may be retried after an ambiguous failure.
 * - `summary` aggregates over `since <= createdAt < until` (both optional). `total` covers the whole selection;
 *   `byTenant` has one entry per tenant that has rows in it, sorted by tenant. With `tenant` set, only that
 *   tenant's rows are selected (so `total` equals its single `byTenant` entry).
 * - Units: tokens are counts, costs are US dollars (decimal, at least 1e-10 precision), latency is milliseconds.
 *   `costUsd` is what upstream calls cost; `savedCostUsd` what answers served from the cache would have cost.
 */
export interface UsageRecord {
  /** Unique per request: the idempotency key. */
  requestId: string;
  tenant: string;
  conversationId?: string | null;
  route: string;
  model: string;
  cacheStatus: string;
  upstreamCalled: boolean;
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
  savedCostUsd: number;
  latencyMs: number;
  /** When the request was answered; defaults to the time of writing (rows may sit in a buffer first). */
  createdAt?: Date;
}

export interface UsageTotals {
  requests: number;
  upstreamCalls: number;
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
  savedCostUsd: number;
}

export interface TenantUsage extends UsageTotals {
  tenant: string;
}

export interface UsageSummaryQuery {
  tenant?: string;
  /** Inclusive lower bound on `createdAt`. */
  since?: Date;
  /** Exclusive upper bound on `createdAt`. */
  until?: Date;
}

export interface UsageSummary {
  total: UsageTotals;
  byTenant: TenantUsage[];
}

export interface UsageStore {
  /** Writes a batch; resolves with how many rows were new (duplicates are skipped, see the contract). */
  record(rows: readonly UsageRecord[]): Promise<{ inserted: number }>;
  summary(query?: UsageSummaryQuery): Promise<UsageSummary>;
}

export function emptyTotals(): UsageTotals {
  return { requests: 0, upstreamCalls: 0, promptTokens: 0, completionTokens: 0, costUsd: 0, savedCostUsd: 0 };
}
