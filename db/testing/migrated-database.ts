/**
 * Test helper: an opened and migrated database, plus how to throw it away. Without `url` it is PGlite in a fresh
 * temporary directory that `dispose` deletes; with `url` (a throw-away database the caller created, see
 * src/testing/services.ts) it is a small postgres.js pool. Not imported by application code.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDb, type Database, type DbLogger } from '../client';
import { migrateDb } from '../migrate';

export interface MigratedDatabase {
  database: Database;
  /** The PGlite data dir (undefined for Postgres). */
  dataDir?: string;
  dispose(): Promise<void>;
}

const quiet: DbLogger = { info: () => {}, warn: () => {} };

export async function openMigratedDatabase(options: { url?: string; poolMax?: number; logger?: DbLogger } = {}): Promise<MigratedDatabase> {
  const dataDir = options.url ? undefined : await mkdtemp(join(tmpdir(), 'gw-pglite-'));
  const database = await createDb({ url: options.url, dataDir: dataDir ?? tmpdir(), poolMax: options.poolMax ?? 10, logger: options.logger ?? quiet });
  try {
    await migrateDb(database);
  } catch (error) {
    await database.close();
    throw error;
  }
  return {
    database,
    dataDir,
    async dispose() {
      await database.close();
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
