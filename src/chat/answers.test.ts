import { describe, expect, test } from 'bun:test';
import type { ChatCompletion, StreamPart } from '../llm/llm-provider';
import { answerOf, completionFromAnswer, replayParts, storableFromCompletion } from './answers';

const completion = (overrides: Partial<ChatCompletion['choices'][number]> = {}, choices = 1): ChatCompletion => ({
  id: 'x',
  object: 'chat.completion',
  created: 0,
  model: 'm',
  choices: Array.from({ length: choices }, (_, index) => ({ index, message: { role: 'assistant' as const, content: 'Hallo Welt' }, finish_reason: 'stop', ...overrides })),
  usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
});

describe('what may be cached', () => {
  test('stores a complete single text answer', () => {
    expect(storableFromCompletion(completion())).toEqual({ content: 'Hallo Welt', finishReason: 'stop', promptTokens: 3, completionTokens: 2 });
  });

  test('never stores truncated, empty, tool-call or multi-choice answers', () => {
    expect(storableFromCompletion(completion({ finish_reason: 'length' }))).toBeUndefined();
    expect(storableFromCompletion(completion({ message: { role: 'assistant', content: '  ' } }))).toBeUndefined();
    expect(storableFromCompletion(completion({ message: { role: 'assistant', content: null, tool_calls: [{}] }, finish_reason: 'tool_calls' }))).toBeUndefined();
    expect(storableFromCompletion(completion({}, 2))).toBeUndefined();
  });
});

describe('replaying a cached answer', () => {
  test('reassembles exactly, whitespace included, and ends with a finish part carrying usage', async () => {
    const answer = answerOf('  Erstens:\n\n- Ausweis\n- Formular  ', 'stop', { prompt_tokens: 1, completion_tokens: 9, total_tokens: 10 });
    const parts: StreamPart[] = [];
    for await (const part of replayParts(answer, 'deepseek-chat', 2)) parts.push(part);
    const text = parts.map((p) => (p.type === 'delta' ? p.delta.content : '')).join('');
    expect(text).toBe(answer.content);
    expect(parts.at(-1)).toEqual({ type: 'finish', finishReasons: { 0: 'stop' }, usage: { prompt_tokens: 1, completion_tokens: 9, total_tokens: 10 }, model: 'deepseek-chat' });
  });

  test('builds an OpenAI completion from a cached answer', () => {
    const built = completionFromAnswer(answerOf('Hi', 'stop', undefined), 'deepseek-chat', 'req_1');
    expect(built).toMatchObject({ id: 'chatcmpl-req_1', object: 'chat.completion', model: 'deepseek-chat', choices: [{ message: { content: 'Hi' }, finish_reason: 'stop' }] });
  });
});
