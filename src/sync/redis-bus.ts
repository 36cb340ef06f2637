/**
 * The Bus over Redis pub/sub (ioredis), shaped after soketi's Redis adapter: one publisher and one dedicated
 * subscriber connection (a subscribed connection cannot publish), one channel per deployment prefix, a JSON
 * envelope carrying the instance id so echoes are dropped.
 *
 * Publisher: `enableOfflineQueue: false`, `maxRetriesPerRequest: 0` and a command timeout make `publish` fail
 * fast while Redis is down or stuck instead of queueing without bound; a cap on in-flight publishes bounds the
 * memory a slow Redis can pin. Pub/sub is at-most-once anyway, so a dropped event is never retried.
 *
 * Subscriber: ioredis's own `autoResubscribe` sends SUBSCRIBE on 'ready' without telling anyone when Redis
 * confirmed it, so it is off and the bus subscribes itself on every 'ready' (the events channel and every joined
 * topic), then fires `onReconnect`: the reconcile starts only once new messages are flowing again, so nothing
 * falls between reconcile and resubscribe.
 *
 * Topics are channels of their own (`${prefix}:t:<topic>`), so Redis delivers a session's deltas only to the
 * instances watching that session, and publishing to a session nobody watches costs Redis one lookup.
 */
import Redis from 'ioredis';
import type { Logger } from '../log';
import { validTopic, type Bus, type BusStats } from './bus';
import { createBusDispatcher, throttled } from './bus-dispatcher';

export interface RedisBusOptions {
  url: string;
  /** Isolates deployments and test runs sharing one Redis: the channel is `${prefix}:events`. */
  prefix: string;
  instanceId: string;
  logger: Logger;
  /** A publish not acknowledged within this is dropped (default 1000 ms). */
  publishTimeoutMs?: number;
  /** Publishes awaiting Redis beyond this are dropped rather than queued (default 1000). */
  maxInFlight?: number;
  /** Reconnect backoff: doubling from `baseMs`, capped at `maxMs` (defaults 50 ms and 2000 ms). */
  backoff?: { baseMs?: number; maxMs?: number };
  connectTimeoutMs?: number;
}

export const busChannel = (prefix: string) => `${prefix}:events`;
export const topicChannel = (prefix: string, topic: string) => `${prefix}:t:${topic}`;

/** SUBSCRIBE arguments per command when rejoining many topics after a reconnect. */
const SUBSCRIBE_BATCH = 1000;

/** Client names show up in `CLIENT LIST`, which is how operators (and the tests) find a bus's connections. */
export const busConnectionName = (instanceId: string, role: 'pub' | 'sub') =>
  `bus-${role}:${instanceId.replace(/[^\w.:-]/g, '_').slice(0, 100)}`;

/**
 * Capped exponential backoff with jitter, so instances that lost Redis together do not reconnect in lockstep
 * ("full jitter" style, see AWS Architecture Blog, "Exponential Backoff And Jitter", 2015). The cap stays low
 * because every second disconnected is a second of missed cache events before the reconcile.
 */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(Math.max(attempt - 1, 0), 20));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

