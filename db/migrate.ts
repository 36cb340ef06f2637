/**
 * Applies the committed drizzle-kit migrations (db/migrations) with Drizzle's own migrator for the driver, so the
 * bookkeeping table (`drizzle.__drizzle_migrations`) stays the one drizzle-kit understands.
 *
 * Several instances start at once in a deployment and Drizzle's migrator is not safe to run concurrently (two
 * runs both see "nothing applied" and the second fails on CREATE TABLE). On Postgres a session advisory lock,
 * held on a reserved connection, serialises them: the later ones wait, then find nothing left to apply. PGlite
 * is private to this process, so an in-process queue is enough there.
 */
import { fileURLToPath } from 'node:url';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import type { Database, NativeHandle } from './database';

/** Beside this module, whatever the working directory (the Docker image runs from /app, tests from anywhere). */
export const MIGRATIONS_FOLDER = fileURLToPath(new URL('./migrations', import.meta.url));

/** Arbitrary but fixed: every instance of this gateway must use the same key, and nothing else should. */
const MIGRATION_LOCK_KEY = '7236545367816947559';

export interface MigrateOptions {
  migrationsFolder?: string;
}

export interface MigrateResult {
  /** Migrations this call applied (0 when the schema was already current). */
  applied: number;
  /** Migrations recorded in the database afterwards. */
  total: number;
}

const pgliteQueues = new WeakMap<object, Promise<unknown>>();

export async function migrateDb(database: Database, options: MigrateOptions = {}): Promise<MigrateResult> {
  const migrationsFolder = options.migrationsFolder ?? MIGRATIONS_FOLDER;
  const native = database.native;
  if (native.driver === 'pglite') {
    const previous = pgliteQueues.get(native.client) ?? Promise.resolve();
    const run = previous.catch(() => {}).then(() => counted(native, () => migratePglite(native.db, { migrationsFolder })));
    pgliteQueues.set(native.client, run);
    return run;
  }
  const lock = await native.sql.reserve();
  try {
    await lock.unsafe(`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`);
    try {
      // Runs on the pool, not on `lock`: a reserved connection cannot open the migrator's transaction.
      return await counted(native, () => migratePostgres(native.db, { migrationsFolder }));
    } finally {
      // If the lock's connection is gone, so is the lock; do not let that hide the migration's own outcome.
      await lock.unsafe(`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`).catch(() => {});
    }
  } finally {
    lock.release();
  }
}

async function counted(native: NativeHandle, run: () => Promise<void>): Promise<MigrateResult> {
  const before = await countApplied(native);
  await run();
  const total = await countApplied(native);
  return { applied: total - before, total };
}

/** Rows in Drizzle's bookkeeping table, 0 before the first migration created it. */
export async function countApplied(native: NativeHandle): Promise<number> {
  const rows = async (query: string): Promise<Record<string, unknown>[]> =>
    native.driver === 'postgres' ? [...(await native.sql.unsafe(query))] : (await native.client.query<Record<string, unknown>>(query)).rows;
  const [present] = await rows(`select to_regclass('drizzle.__drizzle_migrations') is not null as present`);
  if (!present?.present) return 0;
  const [row] = await rows('select count(*)::int as n from drizzle.__drizzle_migrations');
  return Number(row?.n ?? 0);
}
