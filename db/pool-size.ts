/**
 * How many connections one gateway instance may open on a shared Postgres server.
 *
 * Asking for more connections than the server allows makes the surplus fail at the worst moment (under load, with
 * "sorry, too many clients already"). So the configured size is capped below what the server has left, keeping a
 * margin for the other instances, migrations, and an operator's psql session. The margin cannot know how many
 * instances will start later; sizing a fleet is still the operator's job (DB_POOL_MAX, or PgBouncer in front).
 */
export interface PoolCapInput {
  /** The configured pool size (DB_POOL_MAX). */
  requested: number;
  /** The server's `max_connections`. */
  maxConnections: number;
  /** Slots only superusers / pg_use_reserved_connections may use (`superuser_reserved_connections` + `reserved_connections`). */
  reservedConnections: number;
  /** Client connections already open on the server, not counting the probe that asked. */
  inUse: number;
}

export interface PoolCap {
  /** The pool size to use. */
  max: number;
  /** Whether `max` is below what was requested. */
  capped: boolean;
  /** The most this instance may take given the server's state. */
  limit: number;
}

/** Fraction of `max_connections` always left free (at least MIN_HEADROOM connections). */
export const HEADROOM_FRACTION = 0.2;
export const MIN_HEADROOM = 5;
/** Migrations hold one connection for the advisory lock while another applies them. */
export const MIN_POOL = 2;

export function capPoolSize(input: PoolCapInput): PoolCap {
  const requested = Math.max(MIN_POOL, Math.floor(input.requested));
  const headroom = Math.max(MIN_HEADROOM, Math.ceil(input.maxConnections * HEADROOM_FRACTION));
  const limit = Math.max(MIN_POOL, input.maxConnections - input.reservedConnections - input.inUse - headroom);
  const max = Math.min(requested, limit);
  return { max, capped: max < requested, limit };
}
