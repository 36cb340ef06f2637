/**
 * Opens the gateway's database: a postgres.js pool when a URL is configured, otherwise embedded PGlite in the
 * data directory. Nothing connects at import time; call `migrateDb` (db/migrate.ts) after opening.
 */
import type { Database, DbLogger } from './database';
import { openPgliteDatabase } from './pglite-database';
import { openPostgresDatabase } from './postgres-database';

export type { Database, Db, DbLogger, Driver, PoolStats, Schema, Tx } from './database';
export { resultRows } from './database';

export interface CreateDbOptions {
  /** Postgres connection string; unset or empty selects PGlite. */
  url?: string;
  /** Where PGlite keeps its files (ignored with a URL). */
  dataDir: string;
  /** Pool size asked for; capped below the server's free connections (see pool-size.ts). */
  poolMax: number;
  logger: DbLogger;
}

export async function createDb(options: CreateDbOptions): Promise<Database> {
  if (options.url) return openPostgresDatabase({ url: options.url, poolMax: options.poolMax, logger: options.logger });
  return openPgliteDatabase({ dataDir: options.dataDir, poolMax: options.poolMax, logger: options.logger });
}
