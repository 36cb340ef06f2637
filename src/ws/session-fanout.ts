/**
 * Session fan-out: which local sockets watch which session, and the relay of session events between instances.
 *
 * Each session is a bus topic (`sessionTopic`): an instance joins it while at least one of its sockets watches the
 * session and leaves it with the last one, so session events reach only the instances that have a watcher. A turn
 * in a session nobody else watches costs one publish to a topic no instance has joined.
 *
 * A turn's events reach (1) the socket that started it, directly from the turn, (2) every other local subscriber
 * of the session, through `publish*` here, and (3) subscribers on other instances, through the bus. The bus
 * never delivers an instance's own messages, so local subscribers are not served twice, and the origin socket
 * is excluded from (2) even when it subscribes to the session itself.
 *
 * Bus delivery is at-most-once and ordered per publisher; deltas carry a per-turn `seq`, so receivers drop
 * duplicates and put early arrivals back in order. A gap that never fills (a lost message) is skipped when the
 * turn ends or the reorder buffer is full, and counted. A remote turn ends for local subscribers with a `turn_lost`
 * error, so nobody waits for a `done` that will never come, when its origin instance has not been heard from for
 * `originSilenceMs` (every instance announces itself on the bus every `heartbeatMs`: a dead instance is noticed in
 * seconds), or when the turn itself has been silent for longer than its origin could keep it open (its `done` was
 * lost).
 */
import type { Bus, BusMessage, BusMessageOf } from '../sync/bus';
import { encode, type DoneFields } from './ws-protocol';

/** A receiver of encoded frames; a Connection. */
export interface Subscriber {
  send(frame: string): unknown;
}

export interface SessionEventIds {
  sessionId: string;
  /** Unique across instances; subscribers see it as the frame `id`. */
  turnId: string;
}

export interface SessionFanoutStats {
  sessions: number;
  subscriptions: number;
  /** Frames handed to local subscribers (other than a turn's own socket). */
  localDeliveries: number;
  /** Session events received from other instances for sessions with local subscribers. */
  relayed: number;
  duplicates: number;
  /** Deltas that never arrived (lost on the bus) and were skipped. */
  gaps: number;
  /** Remote turns ended here with `turn_lost` because their origin went silent. */
  lostTurns: number;
  trackedRemoteTurns: number;
}

export const sessionTopic = (sessionId: string) => `session:${sessionId}`;

export interface SessionFanout {
  /** Resolves once events of the session from other instances flow (at once when another local socket watches it). */
  subscribe(sessionId: string, subscriber: Subscriber): Promise<void>;
  unsubscribe(sessionId: string, subscriber: Subscriber): void;
  publishDelta(ids: SessionEventIds, seq: number, text: string, origin: Subscriber | undefined): void;
  /** `deltas`: how many deltas the turn published, so receivers elsewhere can tell a lost tail. */
  publishDone(ids: SessionEventIds, fields: DoneFields, origin: Subscriber | undefined, deltas: number): void;
  publishError(ids: SessionEventIds, code: string, message: string, origin: Subscriber | undefined): void;
  /** The bus handler (subscribed by `start`); exposed so tests can feed out-of-order messages. */
  receive(message: BusMessage): void;
  /** Ends remote turns whose origin went silent or that were silent too long themselves; `start` runs it periodically. */
  sweep(): void;
  start(): void;
  stop(): void;
  stats(): SessionFanoutStats;
}

export interface SessionFanoutOptions {
  bus: Bus;
  maxTrackedRemoteTurns: number;
  /** Early deltas held per remote turn while waiting for a missing one. */
  maxReorder?: number;
  /**
   * Silence after which a remote turn counts as lost. Must exceed the longest pause its origin allows itself
   * (the upstream idle timeout, a paused slow consumer), after which the origin ends the turn on its own.
   */
  remoteTurnTimeoutMs: number;
  /** How often this instance announces itself (`instance.alive`); default 5 s. 0 turns the heartbeat off. */
  heartbeatMs?: number;
  /** An origin instance not heard from for this long counts as gone with its turns; default 3 heartbeats. */
  originSilenceMs?: number;
  /** Milliseconds clock; tests pass their own. */
  now?: () => number;
}

interface RemoteTurn {
  sessionId: string;
  /** The instance answering the turn. */
  origin: string;
  next: number;
  early: Map<number, string> | undefined;
  lastSeenAt: number;
  /** Deltas of this turn this instance never saw: skipped gaps, or the ones before it started watching. */
  missed: number;
}

