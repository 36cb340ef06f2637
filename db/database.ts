/**
 * The database handle the rest of the gateway receives. Both drivers produce the same `Db` type, so stores are
 * written once against `PgDatabase` and work on a postgres.js pool and on embedded PGlite alike.
 */
import type { PGlite } from '@electric-sql/pglite';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type { PgliteDatabase } from 'drizzle-orm/pglite';
import type { PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import type { Sql } from 'postgres';
import type * as schema from './schema';

export type Schema = typeof schema;

/**
 * Drizzle over either driver. `PostgresJsDatabase` and `PgliteDatabase` both extend `PgDatabase` and differ only
 * in the raw result shape of `db.execute()` (an array vs `{ rows }`), which the base `PgQueryResultHKT` leaves
 * open; query-builder results (select / insert ... returning) are identical. Prefer the query builder.
 */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;

/** The rows of a `db.execute()` result from either driver (postgres.js: the result is the rows; PGlite: `{ rows }`). */
export function resultRows<T>(result: unknown): T[] {
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}

/** A transaction handle of `Db`, for helpers that must run inside one. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

export type Driver = 'postgres' | 'pglite';

export interface PoolStats {
  driver: Driver;
  /** Connections this instance may open (PGlite: always 1, it is single-connection). */
  max: number;
  /** What the configuration asked for, before the server-side cap. */
  requested: number;
  /** The server's `max_connections` seen at start (Postgres only). */
  serverMaxConnections?: number;
}

/** The driver objects themselves, for db/ internals such as migrations. Application code uses `db`. */
export type NativeHandle =
  | { driver: 'postgres'; sql: Sql; db: PostgresJsDatabase<Schema> }
  | { driver: 'pglite'; client: PGlite; db: PgliteDatabase<Schema> };

export interface Database {
  readonly db: Db;
  readonly driver: Driver;
  /** True when a trivial query answers within a couple of seconds; never throws. */
  ping(): Promise<boolean>;
  poolStats(): PoolStats;
  /** Closes every connection (idempotent). Queries issued afterwards fail. */
  close(): Promise<void>;
  readonly native: NativeHandle;
}

/**
 * Logger shape db/ needs, declared here rather than imported because db/ is a leaf: src/log.ts's Logger
 * satisfies it structurally.
 */
export interface DbLogger {
  info(event: string, fields?: Record<string, unknown>): void;
  warn(event: string, fields?: Record<string, unknown>): void;
}

/** Resolves to false if `check` has not succeeded within `ms` (a saturated pool must not hang health checks). */
export async function pingWithin(ms: number, check: () => Promise<unknown>): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([check().then(() => true as const), timeout]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
