import { describe, expect, test } from 'bun:test';
import type { ChatMessage } from './llm-provider';
import { estimatePromptTokens, estimateTokens, mockAnswer, mockChunks, planMockAnswer } from './mock-answer';

const ask = (text: string): ChatMessage[] => [
  { role: 'system', content: 'You are helpful.' },
  { role: 'user', content: text },
];

describe('mockAnswer', () => {
  test('gives the same text for the same messages', () => {
    expect(mockAnswer(ask('What is a cache?'), 'm')).toBe(mockAnswer(ask('What is a cache?'), 'm'));
  });

  test('gives a different text when the last user message differs, even slightly', () => {
    const answers = new Set(['What is a cache?', 'What is a cache', 'what is a cache?', 'Explain retries.', ''].map((q) => mockAnswer(ask(q), 'm')));
    expect(answers.size).toBe(5);
  });

  test('reads text parts of multi-part content', () => {
    const parts: ChatMessage[] = [{ role: 'user', content: [{ type: 'text', text: 'What is a cache?' }] }];
    expect(mockAnswer(parts, 'm')).toBe(mockAnswer([{ role: 'user', content: 'What is a cache?' }], 'm'));
  });

  test('is a few sentences, roughly 40 to 80 tokens, so streams have many chunks', () => {
    for (const q of ['Hi', 'What is the capital of France and why is it famous for its museums and food?']) {
      const tokens = estimateTokens(mockAnswer(ask(q), 'deepseek-chat'));
      expect(tokens).toBeGreaterThanOrEqual(40);
      expect(tokens).toBeLessThanOrEqual(90);
      expect(mockChunks(mockAnswer(ask(q), 'deepseek-chat')).length).toBeGreaterThan(20);
    }
  });
});

describe('token estimates and plans', () => {
  test('chunks concatenate back to the answer', () => {
    const text = mockAnswer(ask('Why?'), 'm');
    expect(mockChunks(text).join('')).toBe(text);
  });

  test('counts about four characters per token and framing per message', () => {
    expect(estimateTokens('')).toBe(0);
    expect(estimateTokens('abcdefgh')).toBe(2);
    expect(estimateTokens('a b c')).toBe(3);
    expect(estimatePromptTokens([{ role: 'user', content: 'abcdefgh' }])).toBe(3 + 3 + 2);
  });

  test('reports usage that matches the text and adds up', () => {
    const plan = planMockAnswer(ask('Why?'), 'm');
    expect(plan.finishReason).toBe('stop');
    expect(plan.usage.completion_tokens).toBe(estimateTokens(plan.text));
    expect(plan.usage.total_tokens).toBe(plan.usage.prompt_tokens + plan.usage.completion_tokens);
  });

  test('stops at max_tokens with finish reason length', () => {
    const plan = planMockAnswer(ask('Why?'), 'm', { max_tokens: 5 });
    expect(plan.chunks).toHaveLength(5);
    expect(plan.finishReason).toBe('length');
    expect(mockAnswer(ask('Why?'), 'm').startsWith(plan.text)).toBe(true);
  });
});
