/**
 * The in-process Bus: for a single instance (where it carries nothing, since a bus never delivers an instance's
 * own messages) and, through `createMemoryBusNetwork`, for tests that need several instances without Redis.
 *
 * Messages travel as JSON strings and are validated by each receiver, exactly like the Redis bus, so the
 * contract suite exercises the same encode/validate/echo-drop path. Each member has its own queue drained in a
 * microtask: delivery is asynchronous and never re-entrant, as with a real socket.
 */
import { silentLogger, type Logger } from '../log';
import { validTopic, type Bus, type BusStats } from './bus';
import { createBusDispatcher } from './bus-dispatcher';

export interface MemoryBusOptions {
  instanceId: string;
  logger?: Logger;
}

export interface MemoryBusNetwork {
  /** A new member, as if another instance connected to the same Redis channel. */
  connect(options: MemoryBusOptions): Bus;
  /** Puts a raw string on the wire for every member, as a foreign or broken publisher would. */
  injectRaw(raw: string): void;
  /** Simulates a lost connection: the member neither receives nor publishes until `restore`. */
  disconnect(bus: Bus): void;
  /** Ends a simulated outage: the member receives again and its `onReconnect` handlers fire. */
  restore(bus: Bus): void;
}

const RECONNECTED = Symbol('reconnected');

interface Member {
  bus: Bus;
  online: boolean;
  topics: Set<string>;
  enqueue(raw: string): void;
  echoed(): void;
  reconnected(): void;
}

export function createMemoryBusNetwork(): MemoryBusNetwork {
  const members = new Set<Member>();
  // The sender's own copy is counted as a dropped echo without being parsed: it is known to be valid and would
  // be dropped anyway, and a single instance publishes every session delta through here.
  const broadcast = (raw: string, sender?: Member, topic?: string) => {
    for (const member of members) {
      if (topic !== undefined && !member.topics.has(topic)) continue;
      if (member === sender) member.echoed();
      else if (member.online) member.enqueue(raw);
    }
  };
  const find = (bus: Bus) => [...members].find((member) => member.bus === bus);

  return {
    connect(options) {
      const member = createMember(options, broadcast, (m) => members.delete(m));
      members.add(member);
      return member.bus;
    },
    injectRaw: (raw) => broadcast(raw),
    disconnect(bus) {
      const member = find(bus);
      if (member) member.online = false;
    },
    restore(bus) {
      const member = find(bus);
      if (!member || member.online) return;
      member.online = true;
      member.reconnected();
    },
  };
}

/** A single instance's bus: a network of one. */
export function createMemoryBus(options: MemoryBusOptions): Bus {
  return createMemoryBusNetwork().connect(options);
}

function createMember(options: MemoryBusOptions, broadcast: (raw: string, sender: Member, topic?: string) => void, leave: (member: Member) => void): Member {
  const logger = options.logger ?? silentLogger;
  const dispatcher = createBusDispatcher({ instanceId: options.instanceId, logger });
  const queue: Array<string | typeof RECONNECTED> = [];
  let draining = false;
  let closed = false;

  // One drain at a time: a handler that publishes only appends to the queue, and the running drain delivers it
  // after that handler has returned.
  const drain = () => {
    for (let item = queue.shift(); item !== undefined && !closed; item = queue.shift()) {
      if (item === RECONNECTED) dispatcher.fireReconnect();
      else dispatcher.deliver(item);
    }
    draining = false;
  };
  const push = (item: string | typeof RECONNECTED) => {
    if (closed) return;
    queue.push(item);
    if (!draining) {
      draining = true;
      queueMicrotask(drain);
    }
  };

  const bus: Bus = {
    instanceId: options.instanceId,
    async publish(event, topic) {
      if (closed) return dispatcher.publishFailed('closed');
      if (!member.online) return dispatcher.publishFailed('disconnected');
      if (topic !== undefined && !validTopic(topic)) return dispatcher.publishFailed('invalid topic');
      const raw = dispatcher.encode(event);
      if (raw === undefined) return;
      dispatcher.counters.published++;
      broadcast(raw, member, topic);
    },
    async join(topic) {
      if (closed || !validTopic(topic)) return false;
      member.topics.add(topic);
      return member.online;
    },
    leave(topic) {
      member.topics.delete(topic);
    },
    subscribe: (handler) => dispatcher.subscribe(handler),
    onReconnect: (handler) => dispatcher.onReconnect(handler),
    ready: async () => !closed,
    stats: (): BusStats => ({ ...dispatcher.counters, topics: member.topics.size, connected: !closed && member.online }),
    async close() {
      if (closed) return;
      closed = true;
      queue.length = 0;
      member.topics.clear();
      dispatcher.clear();
      leave(member);
    },
  };

  const member: Member = {
    bus,
    online: true,
    topics: new Set(),
    enqueue: push,
    echoed: () => {
      dispatcher.counters.droppedEchoes++;
    },
    // Queued behind anything already delivered, so the handler runs after the subscription is back.
    reconnected: () => push(RECONNECTED),
  };
  return member;
}
