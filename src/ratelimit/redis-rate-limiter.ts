/**
 * RateLimiter over Redis: one budget per key across every instance.
 *
 * Each decision is one Lua script (EVALSHA, see redis-script.ts), so read-decide-write is atomic and costs one
 * round trip. The script runs the GCRA of gcra.ts against Redis's own clock (TIME), so instances' clock skew
 * cannot hand anyone extra tokens; a bucket is `${prefix}:rl:${boundedKey(key)}` holding its `tat`, stored with a
 * PX expiry at the moment it would be full again, so idle buckets vanish by themselves.
 *
 * Redis trouble never fails a request. The client must be created with `enableOfflineQueue: false` (and
 * `maxRetriesPerRequest: 0`, not `lazyConnect`), so that nothing queues while Redis is down; while it is not
 * ready, or when a script errors or takes longer than `timeoutMs`, the decision is made by a local
 * MemoryRateLimiter enforcing `limit / knownInstances()` (rate and burst), and `health()` says `degraded-local`.
 * After a timeout or error, Redis is retried by one probe call per `retryIntervalMs` (everyone else stays local
 * meanwhile, so a slow Redis costs one request a timeout, not every request), and at once after a reconnect.
 * The first answer from Redis makes the limiter `shared` again.
 *
 * Known imprecision, each bounded: a call that timed out may still take its token in Redis later (stricter);
 * local buckets start full when Redis goes away (at most one burst share extra per instance and outage);
 * `knownInstances` is only as fresh as its source (instance-census.ts keeps its last count through an outage).
 */
import type Redis from 'ioredis';
import type { RedisOptions } from 'ioredis';
import type { Logger } from '../log';
import { MemoryRateLimiter } from './memory-rate-limiter';
import {
  assertValidRequest,
  boundedKey,
  type RateDecision,
  type RateLimiter,
  type RateLimiterHealth,
  type RateRule,
} from './rate-limiter';
import { RedisTimeout, redisScript, withTimeout } from './redis-script';

export interface RedisRateLimiterOptions {
  redis: Redis;
  /** Isolates deployments and test runs sharing one Redis: keys are `${prefix}:rl:...`. */
  prefix: string;
  logger: Logger;
  /** A decision Redis has not returned within this is made locally (default 50 ms; Redis itself answers in <1 ms). */
  timeoutMs?: number;
  /** Gateway instances sharing the limits (default `() => 1`); read on every local decision. */
  knownInstances?: () => number;
  /** How often a degraded limiter lets one call try Redis again (default 1000 ms). */
  retryIntervalMs?: number;
  /** Bound on the local fallback's buckets (default 10,000). */
  maxLocalKeys?: number;
  /** Injectable clock in ms, for the fallback's buckets and the retry interval. */
  now?: () => number;
}

/** GCRA as in gcra.ts, with Redis's clock. Returns {allowed 0|1, remaining, resetMs, retryAfterMs}. */
const GCRA_LUA = `
-- Before Redis 5, a script calling TIME must switch to effects replication before it writes (no-op since 5).
if redis.replicate_commands then pcall(redis.replicate_commands) end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local limit = tonumber(ARGV[4])
local eps = 0.001
local base = math.max(tonumber(redis.call('GET', KEYS[1])) or now, now)
local nxt = base + cost * interval
local function left(ahead)
  return math.min(limit, math.max(0, math.floor((tolerance - ahead) / interval + eps / interval)))
end
local function ceilms(ms) return math.max(0, math.ceil(ms - eps)) end
if nxt - now <= tolerance + eps then
  if nxt > now then
    redis.call('SET', KEYS[1], string.format('%.3f', nxt), 'PX', math.max(1, ceilms(nxt - now)))
  end
  return {1, left(nxt - now), ceilms(nxt - now), 0}
end
return {0, left(base - now), ceilms(base - now), math.max(1, ceilms(nxt - tolerance - now))}
`;
const GCRA_SCRIPT = redisScript(GCRA_LUA);

/**
 * Client options the limiter's contract assumes: fail at once while disconnected instead of queueing, never
 * replay a decision after a reconnect (it would take a token twice), reconnect quickly with a low cap.
 */
export const rateLimiterRedisOptions = {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  autoResendUnfulfilledCommands: false,
  connectTimeout: 2000,
  retryStrategy: (attempt: number) => Math.min(2000, 50 * 2 ** Math.min(attempt, 6)),
} satisfies RedisOptions;

export const rateLimitKey = (prefix: string, key: string) => `${prefix}:rl:${boundedKey(key)}`;

