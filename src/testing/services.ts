/**
 * Access to the real Postgres and Redis that integration tests use.
 *
 * When a service is unreachable the suite is skipped, unless REQUIRE_SERVICES=1 (set by .ci/run), in which case
 * it fails loudly: CI must never pass by skipping. Each Postgres suite gets its own throw-away database so suites
 * cannot see each other's rows.
 */
import postgres from 'postgres';
import Redis from 'ioredis';

export const TEST_POSTGRES_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const servicesRequired = process.env.REQUIRE_SERVICES === '1';

async function reachable(check: () => Promise<unknown>): Promise<boolean> {
  try {
    await check();
    return true;
  } catch {
    return false;
  }
}

export async function postgresAvailable(): Promise<boolean> {
  const ok = await reachable(async () => {
    const sql = postgres(TEST_POSTGRES_URL, { max: 1, connect_timeout: 3, onnotice: () => {} });
    try {
      await sql`select 1`;
    } finally {
      await sql.end({ timeout: 1 });
    }
  });
  if (!ok && servicesRequired) throw new Error(`REQUIRE_SERVICES=1 but Postgres is unreachable at ${TEST_POSTGRES_URL}`);
  return ok;
}

export async function redisAvailable(): Promise<boolean> {
  const ok = await reachable(async () => {
    const redis = new Redis(TEST_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 2000, retryStrategy: () => null });
    try {
      await redis.connect();
      await redis.ping();
    } finally {
      redis.disconnect();
    }
  });
  if (!ok && servicesRequired) throw new Error(`REQUIRE_SERVICES=1 but Redis is unreachable at ${TEST_REDIS_URL}`);
  return ok;
}

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** Creates an empty database for one suite; `drop` removes it (terminating leftover connections). */
export async function createTestDatabase(prefix = 'gw_test'): Promise<TestDatabase> {
  const name = `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = postgres(TEST_POSTGRES_URL, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database "${name}"`);
  } finally {
    await admin.end({ timeout: 1 });
  }
  const url = new URL(TEST_POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const sql = postgres(TEST_POSTGRES_URL, { max: 1, onnotice: () => {} });
      try {
        await sql.unsafe(`drop database if exists "${name}" with (force)`);
      } finally {
        await sql.end({ timeout: 1 });
      }
    },
  };
}
