/**
 * Helpers for the rate limiter's Redis tests: isolated prefixes, clients configured as in production, and a TCP
 * relay in front of Redis that a test can start late (Redis "coming back") or stall (Redis "hanging").
 */
import type { Socket } from 'bun';
import Redis from 'ioredis';
import { waitFor } from '../testing/wait-for';
import { rateLimiterRedisOptions } from './redis-rate-limiter';

export const testPrefix = (name: string) =>
  `gw-test-rl-${name}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

export { waitFor } from '../testing/wait-for';

/** A client with the limiter's production options; resolves once it is ready unless `waitReady` is false. */
export async function redisTestClient(url: string, { waitReady = true } = {}): Promise<Redis> {
  const redis = new Redis(url, { ...rateLimiterRedisOptions, retryStrategy: () => 50 });
  redis.on('error', () => {});
  if (waitReady) await waitFor(() => redis.status === 'ready', { what: `Redis at ${url}` });
  return redis;
}

/** A port nothing listens on: the OS picks a free one, which is released straight away. */
export function freePort(): number {
  const probe = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } });
  const { port } = probe;
  probe.stop(true);
  return port;
}

export interface RedisRelay {
  /** Holds every byte from clients until `resume`: Redis looks alive (connected) but answers nothing. */
  stall(): void;
  resume(): void;
  stop(): void;
}

interface Pair {
  upstream?: Socket<undefined>;
  pending: Uint8Array[];
}

/** Relays 127.0.0.1:`port` to Redis at `target`. */
export function redisRelay(port: number, target: { host: string; port: number }): RedisRelay {
  let stalled = false;
  const pairs = new Set<Socket<Pair>>();
  const flush = (client: Socket<Pair>) => {
    if (stalled || !client.data.upstream) return;
    for (const chunk of client.data.pending.splice(0)) client.data.upstream.write(chunk);
  };
  const server = Bun.listen<Pair>({
    hostname: '127.0.0.1',
    port,
    socket: {
      async open(client) {
        client.data = { pending: [] };
        pairs.add(client);
        client.data.upstream = await Bun.connect<undefined>({
          hostname: target.host,
          port: target.port,
          socket: {
            data: (_upstream, chunk) => void client.write(chunk),
            close: () => void client.end(),
            error: () => void client.end(),
          },
        });
        flush(client);
      },
      data(client, chunk) {
        client.data.pending.push(new Uint8Array(chunk));
        flush(client);
      },
      close(client) {
        pairs.delete(client);
        client.data.upstream?.end();
      },
      error(client) {
        client.data.upstream?.end();
      },
    },
  });
  return {
    stall: () => void (stalled = true),
    resume() {
      stalled = false;
      for (const client of pairs) flush(client);
    },
    stop() {
      for (const client of pairs) client.data.upstream?.end();
      server.stop(true);
    },
  };
}
