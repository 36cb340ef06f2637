/** In-memory UsageStore for tests: the same idempotency and aggregation rules as the Drizzle adapter. */
import { emptyTotals, type TenantUsage, type UsageRecord, type UsageStore, type UsageTotals } from './usage-store';

export interface MemoryUsageStoreOptions {
  /** Clock for rows recorded without `createdAt`. */
  now?: () => Date;
}

function add(into: UsageTotals, row: UsageRecord): void {
  into.requests += 1;
  if (row.upstreamCalled) into.upstreamCalls += 1;
  into.promptTokens += row.promptTokens;
  into.completionTokens += row.completionTokens;
  into.costUsd += row.costUsd;
  into.savedCostUsd += row.savedCostUsd;
}

export function createMemoryUsageStore(options: MemoryUsageStoreOptions = {}): UsageStore {
  const now = options.now ?? (() => new Date());
  const byRequestId = new Map<string, UsageRecord & { createdAt: Date }>();

  return {
    async record(rows) {
      let inserted = 0;
      for (const row of rows) {
        if (byRequestId.has(row.requestId)) continue;
        byRequestId.set(row.requestId, { ...row, createdAt: row.createdAt ?? now() });
        inserted += 1;
      }
      return { inserted };
    },

    async summary(query = {}) {
      const total = emptyTotals();
      const tenants = new Map<string, TenantUsage>();
      for (const row of byRequestId.values()) {
        if (query.tenant !== undefined && row.tenant !== query.tenant) continue;
        if (query.since && row.createdAt < query.since) continue;
        if (query.until && row.createdAt >= query.until) continue;
        add(total, row);
        let tenant = tenants.get(row.tenant);
        if (!tenant) tenants.set(row.tenant, (tenant = { tenant: row.tenant, ...emptyTotals() }));
        add(tenant, row);
      }
      // Code-unit order, like the Drizzle adapter's `collate "C"` (identical for ASCII and for BMP text).
      const byTenant = [...tenants.values()].sort((a, b) => (a.tenant < b.tenant ? -1 : a.tenant > b.tenant ? 1 : 0));
      return { total, byTenant };
    },
  };
}
