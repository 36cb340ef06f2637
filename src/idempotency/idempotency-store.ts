/**
 * IdempotencyStore: what happened to a request sent with an `Idempotency-Key`, so that a retry with the same key
 * replays the first response instead of running (and paying for) it again. Semantics follow Stripe's idempotent
 * requests and draft-ietf-httpapi-idempotency-key-header: the key is scoped to the client (here: the tenant), it is
 * bound to the request it first came with (a fingerprint of the body), and only completed requests are replayed.
 *
 * Contract, for every adapter:
 * - Records are keyed by `(scope, key)`; the same key in two scopes are two independent records. Adapters store a
 *   hash of the key, never the key itself, so the key's length does not reach the backing store.
 * - `begin` is atomic per record: of any number of concurrent callers (on any instance sharing the store) that find
 *   no record, exactly one gets `NEW` with a lease; the others see `IN_PROGRESS` (or `CONFLICT`).
 * - A fingerprint different from the record's one is `CONFLICT`, whatever state the record is in.
 * - Expiry is the store's: an in-progress record lives `leaseMs` (an adapter option that must exceed the longest
 *   request, so that a crashed instance cannot block a key for longer); a completed one lives the `ttlMs` given to
 *   `complete`. An expired record reads as no record at all (`NEW`).
 * - `complete` (with `ttlMs` > 0; otherwise it abandons) writes the response only when the record is still this lease's in-progress one, or gone (the lease
 *   expired and nobody took the key since): it never overwrites another caller's record. Headers outside
 *   `REPLAYED_HEADERS` are dropped. A body above the adapter's `maxBodyBytes` (UTF-8 bytes, default 1 MiB) is not
 *   stored: a `NOT_REPLAYABLE` marker with the status is stored instead, so a retry learns that the request ran.
 * - `abandon` removes the record only when it is still this lease's in-progress one: a failed request is not
 *   remembered, so its retry runs again.
 * - No method throws or waits on a store in trouble. A shared store that is down, slow or corrupt makes `begin`
 *   answer `NEW` with `degraded: true` (as if there were no store: no deduplication, no conflict detection), and
 *   makes `complete` and `abandon` no-ops.
 */

/** A response as it is replayed. `createdAt` is epoch milliseconds (when the first request completed). */
export interface StoredResponse {
  status: number;
  /** Lower-case names; only `REPLAYED_HEADERS` survive storage. */
  headers: Record<string, string>;
  body: string;
  createdAt: number;
}

/**
 * Headers worth replaying: they describe the stored body. Per-request headers (request id, rate limits,
 * server-timing, cookies) are the retry's own and are set fresh by the route.
 */
export const REPLAYED_HEADERS: readonly string[] = ['content-type', 'x-cache', 'x-cache-similarity', 'x-cache-entry'];

/** Proof of having won `begin`; pass it back to `complete` or `abandon`. Opaque to callers. */
export interface IdempotencyLease {
  readonly scope: string;
  /** sha256 of the idempotency key (hex). */
  readonly keyHash: string;
  readonly fingerprint: string;
  /** Unique per `begin`, so a late `complete` can tell its own record from a successor's. */
  readonly token: string;
}

export type BeginResult =
  /** No record: run the request, then `complete` or `abandon`. `degraded`: the store could not be asked. */
  | { status: 'NEW'; lease: IdempotencyLease; degraded?: boolean }
  /** Another caller holds the lease for this key and body. */
  | { status: 'IN_PROGRESS' }
  /** Completed with this body: replay `response`. */
  | { status: 'DONE'; response: StoredResponse }
  /** Completed with this body, but the response was too large to keep. */
  | { status: 'NOT_REPLAYABLE'; responseStatus: number; createdAt: number }
  /** The key was first used with a different body. */
  | { status: 'CONFLICT' };

export interface IdempotencyStore {
  /** `fingerprint`: a digest of the request (see `requestFingerprint`); compared for equality only. */
  begin(scope: string, key: string, fingerprint: string): Promise<BeginResult>;
  /** Stores the response for `ttlMs` (see the contract for the size cap and when nothing is written). */
  complete(lease: IdempotencyLease, response: StoredResponse, ttlMs: number): Promise<void>;
  abandon(lease: IdempotencyLease): Promise<void>;
  /** Whether the backing store currently answers (for health). */
  healthy(): boolean;
}

/** Default cap on a stored body: 1 MiB of UTF-8. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
