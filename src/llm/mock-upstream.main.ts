/**
 * `bun run mock-upstream`: the mock OpenAI-compatible server as its own process, for benches, multi-instance
 * runs and demos. Configured by environment (this entry point is separate from the gateway, so it reads its
 * own variables rather than going through src/config.ts):
 * MOCK_PORT (8081), MOCK_HOST (127.0.0.1), MOCK_LATENCY_MS (0), MOCK_TOKENS_PER_SEC (0 = unpaced), MOCK_API_KEY.
 */
import { z } from 'zod';
import { createLogger } from '../log';
import { startMockUpstream } from './mock-upstream';

const env = z
  .object({
    MOCK_PORT: z.coerce.number().int().min(0).max(65535).default(8081),
    MOCK_HOST: z.string().min(1).default('127.0.0.1'),
    MOCK_LATENCY_MS: z.coerce.number().int().min(0).max(600_000).default(0),
    MOCK_TOKENS_PER_SEC: z.coerce.number().min(0).max(1_000_000).default(0),
    MOCK_API_KEY: z.string().min(1).optional(),
  })
  .safeParse(process.env);

const logger = createLogger({ fields: { component: 'mock-upstream' } });

if (!env.success) {
  // Name the bad variables, never their values.
  logger.error('mock_upstream.invalid_config', { variables: [...new Set(env.error.issues.map((issue) => issue.path.join('.')))] });
  process.exit(1);
}

const config = env.data;
const mock = startMockUpstream({
  port: config.MOCK_PORT,
  hostname: config.MOCK_HOST,
  latencyMs: config.MOCK_LATENCY_MS,
  tokensPerSec: config.MOCK_TOKENS_PER_SEC,
  apiKey: config.MOCK_API_KEY,
});
logger.info('mock_upstream.listening', {
  url: mock.url,
  latencyMs: config.MOCK_LATENCY_MS,
  tokensPerSec: config.MOCK_TOKENS_PER_SEC,
  apiKeyRequired: config.MOCK_API_KEY !== undefined,
});

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info('mock_upstream.stopping', { signal });
  await mock.stop();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
