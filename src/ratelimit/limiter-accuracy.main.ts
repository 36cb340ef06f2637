/**
 * Limiter accuracy across two gateway instances: how many requests the limiters admitted against how many the
 * policy allows (burst + rate × elapsed), with several concurrent callers per instance offering far more than the
 * limit. Not a test: run it by hand (`bun run src/ratelimit/limiter-accuracy.main.ts [--seconds 5]`) against the
 * Redis at TEST_REDIS_URL (default redis://127.0.0.1:6379).
 *
 * Scenarios, each for 10/s and 100/s (the CONTRACT.md defaults for chat and API routes, burst = 1 s):
 * - shared: two RedisRateLimiters on two ioredis clients, one budget (the normal multi-instance case);
 * - redis down: the same with Redis unreachable, each instance enforcing limit / 2 (knownInstances = 2);
 * - no redis: two MemoryRateLimiters, what per-instance limits give (twice the policy, by design).
 */
import type Redis from 'ioredis';
import { silentLogger } from '../log';
import { TEST_REDIS_URL } from '../testing/services';
import { MemoryRateLimiter } from './memory-rate-limiter';
import { rateRule, type RateLimiter } from './rate-limiter';
import { freePort, redisTestClient, testPrefix } from './ratelimit-test-helpers';
import { RedisRateLimiter } from './redis-rate-limiter';

const secondsArg = process.argv.indexOf('--seconds');
const seconds = secondsArg > 0 ? Number(process.argv[secondsArg + 1]) : 5;
const CALLERS_PER_INSTANCE = 8;
/** Pause between one caller's requests: each caller offers a few hundred requests a second. */
const CALLER_PAUSE_MS = 2;

type Scenario = 'shared' | 'redis down' | 'no redis';

interface Row {
  scenario: Scenario;
  rate: number;
  burst: number;
  seconds: number;
  offered: number;
  admitted: number;
  allowed: number;
  'admitted/allowed': string;
  'per instance': string;
  'shared decisions': string;
}

async function measure(scenario: Scenario, limiters: RateLimiter[], rate: number): Promise<Row> {
  const rule = rateRule(rate);
  const key = `accuracy:${scenario}:${rate}:${Math.random().toString(36).slice(2)}`;
  const admittedBy = limiters.map(() => 0);
  let offered = 0;
  let shared = 0;
  const started = performance.now();
  const end = started + seconds * 1000;
  const caller = async (index: number) => {
    const limiter = limiters[index]!;
    while (performance.now() < end) {
      const decision = await limiter.consume(key, rule);
      offered++;
      if (decision.allowed) admittedBy[index]!++;
      if (limiter.health().mode === 'shared') shared++;
      await Bun.sleep(CALLER_PAUSE_MS);
    }
  };
  await Promise.all(limiters.flatMap((_, index) => Array.from({ length: CALLERS_PER_INSTANCE }, () => caller(index))));
  const elapsed = (performance.now() - started) / 1000;
  const admitted = admittedBy.reduce((a, b) => a + b, 0);
  const allowed = rule.burst + rate * elapsed;
  return {
    scenario,
    rate,
    burst: rule.burst,
    seconds: Number(elapsed.toFixed(2)),
    offered,
    admitted,
    allowed: Math.round(allowed),
    'admitted/allowed': (admitted / allowed).toFixed(3),
    'per instance': admittedBy.join(' + '),
    'shared decisions': `${((shared / offered) * 100).toFixed(1)}%`,
  };
}

const clients: Redis[] = [];
async function redisLimiters(url: string, waitReady: boolean): Promise<RedisRateLimiter[]> {
  const prefix = testPrefix('accuracy');
  const pair = await Promise.all([redisTestClient(url, { waitReady }), redisTestClient(url, { waitReady })]);
  clients.push(...pair);
  return pair.map((redis) => new RedisRateLimiter({ redis, prefix, logger: silentLogger, knownInstances: () => 2 }));
}

const rows: Row[] = [];
for (const rate of [10, 100]) {
  rows.push(await measure('shared', await redisLimiters(TEST_REDIS_URL, true), rate));
  rows.push(await measure('redis down', await redisLimiters(`redis://127.0.0.1:${freePort()}`, false), rate));
  rows.push(await measure('no redis', [new MemoryRateLimiter(), new MemoryRateLimiter()], rate));
}
for (const client of clients) client.disconnect();

console.log(`2 instances × ${CALLERS_PER_INSTANCE} concurrent callers, one key, ~${seconds} s per row; allowed = burst + rate × elapsed`);
console.table(rows);
