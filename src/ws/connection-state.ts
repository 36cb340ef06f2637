/**
 * Per-connection state, kept small because there may be hundreds of thousands of these: a few numbers and
 * references, with the turn and subscription maps allocated only when first used. The socket handlers live on
 * the prototype (one copy for all connections).
 *
 * Elysia's Bun adapter installs one server-wide WebSocket handler that forwards every event to
 * `ws.data.open / message / drain / close` (node_modules/elysia/dist/ws/index.mjs, `websocket`), so an instance of
 * this class passed as `data` to `server.upgrade` receives its own socket's events. Going through `.ws()` instead
 * copies the whole request context into every socket's `data` and allocates a wrapper object per received frame:
 * 4.4-5.0 KB of server RSS per idle connection against 1.3-1.5 KB this way (ws-memory.main.ts, 5,000 and 15,000
 * connections, Bun 1.4.5, Elysia 1.4.30).
 */
import type { Principal } from '../auth/api-keys';

/** What the connection needs from Bun's ServerWebSocket; tests pass a fake. */
export interface SocketLike {
  /** Bytes written (> 0), -1 when queued under backpressure, 0 when dropped (backpressure limit or closed). */
  sendText(data: string, compress?: boolean): number;
  close(code?: number, reason?: string): void;
  /** Bytes Bun holds for this socket, not yet written to the kernel. */
  getBufferedAmount?(): number;
  /** 1 while open (WebSocket readyState). */
  readonly readyState?: number;
}

export type SendOutcome = 'sent' | 'queued' | 'dropped';

/** What a connection reports to the hub that owns it. */
export interface ConnectionHost {
  opened(connection: Connection): void;
  received(connection: Connection, message: string | Buffer): void;
  closed(connection: Connection, code: number): void;
  /** A send was dropped: the stream this socket was receiving has a hole, so the hub ends it. */
  dropped(connection: Connection): void;
  /** Counts every frame sent or queued. */
  sent(): void;
  /** Streams owned by a socket pause once Bun holds more than this for it. */
  readonly pauseAboveBytes: number;
}

/** A running turn as the connection tracks it (chat-turn.ts owns the rest). */
export interface TurnHandle {
  cancel(code: 'cancelled' | 'slow_consumer' | 'client_closed' | 'service_unavailable'): void;
}

const OPENING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;

let nextConnectionId = 1;

export class Connection {
  readonly id = nextConnectionId++;
  socket: SocketLike | undefined = undefined;
  state = OPENING;
  /** Set while Bun queues our writes: streams owned by this connection stop pulling until `drain`. */
  backpressured = false;
  /** Token buckets as GCRA theoretical arrival times (see takeToken). */
  chatTat = 0;
  frameTat = 0;
  /** Running turns by the client's id; allocated on the first turn. */
  turns: Map<string, TurnHandle> | undefined = undefined;
  /** Subscribed sessions: false while the subscription is being checked, true once active. */
  subscriptions: Map<string, boolean> | undefined = undefined;
  private drainWaiters: Array<() => void> | undefined = undefined;

  constructor(
    readonly host: ConnectionHost,
    readonly principal: Principal,
    /** Whose shared chat budget this socket spends: the key's id, or the client address in open mode. */
    readonly limitKey: string = principal.keyId,
  ) {}

  get isOpen(): boolean {
    return this.state === OPEN;
  }

  /**
   * Sends one encoded frame and reports what Bun did with it; dropped frames are handed to the host.
   *
   * "Queued" is decided by the result (-1) or by the bytes Bun holds for the socket: -1 alone comes late. Bun
   * corks writes made in one tick and reports them as written, so with a non-reading peer the first -1 was seen
   * with 84 KB already buffered under a 64 KB limit, and the next send was dropped. Pausing at a fraction of the
   * limit leaves room for the frames already on their way (the rest of a batch, `done`, `error`).
   */
  send(frame: string): SendOutcome {
    const socket = this.socket;
    if (this.state !== OPEN || !socket) return 'dropped';
    const result = socket.sendText(frame);
    if (result === 0) {
      // A socket the peer is closing also answers 0; only an open one lost data to backpressure.
      if (socket.readyState === undefined || socket.readyState === 1) this.host.dropped(this);
      return 'dropped';
    }
    this.host.sent();
    if (result === -1 || (socket.getBufferedAmount?.() ?? 0) > this.host.pauseAboveBytes) {
      this.backpressured = true;
      return 'queued';
    }
    return 'sent';
  }

  /** Resolves at the next `drain` (or close); `undefined` when not backpressured. */
  whenDrained(): Promise<void> | undefined {
    if (!this.backpressured || this.state !== OPEN) return undefined;
    const { promise, resolve } = Promise.withResolvers<void>();
    (this.drainWaiters ??= []).push(resolve);
    return promise;
  }

  /** Starts the closing handshake once; later calls do nothing. */
  end(code: number, reason: string): void {
    if (this.state >= CLOSING) return;
    this.state = CLOSING;
    this.releaseWaiters();
    try {
      this.socket?.close(code, reason);
    } catch {
      // Already closed underneath us: the close handler still runs.
    }
  }

  private releaseWaiters(): void {
    const waiters = this.drainWaiters;
    this.drainWaiters = undefined;
    if (waiters) for (const resolve of waiters) resolve();
  }

  // Socket events, called by Elysia's dispatcher (or a test) with the socket as the first argument.

  open(socket: SocketLike): void {
    this.socket = socket;
    this.state = OPEN;
    this.host.opened(this);
  }

  message(_socket: SocketLike, message: string | Buffer): void {
    if (this.state !== OPEN) return; // frames already in flight when we decided to close
    this.host.received(this, message);
  }

  drain(_socket: SocketLike): void {
    this.backpressured = false;
    this.releaseWaiters();
  }

  close(_socket: SocketLike, code: number): void {
    if (this.state === CLOSED) return;
    this.state = CLOSED;
    this.releaseWaiters();
    this.host.closed(this, code);
  }
}

/**
 * One token-bucket decision as GCRA (see src/ratelimit/gcra.ts for the derivation): the bucket is a single
 * number, `tat`, and time is the refill. Returns the new `tat` when a token was taken, or `-(ms to wait)` when not.
 */
export function takeToken(tat: number, now: number, ratePerSec: number, burst: number): number {
  const interval = 1000 / ratePerSec;
  const next = Math.max(tat, now) + interval;
  const wait = next - now - burst * interval;
  return wait <= 1e-3 ? next : -Math.ceil(wait);
}
