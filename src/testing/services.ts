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

/** A redis-server of the test's own on a free port, which the test may kill and start again (same port, empty). */
export interface PrivateRedis {
  url: string;
  /** SIGKILL: connections drop at once, as when the host dies. */
  kill(): Promise<void>;
  /** Starts it again on the same port (with no data: persistence is off) and waits until it answers. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export const redisServerBinary = (): string | null => Bun.which('redis-server');

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const binary = redisServerBinary();
  if (!binary) throw new Error('redis-server is not installed (Debian package redis-server)');
  const probe = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response() });
  const port = probe.port!;
  probe.stop(true);
  const url = `redis://127.0.0.1:${port}`;
  let child: ReturnType<typeof Bun.spawn> | undefined;
  const start = async () => {
    child = Bun.spawn([binary, '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdout: 'ignore', stderr: 'ignore' });
    const deadline = Date.now() + 10_000;
    for (;;) {
      const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 500, retryStrategy: () => null });
      redis.on('error', () => {}); // refused until the server listens; `connect()` rejects as well
      try {
        await redis.connect();
        if ((await redis.ping()) === 'PONG') return;
      } catch {
        if (Date.now() > deadline) throw new Error(`redis-server did not start on port ${port}`);
        await Bun.sleep(50);
      } finally {
        redis.disconnect();
      }
    }
  };
  const kill = async () => {
    child?.kill('SIGKILL');
    await child?.exited;
    child = undefined;
  };
  await start();
  return { url, kill, start, stop: kill };
}
