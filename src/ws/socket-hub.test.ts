/**
 * Backpressure and slow consumers, driven through fake sockets whose `sendText` results the test scripts
 * (Bun's real ones: bytes written, -1 queued, 0 dropped), so pauses and drops happen exactly when arranged.
 */
import { describe, expect, test } from 'bun:test';
import { createAuthenticator } from '../auth/api-keys';
import { createChatService } from '../chat/chat.service';
import { createMemoryConversationStore } from '../chat/memory-conversation-store';
import { createLifecycle } from '../lifecycle';
import type { CompletionRequest, LlmProvider, StreamPart } from '../llm/llm-provider';
import { silentLogger } from '../log';
import { createMemoryBus } from '../sync/memory-bus';
import { createMemoryUsageStore } from '../usage/memory-usage-store';
import { createUsageRecorder } from '../usage/usage-recorder';
import type { Connection, SocketLike } from './connection-state';
import { createSocketHub } from './socket-hub';
import type { WsOptions } from './ws-options';

class FakeSocket implements SocketLike {
  readonly frames: Array<Record<string, any>> = [];
  /** Results for the next sends, in order; afterwards every send succeeds. */
  readonly results: number[] = [];
  closedWith: { code?: number; reason?: string } | undefined;
  connection!: Connection;

  sendText(data: string): number {
    const result = this.results.shift() ?? data.length;
    if (result !== 0) this.frames.push(JSON.parse(data));
    return result;
  }

  close(code?: number, reason?: string): void {
    this.closedWith = { code, reason };
    queueMicrotask(() => this.connection.close(this, code ?? 1005));
  }
}

/** Streams `count` words, counting how many the consumer pulled; stops at an aborted signal. */
function countingProvider(count = 20) {
  const requests: CompletionRequest[] = [];
  let pulled = 0;
  const provider: LlmProvider = {
    name: 'counting',
    async complete() {
      throw new Error('not used');
    },
    async *stream(request): AsyncGenerator<StreamPart> {
      requests.push(request);
      for (let i = 0; i < count; i++) {
        if (request.signal?.aborted) return;
        pulled++;
        yield { type: 'delta', index: 0, delta: { content: `w${i} ` } };
        await Bun.sleep(0);
      }
      yield { type: 'finish', finishReasons: { 0: 'stop' }, model: request.model };
    },
    health: () => ({ name: 'counting', breaker: 'closed', inFlight: 0, queued: 0, maxConnections: 1 }),
    async close() {},
  };
  return { provider, requests, pulled: () => pulled };
}

function build(provider: LlmProvider, options: Partial<WsOptions> = {}) {
  const conversations = createMemoryConversationStore();
  const usage = createUsageRecorder({ store: createMemoryUsageStore(), logger: silentLogger, flushIntervalMs: 60_000 });
  const chat = createChatService({ provider, conversations, usage, models: ['deepseek-chat'], defaultModel: 'deepseek-chat', logger: silentLogger });
  const hub = createSocketHub({
    auth: createAuthenticator({ keys: [] }),
    chat,
    conversations,
    bus: createMemoryBus({ instanceId: 'solo' }),
    lifecycle: createLifecycle(),
    logger: silentLogger,
    options: { batchWindowMs: 0, ...options },
  });
  const socket = new FakeSocket();
  socket.connection = hub.accept(new Request('http://localhost/ws'));
  socket.connection.open(socket);
  const send = (frame: Record<string, unknown>) => socket.connection.message(socket, JSON.stringify(frame));
  return { hub, socket, send, conversations };
}

async function until(check: () => boolean): Promise<void> {
  while (!check()) await Bun.sleep(1);
}

describe('backpressure', () => {
  test('pauses the upstream stream while Bun queues writes and resumes it on drain', async () => {
    const upstream = countingProvider(20);
    const { hub, socket, send } = build(upstream.provider);
    socket.results.push(-1);
    send({ type: 'chat', id: 'bp', message: 'hi' });
    await until(() => hub.stats().turns.pauses === 1);
    const pulledWhilePaused = upstream.pulled();
    for (let i = 0; i < 20; i++) await Bun.sleep(0);
    expect(upstream.pulled()).toBe(pulledWhilePaused);
    expect(pulledWhilePaused).toBeLessThan(20);
    expect(socket.frames.some((f) => f.type === 'done')).toBe(false);

    socket.connection.drain(socket);
    await until(() => socket.frames.some((f) => f.type === 'done'));
    const text = socket.frames.filter((f) => f.type === 'delta').map((f) => f.text).join('');
    expect(text).toBe(Array.from({ length: 20 }, (_, i) => `w${i} `).join(''));
  });

  test('ends the turn, aborts the upstream and closes the socket with 1008 when Bun drops a write', async () => {
    const upstream = countingProvider(50);
    const { hub, socket, send, conversations } = build(upstream.provider);
    socket.results.push(10, 10, 0);
    send({ type: 'chat', id: 'drop', message: 'hi' });
    await until(() => hub.stats().turns.active === 0 && hub.stats().closed === 1);
    expect(socket.closedWith).toEqual({ code: 1008, reason: 'slow consumer' });
    expect(upstream.requests[0]!.signal?.aborted).toBe(true);
    expect(hub.stats()).toMatchObject({ drops: 1, slowConsumers: 1, turns: { cancelled: 1, completed: 0 } });
    const sessionId = socket.frames[0]!.sessionId;
    expect(await conversations.get('default', sessionId)).toBeUndefined();
  });

  test('closes a socket whose paused stream does not drain within the stall timeout', async () => {
    const upstream = countingProvider(20);
    const { hub, socket, send } = build(upstream.provider, { stallTimeoutMs: 20 });
    socket.results.push(-1);
    send({ type: 'chat', id: 'stall', message: 'hi' });
    await until(() => hub.stats().closed === 1 && hub.stats().turns.active === 0);
    expect(socket.closedWith?.code).toBe(1008);
    expect(upstream.requests[0]!.signal?.aborted).toBe(true);
    expect(hub.stats().slowConsumers).toBe(1);
  });
});
