/** Configuration of one gateway instance in a multi-instance test: real Postgres and Redis, the mock upstream. */
import { loadConfig, type Config } from '../config';

export interface InstanceConfigInput {
  instanceId: string;
  databaseUrl: string;
  redisUrl: string;
  /** The mock upstream's base URL. */
  llmBaseUrl: string;
  /** `GATEWAY_API_KEYS`, e.g. `sk-city-key-0001:city`. */
  apiKeys: string;
  /** Further variables, applied last. */
  env?: Record<string, string>;
}

export function instanceConfig(input: InstanceConfigInput): Config {
  return loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    INSTANCE_ID: input.instanceId,
    DATABASE_URL: input.databaseUrl,
    DB_POOL_MAX: '10',
    REDIS_URL: input.redisUrl,
    LLM_BASE_URL: input.llmBaseUrl,
    LLM_API_KEY: 'sk-upstream',
    GATEWAY_API_KEYS: input.apiKeys,
    EMBEDDINGS_MODEL: 'hash',
    LOG_LEVEL: 'silent',
    RATE_LIMIT_CHAT_PER_SEC: '1000',
    ...input.env,
  });
}
