/**
 * The socket hub: every connection of this instance, the frame dispatcher with its per-connection limits, the
 * session fan-out, counters, and graceful shutdown. Transport-free: chat.socket.ts hands it upgrades, and tests
 * may drive connections with fake sockets.
 */
import { bearerToken, type Authenticator } from '../auth/api-keys';
import type { ChatService } from '../chat/chat.service';
import type { ConversationStore } from '../chat/conversation-store';
import { AppError } from '../errors';
import type { Lifecycle } from '../lifecycle';
import type { Logger } from '../log';
import type { RateLimiter, RateRule } from '../ratelimit/rate-limiter';
import type { Bus } from '../sync/bus';
import { cancelProblem, startTurn, type CancelCode, type TurnCounters, type TurnEnv } from './chat-turn';
import { Connection, takeToken, type ConnectionHost, type TurnHandle } from './connection-state';
import { createDeltaBatcher, type DeltaBatcherStats } from './delta-batcher';
import { createSessionFanout, type SessionFanoutStats } from './session-fanout';
import { resolveWsOptions, wsServerOptions, type WsOptions, type WsServerOptions } from './ws-options';
import { CLOSE, decodeClientFrame, encode, type ChatFrame } from './ws-protocol';
import { MAX_DELTA_CHARS } from '../sync/bus-events';

export interface WsDeps {
  auth: Authenticator;
  chat: ChatService;
  conversations: ConversationStore;
  bus: Bus;
  lifecycle: Lifecycle;
  logger: Logger;
  options?: Partial<WsOptions>;
  /**
   * The per-API-key chat budget shared with HTTP (`<keyId>:chat`, the key `admit` uses), on top of the
   * per-connection bucket: without it a client could multiply its rate by opening more sockets. In open mode
   * the client address is the key, as for HTTP.
   */
  limits?: { limiter: RateLimiter; chat: RateRule; onReject?: () => void };
}

export interface SocketHubStats {
  /** Open right now. */
  connections: number;
  opened: number;
  closed: number;
  messagesIn: number;
  messagesOut: number;
  /** Sends Bun dropped (backpressure limit reached): each ended the socket's turns and closed it. */
  drops: number;
  /** Frames answered with an error frame (bad JSON, unknown type, schema, limits). */
  rejectedFrames: number;
  rateLimited: number;
  floodClosed: number;
  slowConsumers: number;
  /** Close codes seen, e.g. { "1000": 10, "1009": 1 }. */
  closeCodes: Record<string, number>;
  turns: TurnCounters & { active: number };
  batching: DeltaBatcherStats;
  fanout: SessionFanoutStats;
  draining: boolean;
}

export interface ShutdownOptions {
  /** Sent to clients in the `shutdown` frame: when to reconnect (to another instance). */
  retryAfterMs?: number;
  /** Bounded wait for in-flight turns; defaults to `options.shutdownGraceMs`. */
  graceMs?: number;
  /**
   * Adds 0..jitterMs (uniform, per socket) to each socket's `retryAfterMs`, so that the clients of a stopping
   * instance do not all reconnect to the others in the same instant.
   */
  jitterMs?: number;
}

export interface ShutdownReport {
  /** Whether every in-flight turn finished within the grace period. */
  drained: boolean;
  abortedTurns: number;
  closedConnections: number;
}

export interface SocketHub {
  readonly options: Readonly<WsOptions>;
  /** Pass as `websocket` to `app.listen(...)`: Bun enforces these, not the route. */
  readonly serverOptions: WsServerOptions;
  readonly draining: boolean;
  /** The state for a new socket; throws AppError 401 (bad key) or 503 (draining) to refuse the upgrade. */
  accept(request: Request, queryKey?: string, clientAddress?: string): Connection;
  /** Tells every socket to reconnect elsewhere, waits (bounded) for in-flight turns, closes the rest with 1001. */
  shutdown(options?: ShutdownOptions): Promise<ShutdownReport>;
  stats(): SocketHubStats;
}

