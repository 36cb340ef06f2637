/**
 * How many gateway instances share the limits: the `knownInstances` the Redis limiter divides by while Redis is
 * away.
 *
 * Each instance writes a heartbeat into one sorted set (`${prefix}:instances`, member = instance id, score =
 * Redis TIME in ms) every `intervalMs`, drops members silent for longer than `ttlMs`, and reads the member count,
 * all in one script. The count is remembered between heartbeats, so when Redis goes away `count()` keeps
 * answering with the last figure seen: exactly the moment the limiter needs it, and the moment nothing fresher can
 * be learnt. An instance that dies during the outage is still counted (limits stay stricter, never looser).
 *
 * Why not count instance ids seen on the bus: the bus carries cache events only, so an idle but live instance is
 * never seen, and undercounting makes the degraded limits too loose. A presence heartbeat sees every instance.
 */
import type Redis from 'ioredis';
import type { Logger } from '../log';
import { redisScript, withTimeout } from './redis-script';

export interface InstanceCensusOptions {
  redis: Redis;
  prefix: string;
  instanceId: string;
  logger: Logger;
  /** Heartbeat period (default 5 s). */
  intervalMs?: number;
  /** An instance not heard from for this long is no longer counted (default three missed heartbeats). */
  ttlMs?: number;
  /** A heartbeat not answered within this is skipped (default 1 s). */
  timeoutMs?: number;
}

const HEARTBEAT_LUA = `
if redis.replicate_commands then pcall(redis.replicate_commands) end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[2])
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - ttl)
redis.call('PEXPIRE', KEYS[1], ttl * 2)
return redis.call('ZCARD', KEYS[1])
`;
const HEARTBEAT = redisScript(HEARTBEAT_LUA);

export const censusKey = (prefix: string) => `${prefix}:instances`;

export class InstanceCensus {
  private readonly options: InstanceCensusOptions;
  private readonly intervalMs: number;
  private readonly ttlMs: number;
  private readonly timeoutMs: number;
  private readonly logger: Logger;
  private known = 1;
  private timer: ReturnType<typeof setInterval> | undefined;
  private warnedAt = 0;

  constructor(options: InstanceCensusOptions) {
    this.options = options;
    this.intervalMs = options.intervalMs ?? 5000;
    this.ttlMs = options.ttlMs ?? this.intervalMs * 3;
    this.timeoutMs = options.timeoutMs ?? 1000;
    this.logger = options.logger.child({ component: 'instance-census' });
  }

  /** Instances heard from recently, including this one; the last known figure while Redis is away. At least 1. */
  count(): number {
    return this.known;
  }

  /** Heartbeats now and every `intervalMs`. The timer does not keep the process alive. */
  start(): void {
    if (this.timer) return;
    void this.beat();
    this.timer = setInterval(() => void this.beat(), this.intervalMs);
    this.timer.unref?.();
  }

  /** One heartbeat; resolves with the count in force afterwards. Never rejects. */
  async beat(): Promise<number> {
    const { redis, prefix, instanceId } = this.options;
    if (redis.status !== 'ready') return this.known;
    try {
      const reply = await withTimeout(HEARTBEAT.run(redis, [censusKey(prefix)], [instanceId, this.ttlMs]), this.timeoutMs);
      if (typeof reply === 'number' && reply >= 1) this.known = reply;
    } catch (error) {
      if (Date.now() - this.warnedAt > 60_000) {
        this.warnedAt = Date.now();
        this.logger.warn('census.heartbeat_failed', { error, known: this.known });
      }
    }
    return this.known;
  }

  /** Stops heartbeating and, best effort, leaves the census so others stop counting this instance at once. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    const { redis, prefix, instanceId } = this.options;
    if (redis.status !== 'ready') return;
    await withTimeout(redis.zrem(censusKey(prefix), instanceId), this.timeoutMs).catch(() => undefined);
  }
}
