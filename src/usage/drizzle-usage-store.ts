/**
 * UsageStore over Drizzle (postgres.js pool or PGlite). Duplicates are skipped by the database itself
 * (ON CONFLICT (request_id) DO NOTHING), which also covers two instances writing the same row. Large batches are
 * split to stay far below Postgres' 65,535 bind parameters per statement; chunks need no shared transaction
 * because re-sending one that already landed is harmless.
 */
import { and, eq, gte, lt, sql } from 'drizzle-orm';
import type { Db } from '../../db/client';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import { usageRecords } from '../../db/schema';
import { emptyTotals, type TenantUsage, type UsageRecord, type UsageStore, type UsageSummaryQuery } from './usage-store';

export interface DrizzleUsageStoreOptions {
  db: Db;
  /** Rows per INSERT; 14 parameters each. */
  chunkSize?: number;
}

export function createDrizzleUsageStore(options: DrizzleUsageStoreOptions): UsageStore {
  const { db } = options;
  const chunkSize = options.chunkSize ?? 1000;

  const toRow = (r: UsageRecord) => ({
    requestId: r.requestId,
    tenant: r.tenant,
    conversationId: r.conversationId ?? null,
    route: r.route,
    model: r.model,
    cacheStatus: r.cacheStatus,
    upstreamCalled: r.upstreamCalled,
    promptTokens: r.promptTokens,
    completionTokens: r.completionTokens,
    costUsd: r.costUsd,
    savedCostUsd: r.savedCostUsd,
    latencyMs: r.latencyMs,
    ...(r.createdAt ? { createdAt: r.createdAt } : {}),
  });

  // Sums come back as numeric/bigint text from both drivers; counts and token sums fit a double exactly.
  const total = (column: AnyPgColumn) => sql`coalesce(sum(${column}), 0)`.mapWith(Number);

  return {
    async record(rows) {
      let inserted = 0;
      for (let start = 0; start < rows.length; start += chunkSize) {
        const chunk = rows.slice(start, start + chunkSize).map(toRow);
        const written = await db.insert(usageRecords).values(chunk).onConflictDoNothing({ target: usageRecords.requestId }).returning({ id: usageRecords.id });
        inserted += written.length;
      }
      return { inserted };
    },

    async summary(query: UsageSummaryQuery = {}) {
      const conditions = [
        query.tenant === undefined ? undefined : eq(usageRecords.tenant, query.tenant),
        query.since ? gte(usageRecords.createdAt, query.since) : undefined,
        query.until ? lt(usageRecords.createdAt, query.until) : undefined,
      ];
      // ROLLUP adds the grand-total row (grouping = 1) to the per-tenant rows in one scan; it is present even
      // when no row matches, so `total` needs no special case.
      const rows = await db
        .select({
          isTotal: sql`grouping(${usageRecords.tenant})`.mapWith(Number),
          tenant: usageRecords.tenant,
          requests: sql`count(*)`.mapWith(Number),
          upstreamCalls: sql`count(*) filter (where ${usageRecords.upstreamCalled})`.mapWith(Number),
          promptTokens: total(usageRecords.promptTokens),
          completionTokens: total(usageRecords.completionTokens),
          costUsd: total(usageRecords.costUsd),
          savedCostUsd: total(usageRecords.savedCostUsd),
        })
        .from(usageRecords)
        .where(and(...conditions))
        .groupBy(sql`rollup(${usageRecords.tenant})`)
        // Byte order, independent of the server's locale (the memory adapter sorts the same way).
        .orderBy(sql`${usageRecords.tenant} collate "C"`);
      const byTenant: TenantUsage[] = [];
      let totals = emptyTotals();
      for (const { isTotal, tenant, ...figures } of rows) {
        if (isTotal === 1) totals = figures;
        else byTenant.push({ tenant, ...figures });
      }
      return { total: totals, byTenant };
    },
  };
}
