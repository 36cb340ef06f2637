import { describe, expect, test } from 'bun:test';
import { silentLogger } from '../log';
import type { ChatMessage, StreamPart } from './llm-provider';
import { mockAnswer } from './mock-answer';
import { createMockProvider } from './mock-provider';

const messages: ChatMessage[] = [{ role: 'user', content: 'Tell me about the mock.' }];
const request = (signal?: AbortSignal) => ({ model: 'deepseek-chat', messages, params: {}, signal });

async function collect(parts: AsyncIterable<StreamPart>) {
  const out: StreamPart[] = [];
  for await (const part of parts) out.push(part);
  return out;
}

describe('mock provider', () => {
  test('completes with the deterministic mock answer and consistent usage', async () => {
    const provider = createMockProvider({ logger: silentLogger });
    const completion = await provider.complete(request());
    expect(completion.choices[0]?.message.content).toBe(mockAnswer(messages, 'deepseek-chat'));
    expect(completion.usage!.total_tokens).toBe(completion.usage!.prompt_tokens + completion.usage!.completion_tokens);
    expect(provider.calls).toBe(1);
  });

  test('streams the same answer word by word and ends with one finish carrying usage', async () => {
    const provider = createMockProvider({ logger: silentLogger, tokensPerSec: 10_000 });
    const parts = await collect(provider.stream(request()));
    const deltas = parts.filter((p) => p.type === 'delta');
    expect(deltas.length).toBeGreaterThan(20);
    expect(deltas.map((p) => (p.type === 'delta' ? p.delta.content : '')).join('')).toBe(mockAnswer(messages, 'deepseek-chat'));
    expect(parts.at(-1)).toMatchObject({ type: 'finish', finishReasons: { 0: 'stop' }, usage: { completion_tokens: expect.any(Number) } });
    expect(parts.filter((p) => p.type !== 'delta')).toHaveLength(1);
  });

  test('an aborted stream ends with an error part and frees its slot at once', async () => {
    const provider = createMockProvider({ logger: silentLogger, tokensPerSec: 100, maxConnections: 1 });
    const controller = new AbortController();
    const iterator = provider.stream(request(controller.signal))[Symbol.asyncIterator]();
    await iterator.next();
    controller.abort();
    expect(provider.health().inFlight).toBe(0);
    expect((await iterator.next()).value).toMatchObject({ type: 'error' });
    expect((await iterator.next()).done).toBe(true);
  });

  test('frees its slot even when the consumer never resumes after the finish part', async () => {
    const provider = createMockProvider({ logger: silentLogger, maxConnections: 1 });
    const iterator = provider.stream(request())[Symbol.asyncIterator]();
    for (let next = await iterator.next(); !next.done && next.value.type === 'delta'; next = await iterator.next());
    expect(provider.health()).toMatchObject({ name: 'mock', breaker: 'closed', inFlight: 0, maxConnections: 1 });
  });

  test('an aborted completion rejects instead of answering', async () => {
    const provider = createMockProvider({ logger: silentLogger, latencyMs: 10_000 });
    const controller = new AbortController();
    const pending = provider.complete(request(controller.signal));
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: 'client_closed' });
  });

  test('after close it refuses new work with service_unavailable', async () => {
    const provider = createMockProvider({ logger: silentLogger });
    await provider.close();
    await expect(provider.complete(request())).rejects.toMatchObject({ code: 'service_unavailable' });
    expect(await collect(provider.stream(request()))).toEqual([{ type: 'error', error: expect.objectContaining({ code: 'service_unavailable' }) }]);
  });
});
