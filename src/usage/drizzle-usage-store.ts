/**
 * UsageStore over Drizzle (postgres.js pool or PGlite). Duplicates are skipped by the database itself
 * (ON CONFLICT (request_id) DO NOTHING), which also covers two instances writing the same row.
 *
 * A batch is inserted as one `INSERT ... SELECT FROM unnest(<one array per column>)`: 13 bind parameters
 * whatever the row count, instead of 13 per row. Drizzle's VALUES builder costs ~10% of the gateway's CPU under
 * load in profiles (a Param object and entity checks per value); arrays cost it nothing per row. Batches are still
 * split into chunks so one statement stays small; chunks need no shared transaction because re-sending one that
 * already landed is harmless.
 */
import { and, eq, gte, lt, sql } from 'drizzle-orm';
import { resultRows, type Db } from '../../db/client';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import { usageRecords } from '../../db/schema';
import { emptyTotals, type TenantUsage, type UsageRecord, type UsageStore, type UsageSummaryQuery } from './usage-store';

export interface DrizzleUsageStoreOptions {
  db: Db;
  /** Rows per INSERT. */
  chunkSize?: number;
}

export function createDrizzleUsageStore(options: DrizzleUsageStoreOptions): UsageStore {
  const { db } = options;
  const chunkSize = options.chunkSize ?? 1000;

  /**
   * One statement for a chunk: one array parameter per column, unnested back into rows. Every array is sent as
   * text[] and cast in SQL: postgres.js types a JS array by its first element (a boolean array as `boolean`), which
   * the server then refuses to read as an array; text arrays travel the same way on both drivers.
   */
  const insertChunk = async (rows: readonly UsageRecord[]) => {
    const asText = (value: string | number | boolean | null) => (value === null ? null : String(value));
    const column = (pick: (r: UsageRecord) => string | number | boolean | null) => sql.param(rows.map((r) => asText(pick(r))));
    const result = await db.execute(sql`
      insert into ${usageRecords} (request_id, tenant, conversation_id, route, model, cache_status, upstream_called,
        prompt_tokens, completion_tokens, cost_usd, saved_cost_usd, latency_ms, created_at)
      select request_id, tenant, conversation_id, route, model, cache_status, upstream_called::boolean,
        prompt_tokens::integer, completion_tokens::integer, cost_usd::numeric, saved_cost_usd::numeric, latency_ms::integer,
        coalesce(created_at::timestamptz, now())
      from unnest(
        ${column((r) => r.requestId)}::text[], ${column((r) => r.tenant)}::text[], ${column((r) => r.conversationId ?? null)}::text[],
        ${column((r) => r.route)}::text[], ${column((r) => r.model)}::text[], ${column((r) => r.cacheStatus)}::text[],
        ${column((r) => r.upstreamCalled)}::text[], ${column((r) => r.promptTokens)}::text[], ${column((r) => r.completionTokens)}::text[],
        ${column((r) => r.costUsd)}::text[], ${column((r) => r.savedCostUsd)}::text[], ${column((r) => r.latencyMs)}::text[],
        ${column((r) => r.createdAt?.toISOString() ?? null)}::text[])
        as r(request_id, tenant, conversation_id, route, model, cache_status, upstream_called,
          prompt_tokens, completion_tokens, cost_usd, saved_cost_usd, latency_ms, created_at)
      on conflict (request_id) do nothing
      returning id`);
    return resultRows<{ id: number }>(result);
  };

  // Sums come back as numeric/bigint text from both drivers; counts and token sums fit a double exactly.
  const total = (column: AnyPgColumn) => sql`coalesce(sum(${column}), 0)`.mapWith(Number);

  return {
    async record(rows) {
      let inserted = 0;
      for (let start = 0; start < rows.length; start += chunkSize) {
        const written = await insertChunk(rows.slice(start, start + chunkSize));
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
