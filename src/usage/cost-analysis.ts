/**
 * Cost analysis from the usage records: tokens, upstream calls made and avoided, money spent and saved, and
 * projections (per month at the observed rate, and per 10,000 interactions), in total and per tenant.
 */
import { DEFAULT_PRICES, type PriceTable } from './pricing';
import type { UsageStore, UsageTotals } from './usage-store';

export interface CostFigures extends UsageTotals {
  upstreamCallsAvoided: number;
  /** Share of requests answered without an upstream call. */
  savingsRate: number;
  costPer10kInteractionsUsd: number;
  projectedMonthlyCostUsd: number;
  projectedMonthlySavedUsd: number;
}

export interface CostReport {
  since: string;
  until: string;
  windowDays: number;
  prices: PriceTable;
  total: CostFigures;
  byTenant: Array<CostFigures & { tenant: string }>;
}

const DAY_MS = 86_400_000;
const round = (value: number, digits = 6) => Number(value.toFixed(digits));

function figures(totals: UsageTotals, windowDays: number): CostFigures {
  const avoided = totals.requests - totals.upstreamCalls;
  // Project from the observed window, but never from less than an hour: a fresh instance must not extrapolate
  // one request into a month.
  const perDay = 1 / Math.max(windowDays, 1 / 24);
  return {
    ...totals,
    costUsd: round(totals.costUsd),
    savedCostUsd: round(totals.savedCostUsd),
    upstreamCallsAvoided: avoided,
    savingsRate: totals.requests === 0 ? 0 : round(avoided / totals.requests, 4),
    costPer10kInteractionsUsd: totals.requests === 0 ? 0 : round((totals.costUsd / totals.requests) * 10_000),
    projectedMonthlyCostUsd: round(totals.costUsd * perDay * 30),
    projectedMonthlySavedUsd: round(totals.savedCostUsd * perDay * 30),
  };
}

export async function analyzeCost(options: { store: UsageStore; since: Date; now?: Date; tenant?: string; prices?: PriceTable }): Promise<CostReport> {
  const until = options.now ?? new Date();
  const summary = await options.store.summary({ since: options.since, until, tenant: options.tenant });
  const windowDays = Math.max(0, (until.getTime() - options.since.getTime()) / DAY_MS);
  return {
    since: options.since.toISOString(),
    until: until.toISOString(),
    windowDays: round(windowDays, 3),
    prices: options.prices ?? DEFAULT_PRICES,
    total: figures(summary.total, windowDays),
    byTenant: summary.byTenant.map((t) => ({ ...figures(t, windowDays), tenant: t.tenant })),
  };
}
