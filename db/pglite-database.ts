/**
 * Embedded Postgres (PGlite, Postgres compiled to WASM) persisted on local disk: the zero-configuration default.
 * It is one connection in one process, so queries and transactions run one at a time, and two processes must
 * never open the same directory.
 */
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pingWithin, type Database, type DbLogger } from './database';
import * as schema from './schema';

export interface PgliteDatabaseOptions {
  /** DATA_DIR; the database lives in its `pglite/` subfolder so other embedded state can sit beside it. */
  dataDir: string;
  poolMax: number;
  logger: DbLogger;
}

const PING_TIMEOUT_MS = 2000;

export function pgliteDirectory(dataDir: string): string {
  return resolve(join(dataDir, 'pglite'));
}

export async function openPgliteDatabase(options: PgliteDatabaseOptions): Promise<Database> {
  const directory = pgliteDirectory(options.dataDir);
  await mkdir(directory, { recursive: true });
  // Imported here, not at the top: the WASM build is large and deployments with DATABASE_URL never need it.
  const [{ PGlite }, { drizzle }] = await Promise.all([import('@electric-sql/pglite'), import('drizzle-orm/pglite')]);
  const client = await PGlite.create(directory);
  const db = drizzle({ client, schema });
  options.logger.info('db.connected', { driver: 'pglite', directory });

  let closing: Promise<void> | undefined;
  return {
    db,
    driver: 'pglite',
    native: { driver: 'pglite', client, db },
    ping: () => pingWithin(PING_TIMEOUT_MS, () => client.query('select 1')),
    poolStats: () => ({ driver: 'pglite', max: 1, requested: options.poolMax }),
    close: () => (closing ??= client.closed ? Promise.resolve() : client.close()),
  };
}