export class RedisRateLimiter implements RateLimiter {
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly logger: Logger;
  private readonly timeoutMs: number;
  private readonly knownInstances: () => number;
  private readonly retryIntervalMs: number;
  private readonly now: () => number;
  private readonly local: MemoryRateLimiter;
  /** `since` on the injected clock (for durations), `sinceIso` on the wall clock (for people). */
  private degraded: { since: number; sinceIso: string; reason: string } | undefined;
  private nextProbeAt = 0;
  private probing = false;

  constructor(options: RedisRateLimiterOptions) {
    this.redis = options.redis;
    this.prefix = options.prefix;
    this.logger = options.logger.child({ component: 'ratelimit' });
    this.timeoutMs = options.timeoutMs ?? 50;
    this.knownInstances = options.knownInstances ?? (() => 1);
    this.retryIntervalMs = options.retryIntervalMs ?? 1000;
    this.now = options.now ?? Date.now;
    this.local = new MemoryRateLimiter({ maxKeys: options.maxLocalKeys, now: options.now });
  }

  async consume(key: string, rule: RateRule, cost = 1): Promise<RateDecision> {
    assertValidRequest(rule, cost);
    if (!this.mayAskRedis()) return this.decideLocally(key, rule, cost);
    const isProbe = this.degraded !== undefined;
    if (isProbe) this.probing = true;
    try {
      const interval = 1000 / rule.ratePerSec;
      const limit = Math.floor(rule.burst);
      const reply = await withTimeout(
        GCRA_SCRIPT.run(this.redis, [rateLimitKey(this.prefix, key)], [interval, rule.burst * interval, cost, limit]),
        this.timeoutMs,
      );
      const decision = parseReply(reply, limit);
      if (!decision) throw new Error('unexpected reply from the rate limit script');
      this.recovered();
      return decision;
    } catch (error) {
      this.failed(error instanceof RedisTimeout ? 'timed out' : 'failed', error);
      return this.decideLocally(key, rule, cost);
    } finally {
      if (isProbe) this.probing = false;
    }
  }

  health(): RateLimiterHealth {
    const notReady = this.redis.status !== 'ready';
    if (!this.degraded && !notReady) return { mode: 'shared', detail: 'limits shared by all instances through Redis' };
    const reason = this.degraded?.reason ?? 'not connected';
    const since = this.degraded ? ` since ${this.degraded.sinceIso}` : '';
    return {
      mode: 'degraded-local',
      detail: `Redis ${reason}${since}; this instance enforces 1/${this.instances()} of every limit alone`,
    };
  }

  private mayAskRedis(): boolean {
    if (this.redis.status !== 'ready') {
      // Probe as soon as the client is ready again: a fresh connection is the best evidence Redis is back.
      this.failed('not connected');
      this.nextProbeAt = 0;
      return false;
    }
    return !this.degraded || (!this.probing && this.now() >= this.nextProbeAt);
  }

  private decideLocally(key: string, rule: RateRule, cost: number): RateDecision {
    const share = this.instances();
    return this.local.consumeNow(key, { ratePerSec: rule.ratePerSec / share, burst: Math.max(1, rule.burst / share) }, cost);
  }

  /** The injected count, made safe: an integer from 1 to 10,000 whatever the function returns or throws. */
  private instances(): number {
    let count = 1;
    try {
      count = this.knownInstances();
    } catch {
      count = 1;
    }
    return Number.isFinite(count) && count >= 1 ? Math.min(Math.floor(count), 10_000) : 1;
  }

  private failed(reason: string, error?: unknown) {
    this.nextProbeAt = this.now() + this.retryIntervalMs;
    if (this.degraded) {
      this.degraded.reason = reason;
      return;
    }
    this.degraded = { since: this.now(), sinceIso: new Date().toISOString(), reason };
    // Logged on the transition only: an outage is one warning per instance, not one per request.
    this.logger.warn('ratelimit.degraded', { reason, knownInstances: this.instances(), error });
  }

  private recovered() {
    if (!this.degraded) return;
    this.logger.info('ratelimit.shared_again', { degradedMs: Math.round(this.now() - this.degraded.since) });
    this.degraded = undefined;
  }
}

function parseReply(reply: unknown, limit: number): RateDecision | undefined {
  if (!Array.isArray(reply) || reply.length !== 4 || !reply.every((n) => typeof n === 'number')) return undefined;
  const [allowed, remaining, resetMs, retryAfterMs] = reply as [number, number, number, number];
  return { allowed: allowed === 1, limit, remaining, resetMs, retryAfterMs };
}
