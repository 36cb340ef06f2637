/**
 * Measures the server's resident memory per idle WebSocket connection. Not a test: run it by hand.
 *
 *   bun run src/ws/ws-memory.main.ts [--connections 5000] [--mode hub|elysia-ws]
 *
 * The server (this process) listens with the real `wsRoutes` module (`hub`) or, for comparison, a plain Elysia
 * `.ws()` route (`elysia-ws`). A child process opens the connections (spread over 127.0.0.1-127.0.0.4 so the
 * ephemeral port range is not a limit) and keeps them idle. RSS is read after a full GC before and after.
 */
import { Elysia } from 'elysia';
import { parseArgs } from 'node:util';
import { createAuthenticator } from '../auth/api-keys';
import { createChatService } from '../chat/chat.service';
import { createMemoryConversationStore } from '../chat/memory-conversation-store';
import { createLifecycle } from '../lifecycle';
import { silentLogger } from '../log';
import { createMemoryBus } from '../sync/memory-bus';
import { createScriptedProvider } from '../testing/scripted-provider';
import { createMemoryUsageStore } from '../usage/memory-usage-store';
import { createUsageRecorder } from '../usage/usage-recorder';
import { createSocketHub, wsRoutes } from './chat.socket';

const { values } = parseArgs({
  args: Bun.argv.slice(2),
  options: {
    connections: { type: 'string', default: '5000' },
    mode: { type: 'string', default: 'hub' },
    client: { type: 'string' },
  },
});

async function client(url: string, count: number): Promise<void> {
  const sockets: WebSocket[] = [];
  const open = (i: number) =>
    new Promise<void>((resolve, reject) => {
      const target = url.replace('127.0.0.1', `127.0.0.${1 + (i % 4)}`);
      const socket = new WebSocket(target);
      socket.onopen = () => resolve();
      socket.onerror = () => reject(new Error(`connection ${i} failed`));
      sockets.push(socket);
    });
  for (let i = 0; i < count; i += 250) {
    await Promise.all(Array.from({ length: Math.min(250, count - i) }, (_, j) => open(i + j)));
  }
  process.stdout.write(`open ${sockets.length}\n`);
  // Idle until killed, or until the server goes away.
  for (const socket of sockets) socket.onclose = () => process.exit(0);
}

async function settledRss(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    Bun.gc(true);
    await Bun.sleep(100);
  }
  return process.memoryUsage().rss;
}

async function server(count: number, mode: string): Promise<void> {
  const conversations = createMemoryConversationStore();
  const usage = createUsageRecorder({ store: createMemoryUsageStore(), logger: silentLogger, flushIntervalMs: 60_000 });
  const chat = createChatService({ provider: createScriptedProvider(), conversations, usage, models: ['deepseek-chat'], defaultModel: 'deepseek-chat', logger: silentLogger });
  const hub = createSocketHub({ auth: createAuthenticator({ keys: [] }), chat, conversations, bus: createMemoryBus({ instanceId: 'memory' }), lifecycle: createLifecycle(), logger: silentLogger });
  const app =
    mode === 'elysia-ws'
      ? new Elysia().ws('/ws', { message: (ws, message) => void ws.send(message) }).listen({ port: 0, hostname: '0.0.0.0', websocket: hub.serverOptions })
      : new Elysia().use(wsRoutes(hub)).listen({ port: 0, hostname: '0.0.0.0', websocket: hub.serverOptions });
  const url = `ws://127.0.0.1:${app.server!.port}/ws`;

  // Warm up: load and compile every path a connection takes, so code is not counted as per-connection cost.
  await runClient(url, 50);
  const before = await settledRss();
  await runClient(url, count);
  const after = await settledRss();
  const perConnection = (after - before) / count;
  for (const running of clients) running.kill();
  const report = { mode, connections: count, rssBeforeMB: +(before / 2 ** 20).toFixed(1), rssAfterMB: +(after / 2 ** 20).toFixed(1), bytesPerConnection: Math.round(perConnection), open: mode === 'hub' ? hub.stats().connections : undefined };
  console.log(JSON.stringify(report));
  await app.stop(true);
  await usage.close();
  process.exit(0);
}

const clients: Array<ReturnType<typeof Bun.spawn>> = [];
async function runClient(url: string, count: number) {
  const child = Bun.spawn([process.execPath, import.meta.path, '--client', url, '--connections', String(count)], { stdout: 'pipe', stderr: 'inherit' });
  clients.push(child);
  const reader = child.stdout.getReader();
  const { value } = await reader.read();
  if (!value || !new TextDecoder().decode(value).startsWith('open')) throw new Error('client failed to open its connections');
  return child;
}

if (values.client) await client(values.client, Number(values.connections));
else await server(Number(values.connections), values.mode ?? 'hub');
