/**
 * IdempotencyStore in process memory: for a single instance and for tests. Bounded like the L1 cache (entries and
 * approximate bytes, least recently used first), so a flood of fresh keys costs memory up to the bound and then
 * only evicts old records. An evicted record is forgotten early: a late retry then runs again, which is the same
 * outcome as an expired one. Expiry is checked on read against the injected clock.
 */
import { LruCache } from '../cache/lru-cache';
import { DEFAULT_MAX_BODY_BYTES, type BeginResult, type IdempotencyLease, type IdempotencyStore } from './idempotency-store';
import { doneOutcome, newLease, normalizeFingerprint, type DoneOutcome } from './idempotency-record';

export interface MemoryIdempotencyStoreOptions {
  /** How long an in-progress record holds its key (default 150 s: longer than the default upstream timeout). */
  leaseMs?: number;
  maxBodyBytes?: number;
  maxEntries?: number;
  /** Approximate bound on the memory of all records (default 64 MiB). */
  maxBytes?: number;
  now?: () => number;
}

type StoredRecord = { fingerprint: string; expiresAt: number } & ({ state: 'pending'; token: string } | { state: 'done'; outcome: DoneOutcome });

/** UTF-16 strings: two bytes a character, plus a rough constant for the record and its key. */
function sizeOf(record: StoredRecord): number {
  if (record.state === 'pending' || record.outcome.status !== 'DONE') return 256;
  const { body, headers } = record.outcome.response;
  return 256 + 2 * (body.length + JSON.stringify(headers).length);
}

export function createMemoryIdempotencyStore(options: MemoryIdempotencyStoreOptions = {}): IdempotencyStore & { readonly size: number } {
  const leaseMs = options.leaseMs ?? 150_000;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const now = options.now ?? Date.now;
  const records = new LruCache<StoredRecord>({ maxEntries: options.maxEntries ?? 10_000, maxBytes: options.maxBytes ?? 64 * 1024 * 1024, sizeOf });
  const slot = (lease: Pick<IdempotencyLease, 'scope' | 'keyHash'>) => `${lease.scope}\u0000${lease.keyHash}`;

  function live(id: string): StoredRecord | undefined {
    const record = records.get(id);
    if (record && record.expiresAt <= now()) {
      records.delete(id);
      return undefined;
    }
    return record;
  }

  /** The record still belongs to this lease (or is gone). */
  function ownedOrGone(lease: IdempotencyLease): boolean {
    const record = live(slot(lease));
    return record === undefined || (record.state === 'pending' && record.token === lease.token);
  }

  async function abandon(lease: IdempotencyLease): Promise<void> {
    const record = live(slot(lease));
    if (record?.state === 'pending' && record.token === lease.token) records.delete(slot(lease));
  }

  return {
    get size() {
      return records.size;
    },
    async begin(scope, key, fingerprint): Promise<BeginResult> {
      const lease = newLease(scope, key, fingerprint);
      const id = slot(lease);
      const record = live(id);
      if (!record) {
        records.set(id, { state: 'pending', token: lease.token, fingerprint: lease.fingerprint, expiresAt: now() + leaseMs });
        return { status: 'NEW', lease };
      }
      if (record.fingerprint !== normalizeFingerprint(fingerprint)) return { status: 'CONFLICT' };
      return record.state === 'pending' ? { status: 'IN_PROGRESS' } : record.outcome;
    },
    async complete(lease, response, ttlMs) {
      if (!(ttlMs > 0)) return abandon(lease); // nothing to keep: the key must not stay in progress either
      if (!ownedOrGone(lease)) return;
      records.set(slot(lease), { state: 'done', outcome: doneOutcome(response, maxBodyBytes), fingerprint: lease.fingerprint, expiresAt: now() + ttlMs });
    },
    abandon,
    healthy: () => true,
  };
}
