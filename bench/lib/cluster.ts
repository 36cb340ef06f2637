/**
 * N gateway instances sharing one Postgres and one Redis, behind no balancer (clients pick an origin), with the
 * mock upstream unless a real one is named. Used by `bun run cluster` and by multi-instance benches.
 */
import postgres from 'postgres';
import { startGateway, startMock, type GatewayServer, type MockServer } from './servers';

export interface ClusterOptions {
  rootDir: string;
  instances: number;
  databaseUrl: string;
  redisUrl: string;
  /** OpenAI-compatible upstream; unset starts the mock upstream. */
  llmBaseUrl?: string;
  llmApiKey?: string;
  apiKeys?: string;
  env?: Record<string, string | undefined>;
  logLevel?: 'debug' | 'info' | 'warn' | 'error' | 'silent';
}

export interface Cluster {
  gateways: GatewayServer[];
  mock?: MockServer;
  stop(): Promise<void>;
}

/** Creates the database named in `url` when it does not exist yet (connecting to the server's `postgres` db). */
export async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  if (!/^[\w-]{1,63}$/.test(name)) throw new Error(`database name '${name}' must be 1-63 letters, digits, dashes or underscores`);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const sql = postgres(admin.toString(), { max: 1, onnotice: () => {} });
  try {
    const found = await sql`select 1 from pg_database where datname = ${name}`;
    if (found.length === 0) await sql.unsafe(`create database "${name}"`);
  } finally {
    await sql.end({ timeout: 1 });
  }
}

export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  await ensureDatabase(options.databaseUrl);
  const mock = options.llmBaseUrl ? undefined : await startMock({ rootDir: options.rootDir, apiKey: 'sk-bench' });
  const gateways: GatewayServer[] = [];
  const stop = async () => {
    await Promise.all(gateways.map((g) => g.stop()));
    await mock?.stop();
  };
  try {
    // One at a time: the first runs the migrations (advisory-locked anyway) and the others start warm.
    for (let i = 0; i < options.instances; i++) {
      gateways.push(
        await startGateway({
          rootDir: options.rootDir,
          llmBaseUrl: options.llmBaseUrl ?? mock!.baseUrl,
          llmApiKey: options.llmBaseUrl ? options.llmApiKey : 'sk-bench',
          apiKeys: options.apiKeys,
          databaseUrl: options.databaseUrl,
          redisUrl: options.redisUrl,
          logLevel: options.logLevel,
          env: { INSTANCE_ID: `gw-${i + 1}`, DB_POOL_MAX: '20', ...options.env },
        }),
      );
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { gateways, mock, stop };
}
