/**
 * Limits and timings of the WebSocket transport, with defaults sized for many mostly idle connections, and the
 * part Bun itself enforces (`serverOptions`).
 *
 * Bun takes WebSocket settings once per server, not per route: Elysia's `.ws(path, { maxPayloadLength })` only
 * passes them to its own hooks, so they are silently ignored (a 5,000-byte frame passed a 1,024-byte limit).
 * Elysia merges `app.config.websocket` and `app.listen({ websocket })` into `Bun.serve`, so the root app (or its
 * `listen` call) must receive `serverOptions` from here.
 */
export interface WsOptions {
  /** Largest accepted frame; Bun closes the socket with 1009 above it. */
  maxPayloadBytes: number;
  /**
   * Bytes Bun may queue per socket before `send` drops (returns 0). Bun's default is 16 MB per socket, which a
   * few thousand non-reading clients turn into gigabytes; a stream is paused long before this fills. Keep it
   * well above ~100 KB: writes made within one tick are corked and Bun first reports them as buffered in one
   * jump of about 100 KB (measured with a non-reading peer), so a smaller limit drops at the first sign of
   * backpressure.
   */
  backpressureLimitBytes: number;
  /** Seconds without any frame or pong before Bun closes the socket; Bun pings shortly before (`sendPings`). */
  idleTimeoutSec: number;
  /** Chat frames per second per connection (RATE_LIMIT_CHAT_PER_SEC) and the bucket size. */
  chatPerSec: number;
  chatBurst: number;
  /** Hard cap on frames of any type per connection; past it the socket is closed with 1008. */
  framesPerSec: number;
  framesBurst: number;
  maxConcurrentTurns: number;
  maxSubscriptions: number;
  /** Deltas of one turn are coalesced for this long (ms) or until `batchMaxChars` are buffered. */
  batchWindowMs: number;
  batchMaxChars: number;
  /** A turn paused by backpressure for longer than this ends (`slow_consumer`) and its socket is closed. */
  stallTimeoutMs: number;
  /** Earlier messages of a stored session sent upstream (as `/api/v1/chat` does). */
  historyLimit: number;
  /** Default bounded wait for in-flight turns in `shutdown()`. */
  shutdownGraceMs: number;
  /** Remote turns whose delta order is tracked at once; the oldest is forgotten past it (lost `done`). */
  maxTrackedRemoteTurns: number;
  /**
   * A turn relayed from another instance that sends nothing for this long ends here with `turn_lost`. Longer than
   * any pause its origin allows (upstream idle timeout, `stallTimeoutMs`), after which the origin ends it itself.
   */
  remoteTurnTimeoutMs: number;
  /**
   * Open sockets this instance accepts; further upgrades get 503 so clients go to another instance. Set below the
   * process's file-descriptor limit: at that limit the OS refuses accepts and other I/O (database, Redis) fails.
   */
  maxConnections: number;
}

export const DEFAULT_WS_OPTIONS: Readonly<WsOptions> = Object.freeze({
  maxPayloadBytes: 256 * 1024,
  backpressureLimitBytes: 256 * 1024,
  idleTimeoutSec: 60,
  chatPerSec: 10,
  chatBurst: 10,
  framesPerSec: 100,
  framesBurst: 200,
  maxConcurrentTurns: 4,
  maxSubscriptions: 64,
  // ~50 updates a second: above what a reader perceives as smooth text (a 60 Hz display refreshes every 16.7 ms),
  // while a 100 tokens/s stream becomes ~2 tokens a frame and a replayed cache hit a few frames.
  batchWindowMs: 20,
  batchMaxChars: 2048,
  stallTimeoutMs: 30_000,
  historyLimit: 50,
  shutdownGraceMs: 10_000,
  maxConnections: 1_000_000,
  maxTrackedRemoteTurns: 10_000,
  // The default upstream idle timeout (60 s) plus a margin for the origin's own error frame to arrive.
  remoteTurnTimeoutMs: 65_000,
});

export function resolveWsOptions(options: Partial<WsOptions> = {}): Readonly<WsOptions> {
  const merged = { ...DEFAULT_WS_OPTIONS, ...options };
  for (const [name, value] of Object.entries(merged)) {
    if (!(typeof value === 'number' && Number.isFinite(value) && value >= 0)) throw new RangeError(`ws option ${name} must be a finite number >= 0`);
  }
  if (merged.chatPerSec <= 0 || merged.framesPerSec <= 0) throw new RangeError('ws rates must be > 0');
  return Object.freeze({ ...merged, chatBurst: Math.max(1, merged.chatBurst), framesBurst: Math.max(1, merged.framesBurst) });
}

/** The settings Bun enforces per socket; pass as `websocket` to `app.listen` (or to the root Elysia config). */
export interface WsServerOptions {
  maxPayloadLength: number;
  backpressureLimit: number;
  closeOnBackpressureLimit: boolean;
  idleTimeout: number;
  sendPings: boolean;
  perMessageDeflate: boolean;
  publishToSelf: boolean;
}

export function wsServerOptions(options: Readonly<WsOptions>): WsServerOptions {
  return {
    maxPayloadLength: options.maxPayloadBytes,
    backpressureLimit: options.backpressureLimitBytes,
    // We close slow consumers ourselves, after ending their turns and counting the drop.
    closeOnBackpressureLimit: false,
    idleTimeout: options.idleTimeoutSec,
    sendPings: true,
    // A compressor per socket costs memory on every connection; deltas are small and mostly unique text.
    perMessageDeflate: false,
    publishToSelf: false,
  };
}