export function createSocketHub(deps: WsDeps): SocketHub {
  const options = resolveWsOptions(deps.options);
  const { auth, conversations, lifecycle, logger } = deps;
  const connections = new Set<Connection>();
  const counts = { opened: 0, closed: 0, messagesIn: 0, messagesOut: 0, drops: 0, rejectedFrames: 0, rateLimited: 0, floodClosed: 0, slowConsumers: 0 };
  const closeCodes: Record<string, number> = {};
  const turnCounters: TurnCounters = { started: 0, completed: 0, failed: 0, cancelled: 0, pauses: 0 };
  const fanout = createSessionFanout({ bus: deps.bus, maxTrackedRemoteTurns: options.maxTrackedRemoteTurns, remoteTurnTimeoutMs: options.remoteTurnTimeoutMs });
  const batcher = createDeltaBatcher({ windowMs: options.batchWindowMs, maxChars: Math.min(options.batchMaxChars, MAX_DELTA_CHARS) });
  let draining = false;
  let retryAfterMs = 1000;
  let shuttingDown: Promise<ShutdownReport> | undefined;
  let activeTurns = 0;
  let idleWaiters: Array<() => void> = [];
  fanout.start();

  const env: TurnEnv = {
    chat: deps.chat,
    conversations,
    fanout,
    batcher,
    logger,
    options,
    counters: turnCounters,
    begin() {
      activeTurns++;
      const endLifecycle = lifecycle.begin();
      let ended = false;
      return () => {
        if (ended) return;
        ended = true;
        activeTurns--;
        endLifecycle();
        if (activeTurns === 0) for (const resolve of idleWaiters.splice(0)) resolve();
      };
    },
    slowConsumer(connection) {
      if (!connection.isOpen) return;
      counts.slowConsumers++;
      terminate(connection, CLOSE.POLICY_VIOLATION, 'slow consumer', 'slow_consumer');
    },
  };

  /** Closes a socket now and ends its turns (their upstream calls are aborted). */
  function terminate(connection: Connection, code: number, reason: string, cancelCode: 'slow_consumer' | 'client_closed' | 'service_unavailable') {
    connection.end(code, reason);
    if (connection.turns) for (const turn of [...connection.turns.values()]) turn.cancel(cancelCode);
  }

  function turnsIdle(timeoutMs: number): Promise<boolean> {
    if (activeTurns === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        idleWaiters = idleWaiters.filter((w) => w !== done);
        resolve(false);
      }, timeoutMs);
      idleWaiters.push(done);
    });
  }

  function reject(connection: Connection, problem: Parameters<typeof encode.error>[0]) {
    counts.rejectedFrames++;
    connection.send(encode.error(problem));
  }

  function onChat(connection: Connection, frame: ChatFrame) {
    const id = frame.id;
    if (draining || lifecycle.draining) return reject(connection, { id, code: 'service_unavailable', message: 'This instance is shutting down; reconnect and retry.', retryAfterMs: 1000 });
    if (connection.turns?.has(id)) return reject(connection, { id, code: 'invalid_request', message: 'A turn with this id is already running on this connection.', param: 'id' });
    const tat = takeToken(connection.chatTat, performance.now(), options.chatPerSec, options.chatBurst);
    if (tat < 0 || (connection.turns?.size ?? 0) >= options.maxConcurrentTurns) {
      counts.rateLimited++;
      const message = tat < 0 ? `Too many chat frames: at most ${options.chatPerSec} per second.` : `At most ${options.maxConcurrentTurns} turns may run at once on a connection.`;
      return reject(connection, { id, code: 'rate_limited', message, retryAfterMs: tat < 0 ? -tat : undefined });
    }
    connection.chatTat = tat;
    if (!deps.limits) return startTurn(env, connection, frame);
    // Hold the id (and a turn slot) while the shared limiter answers; a cancel or close meanwhile wins.
    let withdrawn: CancelCode | undefined;
    const pending: TurnHandle = { cancel: (code) => void (withdrawn ??= code) };
    (connection.turns ??= new Map()).set(id, pending);
    const { limiter, chat: rule, onReject } = deps.limits;
    limiter.consume(`${connection.limitKey}:chat`, rule).then(
      (decision) => {
        if (connection.turns?.get(id) !== pending) return;
        connection.turns.delete(id);
        if (!connection.isOpen) return;
        if (withdrawn) return reject(connection, { id, ...cancelProblem(withdrawn) });
        if (decision.allowed) return startTurn(env, connection, frame);
        counts.rateLimited++;
        onReject?.();
        reject(connection, { id, code: 'rate_limited', message: 'Rate limit exceeded for chat requests with this API key.', retryAfterMs: Math.max(1, decision.retryAfterMs) });
      },
      (error: unknown) => {
        if (connection.turns?.get(id) === pending) connection.turns.delete(id);
        logger.error('ws.rate_limit_failed', { error });
        if (connection.isOpen) reject(connection, { id, code: 'internal_error', message: 'The rate limit could not be checked; retry.' });
      },
    );
  }

  function onSubscribe(connection: Connection, sessionId: string) {
    const subscriptions = (connection.subscriptions ??= new Map());
    const state = subscriptions.get(sessionId);
    if (state === true) return void connection.send(encode.subscribed(sessionId));
    if (state === false) return; // being checked; the answer follows
    if (subscriptions.size >= options.maxSubscriptions) {
      return reject(connection, { code: 'limit_exceeded', message: `At most ${options.maxSubscriptions} sessions may be watched per connection.`, param: 'sessionId' });
    }
    subscriptions.set(sessionId, false);
    conversations.get(connection.principal.tenant, sessionId).then(
      (found) => {
        // Unsubscribed or closed while we looked.
        if (connection.subscriptions?.get(sessionId) !== false) return;
        if (!found) {
          connection.subscriptions.delete(sessionId);
          return reject(connection, { code: 'not_found', message: `No session '${sessionId}' exists for this API key.`, param: 'sessionId' });
        }
        connection.subscriptions.set(sessionId, true);
        // Acknowledged once other instances' events of the session flow to this one (or at once when the bus is
        // down: it joins when it reconnects), so a client that waits for `subscribed` misses nothing after it.
        return fanout.subscribe(sessionId, connection).then(() => {
          if (connection.isOpen && connection.subscriptions?.get(sessionId) === true) connection.send(encode.subscribed(sessionId));
        });
      },
      (error: unknown) => {
        if (connection.subscriptions?.get(sessionId) === false) connection.subscriptions.delete(sessionId);
        logger.warn('ws.subscribe_failed', { error });
        if (connection.isOpen) reject(connection, { code: 'internal_error', message: 'The subscription could not be checked; retry.', param: 'sessionId' });
      },
    );
  }

  function onUnsubscribe(connection: Connection, sessionId: string) {
    if (connection.subscriptions?.get(sessionId) === true) fanout.unsubscribe(sessionId, connection);
    connection.subscriptions?.delete(sessionId);
    connection.send(encode.unsubscribed(sessionId));
  }

  const host: ConnectionHost = {
    // A quarter of the limit: the other three quarters absorb what is already on its way when a stream pauses.
    pauseAboveBytes: Math.floor(options.backpressureLimitBytes / 4),
    opened(connection) {
      connections.add(connection);
      counts.opened++;
      // An upgrade accepted just before draining began: tell it at once.
      if (draining) connection.send(encode.shutdown(retryAfterMs));
    },
    received(connection, message) {
      counts.messagesIn++;
      try {
        const tat = takeToken(connection.frameTat, performance.now(), options.framesPerSec, options.framesBurst);
        if (tat < 0) {
          counts.floodClosed++;
          return terminate(connection, CLOSE.POLICY_VIOLATION, 'too many frames', 'client_closed');
        }
        connection.frameTat = tat;
        const decoded = decodeClientFrame(message);
        if (!decoded.ok) return reject(connection, decoded.problem);
        const frame = decoded.frame;
        switch (frame.type) {
          case 'chat':
            return onChat(connection, frame);
          case 'cancel': {
            const turn = connection.turns?.get(frame.id);
            if (!turn) return reject(connection, { id: frame.id, code: 'not_found', message: 'No turn with this id is running on this connection.', param: 'id' });
            return turn.cancel('cancelled');
          }
          case 'subscribe':
            return onSubscribe(connection, frame.sessionId);
          case 'unsubscribe':
            return onUnsubscribe(connection, frame.sessionId);
          case 'ping':
            return void connection.send(encode.pong());
        }
      } catch (error) {
        // A bug must cost one socket, never the process (Bun treats a throwing handler as an uncaught error).
        logger.error('ws.handler_failed', { error });
        terminate(connection, CLOSE.INTERNAL_ERROR, 'internal error', 'client_closed');
      }
    },
    closed(connection, code) {
      connections.delete(connection);
      counts.closed++;
      closeCodes[code] = (closeCodes[code] ?? 0) + 1;
      if (connection.turns) for (const turn of [...connection.turns.values()]) turn.cancel('client_closed');
      if (connection.subscriptions) {
        for (const [sessionId, active] of connection.subscriptions) if (active) fanout.unsubscribe(sessionId, connection);
        connection.subscriptions = undefined;
      }
    },
    dropped(connection) {
      counts.drops++;
      env.slowConsumer(connection);
    },
    sent() {
      counts.messagesOut++;
    },
  };

  async function shutdown(shutdownOptions: ShutdownOptions = {}): Promise<ShutdownReport> {
    retryAfterMs = Math.max(0, Math.round(shutdownOptions.retryAfterMs ?? retryAfterMs));
    const graceMs = Math.max(0, shutdownOptions.graceMs ?? options.shutdownGraceMs);
    draining = true;
    const jitterMs = Math.max(0, shutdownOptions.jitterMs ?? 0);
    const frame = encode.shutdown(retryAfterMs);
    for (const connection of connections) connection.send(jitterMs > 0 ? encode.shutdown(retryAfterMs + Math.floor(Math.random() * (jitterMs + 1))) : frame);
    const drained = await turnsIdle(graceMs);
    let abortedTurns = 0;
    for (const connection of connections) {
      for (const turn of connection.turns?.values() ?? []) {
        turn.cancel('service_unavailable');
        abortedTurns++;
      }
    }
    // Cancelled turns end at their next await; give them a moment to send their error frames.
    if (abortedTurns > 0) await turnsIdle(1000);
    const closedConnections = connections.size;
    for (const connection of [...connections]) connection.end(CLOSE.GOING_AWAY, 'server shutting down');
    batcher.close();
    fanout.stop();
    logger.info('ws.shutdown', { drained, abortedTurns, closedConnections, retryAfterMs });
    return { drained, abortedTurns, closedConnections };
  }

  return {
    options,
    serverOptions: wsServerOptions(options),
    get draining() {
      return draining;
    },
    accept(request, queryKey, clientAddress) {
      const principal = auth.authenticate(bearerToken(request.headers.get('authorization')) ?? queryKey);
      if (draining || lifecycle.draining) throw new AppError('service_unavailable', 'This instance is shutting down; connect to another.', { retryAfterSec: 1 });
      if (connections.size >= options.maxConnections) {
        throw new AppError('service_unavailable', 'This instance is at its connection limit; connect to another.', { retryAfterSec: 1 });
      }
      return new Connection(host, principal, auth.openMode ? `ip:${clientAddress ?? 'unknown'}` : principal.keyId);
    },
    shutdown(shutdownOptions) {
      return (shuttingDown ??= shutdown(shutdownOptions));
    },
    stats: () => ({
      connections: connections.size,
      ...counts,
      closeCodes: { ...closeCodes },
      turns: { ...turnCounters, active: activeTurns },
      batching: batcher.stats(),
      fanout: fanout.stats(),
      draining,
    }),
  };
}