type SessionMessage = BusMessageOf<'session.delta'> | BusMessageOf<'session.done'> | BusMessageOf<'session.error'>;

export function createSessionFanout(options: SessionFanoutOptions): SessionFanout {
  const { bus } = options;
  const maxReorder = options.maxReorder ?? 256;
  const now = options.now ?? Date.now;
  const heartbeatMs = options.heartbeatMs ?? 5_000;
  const originSilenceMs = options.originSilenceMs ?? heartbeatMs * 3;
  /** When each other instance was last heard from (any message); pruned by the sweep. */
  const heardFrom = new Map<string, number>();
  let heartbeat: ReturnType<typeof setInterval> | undefined;
  const sessions = new Map<string, Set<Subscriber>>();
  const remote = new Map<string, RemoteTurn>();
  const counts = { localDeliveries: 0, relayed: 0, duplicates: 0, gaps: 0, lostTurns: 0 };
  let subscriptions = 0;
  let unsubscribeBus: (() => void) | undefined;
  let sweeper: ReturnType<typeof setInterval> | undefined;

  function deliver(sessionId: string, frame: string, origin: Subscriber | undefined) {
    const subscribers = sessions.get(sessionId);
    if (!subscribers) return;
    for (const subscriber of subscribers) {
      if (subscriber === origin) continue;
      counts.localDeliveries++;
      subscriber.send(frame);
    }
  }

  function track(turnId: string, sessionId: string, seq: number, origin: string): RemoteTurn {
    let turn = remote.get(turnId);
    if (!turn) {
      // First delta seen for this turn (we may have subscribed mid-turn): start from it.
      turn = { sessionId, origin, next: seq, early: undefined, lastSeenAt: now(), missed: seq };
      remote.set(turnId, turn);
      if (remote.size > options.maxTrackedRemoteTurns) remote.delete(remote.keys().next().value!);
    } else {
      turn.lastSeenAt = now();
    }
    return turn;
  }

  function flushEarly(turnId: string, turn: RemoteTurn, all: boolean) {
    const early = turn.early;
    while (early && early.size > 0) {
      let text = early.get(turn.next);
      if (text === undefined) {
        if (!all && early.size < maxReorder) return;
        const skipTo = Math.min(...early.keys());
        counts.gaps += skipTo - turn.next;
        turn.missed += skipTo - turn.next;
        turn.next = skipTo;
        text = early.get(skipTo)!;
      }
      early.delete(turn.next);
      deliver(turn.sessionId, encode.delta(turnId, turn.sessionId, text), undefined);
      turn.next++;
    }
  }

  function receiveDelta(message: BusMessageOf<'session.delta'>) {
    const { sessionId, turnId, seq, text } = message.data;
    const turn = track(turnId, sessionId, seq, message.instanceId);
    if (seq < turn.next || turn.early?.has(seq)) {
      counts.duplicates++;
      return;
    }
    if (seq > turn.next) {
      (turn.early ??= new Map()).set(seq, text);
      flushEarly(turnId, turn, false);
      return;
    }
    deliver(sessionId, encode.delta(turnId, sessionId, text), undefined);
    turn.next++;
    flushEarly(turnId, turn, false);
  }

  function receiveEnd(message: BusMessageOf<'session.done'> | BusMessageOf<'session.error'>) {
    const { sessionId, turnId } = message.data;
    const turn = remote.get(turnId);
    if (turn) {
      flushEarly(turnId, turn, true);
      remote.delete(turnId);
    }
    let incomplete = false;
    if (message.type === 'session.done') {
      const published = message.data.deltas ?? 0;
      const received = turn?.next ?? 0;
      // A lost tail (deltas after the last one that arrived) is a gap too; with no delta seen at all this
      // instance may just have started watching after them.
      if (turn && published > received) counts.gaps += published - received;
      incomplete = published > received || (turn?.missed ?? 0) > 0;
    }
    const frame =
      message.type === 'session.done'
        ? encode.done(turnId, sessionId, { cache: message.data.cache, similarity: message.data.similarity, usage: message.data.usage, incomplete })
        : encode.error({ id: turnId, sessionId, code: message.data.code as never, message: message.data.message });
    deliver(sessionId, frame, undefined);
  }

  function receive(message: BusMessage) {
    heardFrom.set(message.instanceId, now());
    if (message.type !== 'session.delta' && message.type !== 'session.done' && message.type !== 'session.error') return;
    const session = message as SessionMessage;
    // Sessions nobody here watches cost one map lookup.
    if (!sessions.has(session.data.sessionId)) {
      if (session.type !== 'session.delta') remote.delete(session.data.turnId);
      return;
    }
    counts.relayed++;
    if (session.type === 'session.delta') receiveDelta(session);
    else receiveEnd(session);
  }

  function sweep() {
    const at = now();
    const originGone = (turn: RemoteTurn) => heartbeatMs > 0 && at - Math.max(heardFrom.get(turn.origin) ?? 0, turn.lastSeenAt) > originSilenceMs;
    for (const [turnId, turn] of remote) {
      if (at - turn.lastSeenAt <= options.remoteTurnTimeoutMs && !originGone(turn)) continue;
      flushEarly(turnId, turn, true);
      remote.delete(turnId);
      counts.lostTurns++;
      const message = 'The instance answering this turn stopped sending it; it may not have completed. Reload the session to see what was stored.';
      deliver(turn.sessionId, encode.error({ id: turnId, sessionId: turn.sessionId, code: 'turn_lost', message }), undefined);
    }
    // Instances gone for long are forgotten (a turn of theirs counts from its own last delta).
    for (const [instance, heard] of heardFrom) if (at - heard > originSilenceMs * 10) heardFrom.delete(instance);
  }

  return {
    async subscribe(sessionId, subscriber) {
      let subscribers = sessions.get(sessionId);
      if (!subscribers) sessions.set(sessionId, (subscribers = new Set()));
      if (!subscribers.has(subscriber)) {
        subscribers.add(subscriber);
        subscriptions++;
      }
      // Idempotent on the bus: the first watcher joins, later ones get the same confirmation.
      await bus.join(sessionTopic(sessionId));
    },
    unsubscribe(sessionId, subscriber) {
      const subscribers = sessions.get(sessionId);
      if (!subscribers?.delete(subscriber)) return;
      subscriptions--;
      // Trackers of the session's remote turns go when their done/error arrives (or by the size cap).
      if (subscribers.size > 0) return;
      sessions.delete(sessionId);
      bus.leave(sessionTopic(sessionId));
    },
    publishDelta(ids, seq, text, origin) {
      deliver(ids.sessionId, encode.delta(ids.turnId, ids.sessionId, text), origin);
      void bus.publish({ type: 'session.delta', data: { ...ids, seq, text } }, sessionTopic(ids.sessionId));
    },
    publishDone(ids, fields, origin, deltas) {
      deliver(ids.sessionId, encode.done(ids.turnId, ids.sessionId, fields), origin);
      void bus.publish({ type: 'session.done', data: { ...ids, cache: fields.cache, similarity: fields.similarity, usage: usageForBus(fields.usage), deltas } }, sessionTopic(ids.sessionId));
    },
    publishError(ids, code, message, origin) {
      deliver(ids.sessionId, encode.error({ id: ids.turnId, sessionId: ids.sessionId, code: code as never, message }), origin);
      void bus.publish({ type: 'session.error', data: { ...ids, code: code.slice(0, 64), message: message.slice(0, 1024) } }, sessionTopic(ids.sessionId));
    },
    receive,
    sweep,
    start() {
      unsubscribeBus ??= bus.subscribe(receive);
      const originCheckMs = heartbeatMs > 0 ? originSilenceMs / 3 : Infinity;
      sweeper ??= setInterval(sweep, Math.max(100, Math.min(5_000, options.remoteTurnTimeoutMs / 4, originCheckMs)));
      sweeper.unref?.();
      if (heartbeatMs > 0 && !heartbeat) {
        const announce = () => void bus.publish({ type: 'instance.alive', data: {} });
        announce();
        heartbeat = setInterval(announce, heartbeatMs);
        heartbeat.unref?.();
      }
    },
    stop() {
      unsubscribeBus?.();
      unsubscribeBus = undefined;
      clearInterval(sweeper);
      sweeper = undefined;
      clearInterval(heartbeat);
      heartbeat = undefined;
    },
    stats: () => ({ sessions: sessions.size, subscriptions, trackedRemoteTurns: remote.size, ...counts }),
  };
}

/** Only the three counters travel: upstream usage objects may carry vendor fields the bus schema strips anyway. */
function usageForBus(usage: DoneFields['usage']) {
  if (!usage) return undefined;
  return { prompt_tokens: usage.prompt_tokens, completion_tokens: usage.completion_tokens, total_tokens: usage.total_tokens };
}
