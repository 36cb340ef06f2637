import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import postgres from 'postgres';
import { createTestDatabase, postgresAvailable, TEST_POSTGRES_URL, type TestDatabase } from '../src/testing/services';
import { createDb, type Database, type DbLogger } from './client';
import { migrateDb, MIGRATIONS_FOLDER } from './migrate';
import { conversations } from './schema';

// PGlite's first start runs initdb (seconds on a small machine); bunfig's [test] timeout is not applied by Bun.
setDefaultTimeout(60_000);

const journal = JSON.parse(readFileSync(join(MIGRATIONS_FOLDER, 'meta', '_journal.json'), 'utf8')) as { entries: unknown[] };
const migrationCount = journal.entries.length;
const postgresUp = await postgresAvailable();

function recordingLogger() {
  const warnings: Array<{ event: string; fields?: Record<string, unknown> }> = [];
  const logger: DbLogger = { info: () => {}, warn: (event, fields) => warnings.push({ event, fields }) };
  return { logger, warnings };
}
const quiet = recordingLogger().logger;

/** Runs db/migrate.main.ts as `bun run db:migrate` would, but from an unrelated working directory. */
async function runMigrateScript(env: Record<string, string>): Promise<{ exitCode: number; lines: Array<Record<string, unknown>> }> {
  const child = Bun.spawn([process.execPath, join(import.meta.dir, 'migrate.main.ts')], {
    cwd: tmpdir(),
    env: { PATH: process.env.PATH ?? '', ...env },
    stdout: 'pipe',
    stderr: 'pipe',
  });
  const [stdout, exitCode] = await Promise.all([new Response(child.stdout).text(), child.exited]);
  return { exitCode, lines: stdout.trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>) };
}

describe('database on embedded PGlite', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'gw-client-'));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  test('applies every committed migration once to a new data dir, even when asked twice at once, and a later run applies nothing', async () => {
    const database = await createDb({ dataDir, poolMax: 150, logger: quiet });
    try {
      expect(database.driver).toBe('pglite');
      const concurrent = await Promise.all([migrateDb(database), migrateDb(database)]);
      expect(concurrent.map((r) => r.applied).sort()).toEqual([0, migrationCount]);
      expect(await migrateDb(database)).toEqual({ applied: 0, total: migrationCount });
      expect(await database.db.select().from(conversations)).toEqual([]);
      expect(database.poolStats()).toMatchObject({ driver: 'pglite', max: 1, requested: 150 });
    } finally {
      await database.close();
    }
  });

  test('keeps its data across close and reopen of the same data dir', async () => {
    const first = await createDb({ dataDir, poolMax: 1, logger: quiet });
    await migrateDb(first);
    await first.db.insert(conversations).values({ id: 'persisted', tenant: 't1', messageCount: 3 });
    await first.close();

    const second = await createDb({ dataDir, poolMax: 1, logger: quiet });
    try {
      expect((await migrateDb(second)).applied).toBe(0);
      const [row] = await second.db.select().from(conversations).where(eq(conversations.id, 'persisted'));
      expect(row).toMatchObject({ tenant: 't1', messageCount: 3 });
    } finally {
      await second.close();
    }
  });

  test('ping answers true while open and false once closed, and closing twice is harmless', async () => {
    const database = await createDb({ dataDir, poolMax: 1, logger: quiet });
    expect(await database.ping()).toBe(true);
    await database.close();
    await database.close();
    expect(await database.ping()).toBe(false);
  });

  test('db:migrate script migrates the PGlite database in DATA_DIR from any working directory', async () => {
    const scriptDir = await mkdtemp(join(tmpdir(), 'gw-script-'));
    try {
      const first = await runMigrateScript({ DATA_DIR: scriptDir });
      expect(first.exitCode).toBe(0);
      expect(first.lines.at(-1)).toMatchObject({ level: 'info', event: 'db.migrated', driver: 'pglite', applied: migrationCount });
    } finally {
      await rm(scriptDir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(!postgresUp)('database on Postgres', () => {
  let testDb: TestDatabase;
  beforeAll(async () => {
    testDb = await createTestDatabase('gw_client');
  });
  afterAll(async () => {
    await testDb?.drop();
  });

  test('lets several instances migrate a fresh database at once, applying each migration exactly once', async () => {
    const fresh = await createTestDatabase('gw_concurrent');
    const instances = await Promise.all([1, 2, 3, 4].map(() => createDb({ url: fresh.url, dataDir: tmpdir(), poolMax: 4, logger: quiet })));
    try {
      const results = await Promise.all(instances.map((database) => migrateDb(database)));
      expect(results.reduce((sum, r) => sum + r.applied, 0)).toBe(migrationCount);
      for (const result of results) expect(result.total).toBe(migrationCount);
      expect(await migrateDb(instances[0]!)).toEqual({ applied: 0, total: migrationCount });
    } finally {
      await Promise.all(instances.map((database) => database.close()));
      await fresh.drop();
    }
  });

  test('caps a pool larger than the server allows below max_connections and warns naming both numbers', async () => {
    const admin = postgres(TEST_POSTGRES_URL, { max: 1, onnotice: () => {} });
    const [setting] = await admin<{ max_connections: string }[]>`show max_connections`;
    await admin.end({ timeout: 1 });
    const maxConnections = Number(setting!.max_connections);

    const { logger, warnings } = recordingLogger();
    const database = await createDb({ url: testDb.url, dataDir: tmpdir(), poolMax: 100_000, logger });
    try {
      const stats = database.poolStats();
      expect(stats).toMatchObject({ driver: 'postgres', requested: 100_000, serverMaxConnections: maxConnections });
      expect(stats.max).toBeLessThan(maxConnections);
      expect(stats.max).toBeGreaterThanOrEqual(2);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]!.event).toBe('db.pool_capped');
      expect(warnings[0]!.fields).toMatchObject({ requested: 100_000, serverMaxConnections: maxConnections, max: stats.max });
      expect(String(warnings[0]!.fields?.message)).toContain(`DB_POOL_MAX 100000`);
      expect(String(warnings[0]!.fields?.message)).toContain(`max_connections ${maxConnections}`);
      expect(await database.ping()).toBe(true);
    } finally {
      await database.close();
    }
  });

  test('keeps a pool size the server can afford, without a warning', async () => {
    const { logger, warnings } = recordingLogger();
    const database = await createDb({ url: testDb.url, dataDir: tmpdir(), poolMax: 5, logger });
    try {
      expect(database.poolStats().max).toBe(5);
      expect(warnings).toEqual([]);
    } finally {
      await database.close();
    }
  });

  test('ping answers true while open and false once closed', async () => {
    const database: Database = await createDb({ url: testDb.url, dataDir: tmpdir(), poolMax: 2, logger: quiet });
    expect(await database.ping()).toBe(true);
    await database.close();
    expect(await database.ping()).toBe(false);
  });

  test('db:migrate script migrates DATABASE_URL from any working directory, and is a no-op the second time', async () => {
    const first = await runMigrateScript({ DATABASE_URL: testDb.url });
    expect(first.exitCode).toBe(0);
    expect(first.lines).toEqual([expect.objectContaining({ event: 'db.migrated', driver: 'postgres', applied: migrationCount, total: migrationCount })]);
    const second = await runMigrateScript({ DATABASE_URL: testDb.url });
    expect(second.lines.at(-1)).toMatchObject({ event: 'db.migrated', applied: 0, total: migrationCount });
    expect(JSON.stringify(first.lines)).not.toContain(testDb.url);
  });
});
