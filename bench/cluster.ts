/**
 * `bun run cluster -- --instances 2`: starts N gateway instances on their own ports sharing one Postgres and one
 * Redis (and the mock upstream unless LLM_BASE_URL is set), prints their URLs as JSON, and stops them all on
 * Ctrl-C. Flags: --instances N (default 2), --database-url, --redis-url (defaults: local servers, database
 * `gateway_cluster`), --api-keys 'key:tenant,...'.
 */
import { parseArgs } from 'node:util';
import { dirname, resolve } from 'node:path';
import { startCluster } from './lib/cluster';
import { installCleanupHandlers } from './lib/processes';

const { values } = parseArgs({
  args: Bun.argv.slice(2),
  options: {
    instances: { type: 'string', default: '2' },
    'database-url': { type: 'string', default: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/gateway_cluster' },
    'redis-url': { type: 'string', default: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
    'api-keys': { type: 'string' },
  },
});
const instances = Number(values.instances);
if (!Number.isInteger(instances) || instances < 1 || instances > 16) {
  process.stderr.write('--instances must be a whole number from 1 to 16\n');
  process.exit(2);
}
installCleanupHandlers();
const cluster = await startCluster({
  rootDir: resolve(dirname(import.meta.path), '..'),
  instances,
  databaseUrl: values['database-url']!,
  redisUrl: values['redis-url']!,
  llmBaseUrl: process.env.LLM_BASE_URL,
  llmApiKey: process.env.LLM_API_KEY,
  apiKeys: values['api-keys'],
  logLevel: 'info',
});
console.log(JSON.stringify({ event: 'cluster.started', gateways: cluster.gateways.map((g) => g.origin), mock: cluster.mock?.baseUrl }));
const shutdown = async () => {
  await cluster.stop();
  process.exit(0);
};
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
await new Promise(() => {});