export function createRedisBus(options: RedisBusOptions): Bus {
  const { url, prefix, instanceId } = options;
  const logger = options.logger.child({ component: 'bus', prefix });
  const channel = busChannel(prefix);
  const topicPrefix = topicChannel(prefix, '');
  /** Joined topics; each maps to the confirmation of its SUBSCRIBE (false: not connected when it was joined). */
  const topics = new Map<string, Promise<boolean>>();
  const maxInFlight = options.maxInFlight ?? 1000;
  const baseMs = options.backoff?.baseMs ?? 50;
  const maxMs = options.backoff?.maxMs ?? 2000;
  const dispatcher = createBusDispatcher({ instanceId, logger });
  const warn = throttled(logger, 60_000);

  const common = {
    retryStrategy: (attempt: number) => backoffDelay(attempt, baseMs, maxMs),
    connectTimeout: options.connectTimeoutMs ?? 5000,
    // At-most-once: a command cut off by a disconnect is not replayed after the reconnect.
    autoResendUnfulfilledCommands: false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
  };
  const publisher = new Redis(url, {
    ...common,
    connectionName: busConnectionName(instanceId, 'pub'),
    commandTimeout: options.publishTimeoutMs ?? 1000,
  });
  const subscriber = new Redis(url, { ...common, connectionName: busConnectionName(instanceId, 'sub'), autoResubscribe: false });

  let closed = false;
  let closing: Promise<void> | undefined;
  let subscribed = false;
  /** Set when messages may have been missed: a lost subscription, or a failed first connect. */
  let missedSince = false;
  let inFlight = 0;
  const readyWaiters = new Set<(ok: boolean) => void>();

  // `ready()` waits for both halves: subscribed, and a publisher that can send (it connects on its own).
  const isReady = () => !closed && subscribed && publisher.status === 'ready';
  const settleReadyWaiters = () => {
    if (!isReady()) return;
    for (const resolve of readyWaiters) resolve(true);
    readyWaiters.clear();
  };
  publisher.on('ready', settleReadyWaiters);
  publisher.on('error', (error: unknown) => warn('bus.publisher_error', { error }));
  subscriber.on('error', (error: unknown) => warn('bus.subscriber_error', { error }));
  subscriber.on('message', (from: string, raw: string) => {
    if (closed) return;
    // A message of a topic left a moment ago may still arrive; it is not delivered.
    if (from === channel || (from.startsWith(topicPrefix) && topics.has(from.slice(topicPrefix.length)))) dispatcher.deliver(raw);
  });
  subscriber.on('close', () => {
    if (closed) return;
    if (subscribed) logger.warn('bus.subscription_lost');
    subscribed = false;
    missedSince = true;
  });
  const subscribeTopic = (topic: string) =>
    subscriber.subscribe(topicChannel(prefix, topic)).then(
      () => true,
      (error: unknown) => (warn('bus.subscribe_failed', { error }), false),
    );

  subscriber.on('ready', () => {
    const rejoined = new Set(topics.keys());
    const channels = [channel, ...[...rejoined].map((topic) => topicChannel(prefix, topic))];
    const batches = Array.from({ length: Math.ceil(channels.length / SUBSCRIBE_BATCH) }, (_, i) => channels.slice(i * SUBSCRIBE_BATCH, (i + 1) * SUBSCRIBE_BATCH));
    void Promise.all(batches.map((batch) => subscriber.subscribe(...batch))).then(
      () => {
        if (closed) return;
        subscribed = true;
        for (const topic of topics.keys()) {
          // Topics joined while this SUBSCRIBE was on its way were only remembered: subscribe them now.
          topics.set(topic, rejoined.has(topic) ? Promise.resolve(true) : subscribeTopic(topic));
        }
        // And topics left meanwhile are still subscribed on Redis: drop them there too.
        const left = [...rejoined].filter((topic) => !topics.has(topic)).map((topic) => topicChannel(prefix, topic));
        if (left.length > 0) subscriber.unsubscribe(...left).catch(() => undefined);
        settleReadyWaiters();
        if (!missedSince) return;
        missedSince = false;
        logger.info('bus.resubscribed');
        dispatcher.fireReconnect();
      },
      // The connection died mid-SUBSCRIBE or Redis refused it; the next 'ready' tries again.
      (error: unknown) => warn('bus.subscribe_failed', { error }),
    );
  });

  async function publish(raw: string, to: string) {
    inFlight++;
    try {
      await publisher.publish(to, raw);
      dispatcher.counters.published++;
    } catch (error) {
      dispatcher.publishFailed('error', error);
    } finally {
      inFlight--;
    }
  }

  return {
    instanceId,
    async publish(event, topic) {
      if (closed) return dispatcher.publishFailed('closed');
      if (topic !== undefined && !validTopic(topic)) return dispatcher.publishFailed('invalid topic');
      const raw = dispatcher.encode(event);
      if (raw === undefined) return;
      // Checked before calling ioredis so an outage costs no error object or rejected promise per event.
      if (publisher.status !== 'ready') return dispatcher.publishFailed('disconnected');
      if (inFlight >= maxInFlight) return dispatcher.publishFailed('backlog');
      await publish(raw, topic === undefined ? channel : topicChannel(prefix, topic));
    },
    join(topic) {
      if (closed || !validTopic(topic)) return Promise.resolve(false);
      let joined = topics.get(topic);
      if (!joined) {
        // While disconnected the topic is only remembered: the next 'ready' subscribes it with the rest.
        joined = subscribed ? subscribeTopic(topic) : Promise.resolve(false);
        topics.set(topic, joined);
      }
      return joined;
    },
    leave(topic) {
      if (!topics.delete(topic) || !subscribed) return;
      subscriber.unsubscribe(topicChannel(prefix, topic)).catch(() => undefined);
    },
    subscribe: (handler) => dispatcher.subscribe(handler),
    onReconnect: (handler) => dispatcher.onReconnect(handler),
    ready(timeoutMs = 5000) {
      if (closed) return Promise.resolve(false);
      if (isReady()) return Promise.resolve(true);
      return new Promise<boolean>((resolve) => {
        const done = (ok: boolean) => {
          clearTimeout(timer);
          readyWaiters.delete(done);
          resolve(ok);
        };
        const timer = setTimeout(() => done(false), timeoutMs);
        readyWaiters.add(done);
      });
    },
    stats: (): BusStats => ({ ...dispatcher.counters, topics: topics.size, connected: isReady() }),
    close() {
      closing ??= (async () => {
        closed = true;
        subscribed = false;
        dispatcher.clear();
        for (const resolve of [...readyWaiters]) resolve(false);
        await Promise.all([quit(publisher), quit(subscriber)]);
      })();
      return closing;
    },
  };
}

/** QUIT lets in-flight publishes finish; bounded, because a stuck Redis must not hold up shutdown. */
async function quit(client: Redis, timeoutMs = 500) {
  if (client.status === 'ready') {
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      client.quit().catch(() => undefined),
      new Promise((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
  }
  // Also stops the reconnect timer of a client that was down, and is harmless after a completed QUIT.
  client.disconnect();
}
