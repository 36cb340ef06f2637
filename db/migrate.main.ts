/**
 * `bun run db:migrate`: applies the committed migrations to DATABASE_URL, or to the PGlite database in DATA_DIR
 * when no URL is set, prints one JSON line and exits. A standalone script, so it reads the environment itself
 * instead of going through the app's config module. It never prints the URL (it may hold a password).
 */
import { createDb } from './client';
import { migrateDb } from './migrate';

function log(level: 'info' | 'warn' | 'error', event: string, fields: Record<string, unknown> = {}): void {
  const line = JSON.stringify({ ts: new Date().toISOString(), level, event, ...fields }, (_key, value: unknown) =>
    value instanceof Error ? { name: value.name, message: value.message } : value,
  );
  process.stdout.write(line + '\n');
}

// Only warnings from opening the database: the outcome line below is the script's output.
const logger = { info: () => {}, warn: (event: string, fields?: Record<string, unknown>) => log('warn', event, fields) };

const startedAt = performance.now();
try {
  // Two connections: one holds the advisory lock while the other applies the migrations.
  const database = await createDb({ url: process.env.DATABASE_URL || undefined, dataDir: process.env.DATA_DIR || './.data', poolMax: 2, logger });
  try {
    const result = await migrateDb(database);
    log('info', 'db.migrated', { driver: database.driver, ...result, ms: Math.round(performance.now() - startedAt) });
  } finally {
    await database.close();
  }
  process.exit(0);
} catch (error) {
  log('error', 'db.migrate_failed', { error });
  process.exit(1);
}
