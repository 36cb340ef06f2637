/**
 * The receiving half shared by every Bus adapter, so that echo drop, validation, counting and handler isolation
 * behave identically whether messages come from Redis or from the in-memory network.
 */
import type { Logger } from '../log';
import type { BusHandler, BusStats, ReconnectHandler, Unsubscribe } from './bus';
import { BUS_PROTOCOL_VERSION, busMessageSchema, decodeBusMessage, issuePaths, type BusEvent } from './bus-events';

export type BusCounters = Omit<BusStats, 'connected' | 'topics'>;

export interface BusDispatcherOptions {
  instanceId: string;
  logger: Logger;
  /** Minimum gap between two log lines of one kind: a flood of bad messages must not flood the log. */
  logIntervalMs?: number;
}

export interface BusDispatcher {
  readonly counters: BusCounters;
  /** The wire form of an event from this instance, or undefined (counted and logged) if it is invalid. */
  encode(event: BusEvent): string | undefined;
  /** Validates one raw message and hands it to the handlers unless it is malformed or an echo. */
  deliver(raw: string): void;
  publishFailed(reason: string, error?: unknown): void;
  subscribe(handler: BusHandler): Unsubscribe;
  onReconnect(handler: ReconnectHandler): Unsubscribe;
  fireReconnect(): void;
  /** Drops every handler: after close nothing is delivered. */
  clear(): void;
}

export function createBusDispatcher(options: BusDispatcherOptions): BusDispatcher {
  const { instanceId, logger } = options;
  const warn = throttled(logger, options.logIntervalMs ?? 60_000);
  const handlers = new Set<BusHandler>();
  const reconnectHandlers = new Set<ReconnectHandler>();
  const counters: BusCounters = {
    published: 0,
    received: 0,
    droppedEchoes: 0,
    droppedMalformed: 0,
    publishFailures: 0,
    handlerErrors: 0,
  };

  function handlerFailed(kind: string, error: unknown) {
    counters.handlerErrors++;
    warn('bus.handler_failed', { kind, error });
  }

  // Copy before iterating so (un)subscribing inside a handler cannot skip or repeat one; re-check membership so a
  // handler removed by an earlier one is not called for the current message.
  function callEach<A extends unknown[]>(set: Set<(...args: A) => void | Promise<void>>, kind: string, ...args: A) {
    for (const handler of [...set]) {
      if (!set.has(handler)) continue;
      try {
        const result = handler(...args);
        if (result instanceof Promise) result.catch((error: unknown) => handlerFailed(kind, error));
      } catch (error) {
        handlerFailed(kind, error);
      }
    }
  }

  function add<H>(set: Set<H>, handler: H): Unsubscribe {
    set.add(handler);
    return () => {
      set.delete(handler);
    };
  }

  return {
    counters,
    encode(event) {
      const message = { v: BUS_PROTOCOL_VERSION, type: event.type, instanceId, id: crypto.randomUUID(), ts: Date.now(), data: event.data };
      const checked = busMessageSchema.safeParse(message);
      if (!checked.success) {
        counters.publishFailures++;
        warn('bus.publish_invalid', { type: String(event.type), paths: issuePaths(checked.error) });
        return undefined;
      }
      return JSON.stringify(checked.data);
    },
    deliver(raw) {
      const result = decodeBusMessage(raw);
      if (result.status !== 'OK') {
        counters.droppedMalformed++;
        warn('bus.message_malformed', { ...result, length: typeof raw === 'string' ? raw.length : undefined });
        return;
      }
      if (result.message.instanceId === instanceId) {
        counters.droppedEchoes++;
        return;
      }
      counters.received++;
      callEach(handlers, result.message.type, result.message);
    },
    publishFailed(reason, error) {
      counters.publishFailures++;
      warn('bus.publish_failed', { reason, error });
    },
    subscribe: (handler) => add(handlers, handler),
    onReconnect: (handler) => add(reconnectHandlers, handler),
    fireReconnect: () => callEach(reconnectHandlers, 'reconnect'),
    clear() {
      handlers.clear();
      reconnectHandlers.clear();
    },
  };
}

/** At most one warning per event name per interval, carrying how many were suppressed since the last one. */
export function throttled(logger: Logger, intervalMs: number) {
  const last = new Map<string, { at: number; suppressed: number }>();
  return (event: string, fields: Record<string, unknown>) => {
    const now = Date.now();
    const seen = last.get(event);
    if (seen && now - seen.at < intervalMs) {
      seen.suppressed++;
      return;
    }
    logger.warn(event, seen?.suppressed ? { ...fields, suppressed: seen.suppressed } : fields);
    last.set(event, { at: now, suppressed: 0 });
  };
}
