/**
 * Small helpers for bus tests: wait for a condition instead of sleeping, collect what handlers received, and a
 * TCP relay that stands in for a Redis appearing late.
 */
import type { Socket } from 'bun';
import type { Bus, BusMessage } from './bus';
import type { BusEvent } from './bus-events';

export { waitFor } from '../testing/wait-for';

/** Subscribes and records every message; `unsubscribe` stops recording. */
export function collect(bus: Bus) {
  const messages: BusMessage[] = [];
  const unsubscribe = bus.subscribe((message) => {
    messages.push(message);
  });
  return { messages, unsubscribe };
}

let seq = 0;
/** A valid event, distinguishable by its turn id. */
export function delta(turnId = `turn-${++seq}`, text = 'hello'): BusEvent {
  return { type: 'session.delta', data: { sessionId: 'session-1', turnId, text, seq: 0 } };
}

export const turnIds = (messages: BusMessage[]) =>
  messages.map((message) => (message.type === 'session.delta' ? message.data.turnId : message.type));

/** A port nothing listens on: the OS picks a free one, which is released straight away. */
export async function freePort(): Promise<number> {
  const probe = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } });
  const { port } = probe;
  probe.stop(true);
  return port;
}

/** A minimal TCP relay, so a test can make a "Redis" appear at a port that was refusing connections. */
export function listenProxy(port: number, host: string, targetPort: number): { stop(force: boolean): void } {
  interface Pair {
    upstream?: Socket<undefined>;
    pending: Uint8Array[];
  }
  return Bun.listen<Pair>({
    hostname: '127.0.0.1',
    port,
    socket: {
      async open(client) {
        client.data = { pending: [] };
        const upstream = await Bun.connect<undefined>({
          hostname: host,
          port: targetPort,
          socket: {
            data(_upstream, chunk) {
              client.write(chunk);
            },
            close() {
              client.end();
            },
            error() {
              client.end();
            },
          },
        });
        client.data.upstream = upstream;
        for (const chunk of client.data.pending) upstream.write(chunk);
      },
      data(client, chunk) {
        if (client.data.upstream) client.data.upstream.write(chunk);
        else client.data.pending.push(new Uint8Array(chunk));
      },
      close(client) {
        client.data.upstream?.end();
      },
      error(client) {
        client.data.upstream?.end();
      },
    },
  });
}
