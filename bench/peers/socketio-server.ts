/**
 * The socket.io peer of the `ws` bench suite: a minimal socket.io 4 server with @socket.io/redis-adapter, so that
 * several instances behave as one through Redis, run in its own process (under Bun by default).
 *
 *   PORT=0 HOST=0.0.0.0 REDIS_URL=redis://127.0.0.1:6379 INSTANCE_ID=sio-1 bun run bench/peers/socketio-server.ts
 *
 * Prints one JSON line `{"event":"peer.listening","port":...}`. WebSocket transport only (no long-polling).
 * The same workload as the gateway's /ws, minus the LLM:
 * - `join` (room)            → socket joins the room ("session"); ack `true`.
 * - `chat` {id, k, intervalMs} → K `delta` events {id, seq, text} to the sender, one every intervalMs (first at
 *                              once), then `done` {id}: an echo-with-stream, the transport side of a chat turn.
 * - `publish` {room, id, k, intervalMs} → the same K deltas + done emitted to the room, on every instance
 *                              (through the Redis adapter): session fan-out.
 */
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import { createServer } from 'node:http';
import { Server } from 'socket.io';

const port = Number(process.env.PORT ?? 0);
const host = process.env.HOST ?? '0.0.0.0';
const redisUrl = process.env.REDIS_URL;

const httpServer = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end('ok');
});
const io = new Server(httpServer, { transports: ['websocket'], serveClient: false, pingInterval: 25_000, pingTimeout: 20_000, maxHttpBufferSize: 256 * 1024 });
let pub: Redis | undefined;
let sub: Redis | undefined;
if (redisUrl) {
  pub = new Redis(redisUrl);
  sub = pub.duplicate();
  io.adapter(createAdapter(pub, sub, { key: `bench-sio-${process.env.SIO_PREFIX ?? 'x'}` }));
}

const chunk = (seq: number) => `tok${seq} `;

function stream(emit: (event: string, data: unknown) => void, id: string, k: number, intervalMs: number) {
  let seq = 0;
  const tick = () => {
    emit('delta', { id, seq, text: chunk(seq) });
    seq++;
    if (seq < k) setTimeout(tick, intervalMs);
    else emit('done', { id });
  };
  tick();
}

io.on('connection', (socket) => {
  socket.on('join', (room: unknown, ack?: (ok: boolean) => void) => {
    if (typeof room === 'string') void socket.join(room);
    ack?.(true);
  });
  socket.on('chat', (frame: { id: string; k: number; intervalMs: number }) => {
    stream((event, data) => socket.emit(event, data), String(frame.id), Math.min(10_000, Number(frame.k) || 1), Number(frame.intervalMs) || 0);
  });
  socket.on('publish', (frame: { room: string; id: string; k: number; intervalMs: number }) => {
    stream((event, data) => io.to(String(frame.room)).emit(event, data), String(frame.id), Math.min(10_000, Number(frame.k) || 1), Number(frame.intervalMs) || 0);
  });
});

httpServer.listen(port, host, () => {
  const address = httpServer.address();
  console.log(JSON.stringify({ event: 'peer.listening', port: typeof address === 'object' && address ? address.port : port, instance: process.env.INSTANCE_ID, runtime: typeof Bun === 'undefined' ? `node ${process.version}` : `bun ${Bun.version}` }));
});

const stop = () => {
  io.close();
  pub?.disconnect();
  sub?.disconnect();
  setTimeout(() => process.exit(0), 200);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
