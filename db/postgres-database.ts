/**
 * A postgres.js pool behind Drizzle. postgres.js opens connections lazily up to `max` and closes each one after
 * `idle_timeout`, so the pool grows under load and shrinks back when idle: the seed's "50 + 100 overflow" is one
 * pool of 150 whose unused part costs nothing.
 */
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { pingWithin, type Database, type DbLogger } from './database';
import { capPoolSize } from './pool-size';
import * as schema from './schema';

export interface PostgresDatabaseOptions {
  url: string;
  poolMax: number;
  logger: DbLogger;
}

/** Seconds; postgres.js takes all its timeouts in seconds. */
const CONNECT_TIMEOUT_S = 30;
/** Idle connections beyond what the load needs go away after this long. */
const IDLE_TIMEOUT_S = 30;
/** Recycles connections hourly so server-side memory growth and failovers are picked up. */
const MAX_LIFETIME_S = 3600;
const PING_TIMEOUT_MS = 2000;

interface ServerCapacity {
  maxConnections: number;
  reservedConnections: number;
  inUse: number;
}

/** One throw-away connection reads the server's limits before the pool, whose size is fixed at creation, exists. */
async function readServerCapacity(url: string): Promise<ServerCapacity> {
  const probe = postgres(url, { max: 1, connect_timeout: CONNECT_TIMEOUT_S, onnotice: () => {} });
  try {
    // `reserved_connections` exists from Postgres 16; the second argument makes it NULL on older servers.
    const [row] = await probe<{ max_connections: number; reserved: number; in_use: number }[]>`
      select current_setting('max_connections')::int as max_connections,
             current_setting('superuser_reserved_connections')::int
               + coalesce(current_setting('reserved_connections', true), '0')::int as reserved,
             (select count(*)::int from pg_stat_activity where backend_type = 'client backend') as in_use`;
    if (!row) throw new Error('Postgres returned no row for its connection limits');
    // The probe itself is one of the client backends counted.
    return { maxConnections: row.max_connections, reservedConnections: row.reserved, inUse: Math.max(0, row.in_use - 1) };
  } finally {
    await probe.end({ timeout: 1 });
  }
}

export async function openPostgresDatabase(options: PostgresDatabaseOptions): Promise<Database> {
  const { url, poolMax, logger } = options;
  const server = await readServerCapacity(url);
  const cap = capPoolSize({ requested: poolMax, ...server });
  if (cap.capped) {
    logger.warn('db.pool_capped', {
      message: `DB_POOL_MAX ${poolMax} is more than this Postgres server can give (max_connections ${server.maxConnections}, ${server.inUse} in use); using ${cap.max}.`,
      requested: poolMax,
      max: cap.max,
      serverMaxConnections: server.maxConnections,
      serverInUse: server.inUse,
      serverReserved: server.reservedConnections,
    });
  }
  const sql = postgres(url, {
    max: cap.max,
    idle_timeout: IDLE_TIMEOUT_S,
    max_lifetime: MAX_LIFETIME_S,
    connect_timeout: CONNECT_TIMEOUT_S,
    // Named prepared statements: parsed once per connection. Turn off only behind PgBouncer in transaction mode.
    prepare: true,
    // NOTICEs (e.g. "schema already exists, skipping" from migrations) are noise in JSON logs.
    onnotice: () => {},
  });
  const db = drizzle({ client: sql, schema });
  logger.info('db.connected', { driver: 'postgres', poolMax: cap.max, serverMaxConnections: server.maxConnections });

  let closing: Promise<void> | undefined;
  return {
    db,
    driver: 'postgres',
    native: { driver: 'postgres', sql, db },
    ping: () => pingWithin(PING_TIMEOUT_MS, () => sql`select 1`),
    poolStats: () => ({ driver: 'postgres', max: cap.max, requested: poolMax, serverMaxConnections: server.maxConnections }),
    close: () => (closing ??= sql.end({ timeout: 5 })),
  };
}
