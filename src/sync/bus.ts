/**
 * The Bus port: change and session events between gateway instances.
 *
 * Contract, for every adapter (checked by the shared suite in bus.int.test.ts):
 * - Delivery is at-most-once and best effort. A message published while a receiver is disconnected is lost for
 *   that receiver; `onReconnect` tells it when to reconcile from Postgres, the source of truth. A lost cache
 *   event therefore costs a missed hit, never a wrong answer.
 * - `publish` never throws and never rejects for transport trouble (Redis down, slow, or a backlog): the event
 *   is dropped, counted in `publishFailures` and logged (throttled). It never waits for a reconnect and never
 *   queues while disconnected, so a Redis outage costs a caller nothing but the lost event. An event that fails
 *   validation (e.g. a field over its bound) is likewise dropped and counted, not thrown.
 * - Handlers never see messages their own instance published: echoes are dropped by `instanceId`. Two processes
 *   configured with the same instance id would therefore not hear each other.
 * - Every received message is validated against bus-events.ts; malformed ones (bad JSON, unknown type or
 *   version, fields out of bounds) are dropped and counted, never delivered.
 * - Delivery is asynchronous and never re-entrant: a handler is never called from inside `publish` or from inside
 *   another handler. Handlers run in subscription order, one message at a time, in publish order per publisher;
 *   async handlers are not awaited. Handlers must treat messages as read-only (they are shared).
 * - A handler that throws or rejects is logged and counted in `handlerErrors`; other handlers still run.
 * - Topics: an event published with a topic reaches only the instances that joined that topic (session fan-out:
 *   only instances with a socket watching the session receive its deltas); one without a topic reaches every
 *   instance. Joined topics survive reconnects. Order holds per publisher and topic.
 */
import type { BusEvent, BusMessage } from './bus-events';

export type { BusEvent, BusMessage, BusEventType, BusMessageOf } from './bus-events';

export type BusHandler = (message: BusMessage) => void | Promise<void>;
export type ReconnectHandler = () => void | Promise<void>;
export type Unsubscribe = () => void;

export const MAX_TOPIC_LENGTH = 200;
export const validTopic = (topic: string) => topic.length > 0 && topic.length <= MAX_TOPIC_LENGTH;

export interface BusStats {
  /** Events the transport accepted. */
  published: number;
  /** Valid messages from other instances, delivered to handlers (counted even when no handler is subscribed). */
  received: number;
  droppedEchoes: number;
  droppedMalformed: number;
  /** Events dropped on publish: transport down or failing, backlog full, invalid event, or bus closed. */
  publishFailures: number;
  handlerErrors: number;
  /** Topics joined (see `join`). */
  topics: number;
  /** Subscribed and able to publish right now. */
  connected: boolean;
}

export interface Bus {
  /** Stamped on every published message; names this instance in logs too. */
  readonly instanceId: string;
  /**
   * Fire and forget: resolves once the transport accepted or dropped the event. With `topic`, only instances that
   * joined it receive the event. See the contract above.
   */
  publish(event: BusEvent, topic?: string): Promise<void>;
  /**
   * Receive events published to `topic` from now on. Resolves true once they flow, false when the transport is
   * down right now (the topic is joined when it reconnects). Idempotent. Topics are 1-200 characters.
   */
  join(topic: string): Promise<boolean>;
  /** Stop receiving events published to `topic`. Idempotent. */
  leave(topic: string): void;
  /** Adds a handler for other instances' messages; the returned function removes it (idempotent). */
  subscribe(handler: BusHandler): Unsubscribe;
  /**
   * Called after the subscription is established following a period in which messages may have been missed:
   * after a lost connection, or on the first subscription when the initial connect failed. The handler should
   * reconcile from Postgres (entries changed since the last change it saw). Not called on a clean first connect.
   */
  onReconnect(handler: ReconnectHandler): Unsubscribe;
  /**
   * Resolves true once subscribed (messages from now on are received) and able to publish, false on timeout or
   * close. Never rejects.
   */
  ready(timeoutMs?: number): Promise<boolean>;
  stats(): BusStats;
  /** Stops delivery and releases connections. Idempotent; later `publish` calls are dropped and counted. */
  close(): Promise<void>;
}
