/**
 * IdempotencyStore over Redis, shared by every instance: one string per record at `${prefix}:idem:${scope}:${sha256(key)}`.
 *   in progress: `P|<fingerprint>|<token>` with PX = leaseMs
 *   completed:   `D|<fingerprint>|<JSON of the response or the not-replayable marker>` with PX = ttlMs
 * Each operation is one Lua script (EVALSHA, see ratelimit/redis-script.ts), because each is a read-decide-write
 * that must not interleave with another instance's: `begin` is "GET, else SET ... PX" (SET NX with a look at what
 * is there), `complete` and `abandon` compare the record with this lease's before they write. The fingerprint
 * comparison happens inside the script, so a conflicting retry never transfers a stored 1 MiB body.
 *
 * Like the L2 cache, this store only ever helps: the client must be created with `enableOfflineQueue: false`, so
 * commands fail at once while Redis is down, and each command races `timeoutMs`. Trouble makes `begin` answer
 * `NEW` (degraded) and `complete`/`abandon` do nothing; warnings are throttled to one a minute.
 */
import type Redis from 'ioredis';
import { createHash } from 'node:crypto';
import type { Logger } from '../log';
import { redisScript, withTimeout } from '../ratelimit/redis-script';
import { DEFAULT_MAX_BODY_BYTES, type BeginResult, type IdempotencyLease, type IdempotencyStore } from './idempotency-store';
import { decodeDone, doneOutcome, encodeDone, newLease } from './idempotency-record';

export interface RedisIdempotencyStoreOptions {
  redis: Redis;
  /** Isolates deployments and test runs sharing one Redis. */
  prefix: string;
  logger: Logger;
  /** How long an in-progress record holds its key (default 150 s: longer than the default upstream timeout). */
  leaseMs?: number;
  maxBodyBytes?: number;
  /** A command Redis has not answered within this is given up (default 50 ms). */
  timeoutMs?: number;
}

/** Returns 'C' (conflict), 'P' (in progress), 'N' (lease taken) or the completed record. */
const BEGIN = redisScript(`
local raw = redis.call('GET', KEYS[1])
if raw then
  local kind = string.sub(raw, 1, 2)
  if kind == 'P|' or kind == 'D|' then
    if string.sub(raw, 3, 2 + #ARGV[1]) ~= ARGV[1] or string.sub(raw, 3 + #ARGV[1], 3 + #ARGV[1]) ~= '|' then return 'C' end
    if kind == 'P|' then return 'P' end
    return raw
  end
end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 'N'
`);

/** Writes ARGV[2] only over this lease's record (ARGV[1]) or over nothing. */
const COMPLETE = redisScript(`
local raw = redis.call('GET', KEYS[1])
if raw and raw ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1
`);

const ABANDON = redisScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`);

/** Tenants come from configuration, but a key segment is bounded and free of separators whatever they are. */
function scopeSegment(scope: string): string {
  return /^[\x21-\x7e]{1,128}$/.test(scope) && !scope.startsWith('h~') ? scope : `h~${createHash('sha256').update(scope).digest('hex')}`;
}

export function createRedisIdempotencyStore(options: RedisIdempotencyStoreOptions): IdempotencyStore {
  const { redis, prefix, logger } = options;
  const leaseMs = Math.max(1, Math.ceil(options.leaseMs ?? 150_000));
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const timeoutMs = options.timeoutMs ?? 50;
  const recordKey = (lease: IdempotencyLease) => `${prefix}:idem:${scopeSegment(lease.scope)}:${lease.keyHash}`;
  const pending = (lease: IdempotencyLease) => `P|${lease.fingerprint}|${lease.token}`;
  let lastWarning = 0;

  function warn(event: string, fields: Record<string, unknown>) {
    // One warning a minute at most: a Redis outage must not flood the log from every request.
    if (Date.now() - lastWarning < 60_000) return;
    lastWarning = Date.now();
    logger.warn(event, fields);
  }

  async function attempt(operation: string, run: () => Promise<unknown>): Promise<unknown> {
    if (redis.status !== 'ready') return undefined;
    try {
      return await withTimeout(run(), timeoutMs);
    } catch (error) {
      warn('idempotency.store_unavailable', { operation, error });
      return undefined;
    }
  }

  async function abandon(lease: IdempotencyLease): Promise<void> {
    await attempt('abandon', () => ABANDON.run(redis, [recordKey(lease)], [pending(lease)]));
  }

  return {
    async begin(scope, key, fingerprint): Promise<BeginResult> {
      const lease = newLease(scope, key, fingerprint);
      const reply = await attempt('begin', () => BEGIN.run(redis, [recordKey(lease)], [lease.fingerprint, pending(lease), leaseMs]));
      if (reply === 'N') return { status: 'NEW', lease };
      if (reply === 'P') return { status: 'IN_PROGRESS' };
      if (reply === 'C') return { status: 'CONFLICT' };
      if (typeof reply === 'string' && reply.startsWith('D|')) {
        const outcome = decodeDone(reply.slice(3 + lease.fingerprint.length));
        if (outcome) return outcome;
        warn('idempotency.record_corrupt', { keyHash: lease.keyHash.slice(0, 16) });
      }
      // The lease keeps its token even so: a begin that timed out may still run later, and the complete or abandon
      // that follows on the same connection then finds its own record and replaces or removes it.
      return { status: 'NEW', lease, degraded: true };
    },
    async complete(lease, response, ttlMs) {
      if (!(ttlMs > 0)) return abandon(lease); // nothing to keep: the key must not stay in progress either
      const value = `D|${lease.fingerprint}|${encodeDone(doneOutcome(response, maxBodyBytes))}`;
      await attempt('complete', () => COMPLETE.run(redis, [recordKey(lease)], [pending(lease), value, Math.max(1, Math.ceil(ttlMs))]));
    },
    abandon,
    healthy: () => redis.status === 'ready',
  };
}
