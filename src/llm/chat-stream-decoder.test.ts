import { describe, expect, test } from 'bun:test';
import { createChatStreamDecoder } from './chat-stream-decoder';
import type { StreamPart } from './llm-provider';

const message = (data: unknown) => ({ event: 'message', data: typeof data === 'string' ? data : JSON.stringify(data) });
const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) => message({ object: 'chat.completion.chunk', model: 'up-model', choices, ...extra });

function run(events: ReturnType<typeof message>[]): StreamPart[] {
  const decoder = createChatStreamDecoder({ model: 'asked-model' });
  const parts: StreamPart[] = [];
  for (const event of events) {
    const out = decoder.accept(event);
    parts.push(...out);
    if (out.some((p) => p.type === 'error')) return parts;
  }
  return [...parts, decoder.end()];
}

describe('chat stream decoder', () => {
  test('maps deltas and finishes with reasons, usage from a usage-only chunk, and the upstream model', () => {
    const parts = run([
      chunk([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }], { usage: null }),
      chunk([{ index: 0, delta: { content: 'Hi' }, finish_reason: null }], { usage: null }),
      chunk([{ index: 0, delta: {}, finish_reason: 'stop' }], { usage: null }),
      chunk([], { usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 } }),
      message('[DONE]'),
    ]);
    expect(parts).toEqual([
      { type: 'delta', index: 0, delta: { role: 'assistant', content: '' } },
      { type: 'delta', index: 0, delta: { content: 'Hi' } },
      { type: 'finish', finishReasons: { 0: 'stop' }, usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 }, model: 'up-model' },
    ]);
  });

  test('passes tool call deltas and unknown delta fields through, per choice index', () => {
    const toolCall = [{ index: 0, id: 'call_1', type: 'function', function: { name: 'f', arguments: '{' } }];
    const parts = run([
      chunk([{ index: 1, delta: { tool_calls: toolCall, content: null }, finish_reason: null }]),
      chunk([{ index: 0, delta: { reasoning_content: 'think' }, finish_reason: 'length' }]),
      chunk([{ index: 1, delta: {}, finish_reason: 'tool_calls' }]),
      message('[DONE]'),
    ]);
    expect(parts).toEqual([
      { type: 'delta', index: 1, delta: { tool_calls: toolCall } },
      { type: 'delta', index: 0, delta: { reasoning_content: 'think' } },
      { type: 'finish', finishReasons: { 0: 'length', 1: 'tool_calls' }, model: 'up-model' },
    ]);
  });

  test('reports a body that ends without [DONE] as an error, never a finish', () => {
    const parts = run([chunk([{ index: 0, delta: { content: 'Hi' }, finish_reason: 'stop' }])]);
    expect(parts.at(-1)).toMatchObject({ type: 'error', error: { code: 'upstream_error' } });
  });

  test('reports [DONE] without any finish reason as an error', () => {
    const parts = run([chunk([{ index: 0, delta: { content: 'Hi' }, finish_reason: null }]), message('[DONE]')]);
    expect(parts.at(-1)).toMatchObject({ type: 'error' });
  });

  test('turns malformed JSON into an error part', () => {
    const parts = run([chunk([{ index: 0, delta: { content: 'Hi' } }]), message('{"choices": [')]);
    expect(parts).toHaveLength(2);
    expect(parts[1]).toMatchObject({ type: 'error', error: { code: 'upstream_error' } });
  });

  test('turns an error object inside the stream into an error part naming only its code', () => {
    const parts = run([message({ error: { message: 'secret internal detail', type: 'server_error', code: 'overloaded' } })]);
    expect(parts).toHaveLength(1);
    const error = (parts[0] as Extract<StreamPart, { type: 'error' }>).error;
    expect(error.code).toBe('upstream_error');
    expect(error.message).toContain('overloaded');
    expect(error.message).not.toContain('secret');
  });

  test('ignores anything after [DONE]', () => {
    const parts = run([chunk([{ index: 0, delta: { content: 'a' }, finish_reason: 'stop' }]), message('[DONE]'), message('not json')]);
    expect(parts.at(-1)).toMatchObject({ type: 'finish' });
  });
});
