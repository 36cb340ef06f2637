/**
 * The floor for the `ops` bench suite: the smallest servers that answer `GET /api/health/ping` with `pong`, each run
 * in its own process by bench/suites/ops.ts.
 *
 *   bun run bench/peers/bare-ping.ts            # Bun.serve, no framework
 *   bun run bench/peers/bare-ping.ts --elysia   # new Elysia().get('/api/health/ping', () => 'pong'), nothing else
 *
 * Listens on 127.0.0.1:$PORT (0 = any free port) and prints one JSON line `{"event":"peer.listening","url":...}`.
 */
import { Elysia } from 'elysia';

const port = Number(process.env.PORT ?? 0);
const hostname = '127.0.0.1';
const elysia = Bun.argv.includes('--elysia');

let url: string;
if (elysia) {
  const app = new Elysia().get('/api/health/ping', () => 'pong').listen({ port, hostname });
  url = `http://${hostname}:${app.server!.port}`;
} else {
  const server = Bun.serve({
    port,
    hostname,
    fetch(request) {
      // Same answer as the gateway's ping route; anything else is a 404.
      if (new URL(request.url).pathname === '/api/health/ping') return new Response('pong', { headers: { 'content-type': 'text/plain' } });
      return new Response('not found', { status: 404 });
    },
  });
  url = `http://${hostname}:${server.port}`;
}
console.log(JSON.stringify({ event: 'peer.listening', kind: elysia ? 'elysia' : 'bun', url }));

for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => process.exit(0));
