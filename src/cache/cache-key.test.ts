import { describe, expect, test } from 'bun:test';
import type { ChatMessage } from '../llm/llm-provider';
import { cacheKey, canonicalJson, type CacheKeyInput } from './cache-key';

const user = (content: string): ChatMessage => ({ role: 'user', content });
const input = (overrides: Partial<CacheKeyInput> = {}): CacheKeyInput => ({
  tenant: 'city',
  namespace: 'default',
  model: 'deepseek-chat',
  messages: [user('Wann hat das Bürgeramt geöffnet?')],
  params: {},
  embedderModelId: 'use-lite',
  ...overrides,
});
const key = (overrides: Partial<CacheKeyInput> = {}) => {
  const result = cacheKey(input(overrides));
  if (!result.cacheable) throw new Error('expected cacheable');
  return result;
};

describe('cache key policy', () => {
  test('canonical JSON ignores key order and undefined fields', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: undefined } })).toBe('{"a":{"d":[1,{"x":1,"y":2}]},"b":1}');
  });

  test('the same request gives the same exact key, whatever the field order', () => {
    expect(key({ params: { top_p: 0.5, seed: 1 } }).exactKey).toBe(key({ params: { seed: 1, top_p: 0.5 } }).exactKey);
  });

  test('parameters at their defaults equal absent parameters, and transport fields do not matter', () => {
    expect(key({ params: { temperature: 1, n: 1, stream: true, user: 'u1', top_p: null } }).exactKey).toBe(key().exactKey);
  });

  test('tenant, model, namespace and every output-affecting parameter change the exact key', () => {
    const base = key().exactKey;
    for (const overrides of [
      { tenant: 'county' },
      { model: 'deepseek-reasoner' },
      { namespace: 'faq' },
      { params: { temperature: 0.2 } },
      { params: { max_tokens: 10 } },
      { params: { stop: ['\n'] } },
      { params: { seed: 7 } },
      { params: { response_format: { type: 'json_object' } } },
      { params: { tools: [{ type: 'function', function: { name: 'f' } }] } },
      { params: { some_vendor_knob: true } },
    ] as Partial<CacheKeyInput>[]) {
      expect(key(overrides).exactKey).not.toBe(base);
    }
  });

  test('semantic matching uses only the last user message, partitioned by earlier turns and system prompt', () => {
    const plain = key();
    expect(plain.semantic?.text).toBe('Wann hat das Bürgeramt geöffnet?');
    const withSystem = key({ messages: [{ role: 'system', content: 'Antworte kurz.' }, user('Wann hat das Bürgeramt geöffnet?')] });
    const followUp = key({ messages: [user('Ich wohne in Saarlouis.'), { role: 'assistant', content: 'Gut.' }, user('Wann hat das Bürgeramt geöffnet?')] });
    expect(withSystem.semantic?.text).toBe(plain.semantic?.text);
    expect(new Set([plain.semantic?.partition, withSystem.semantic?.partition, followUp.semantic?.partition]).size).toBe(3);
  });

  test('the partition separates embedders and parameters but not the wording of the question', () => {
    expect(key({ messages: [user('Öffnungszeiten Bürgeramt?')] }).semantic?.partition).toBe(key().semantic?.partition);
    expect(key({ embedderModelId: 'minilm' }).semantic?.partition).not.toBe(key().semantic?.partition);
    expect(key({ params: { temperature: 0 } }).semantic?.partition).not.toBe(key().semantic?.partition);
  });

  test('bypasses requests that cannot be replayed faithfully', () => {
    expect(cacheKey(input({ params: { n: 2 } }))).toEqual({ cacheable: false, reason: 'n>1' });
    expect(cacheKey(input({ params: { logprobs: true } }))).toEqual({ cacheable: false, reason: 'logprobs' });
  });

  test('matches images, tool results and blank questions only exactly', () => {
    const image = key({ messages: [{ role: 'user', content: [{ type: 'text', text: 'what is this' }, { type: 'image_url', image_url: { url: 'x' } }] }] });
    expect(image.semantic).toBeUndefined();
    const tool = key({ messages: [user('weather?'), { role: 'assistant', content: null, tool_calls: [] }, { role: 'tool', tool_call_id: 'c', content: '20C' }] });
    expect(tool.semantic).toBeUndefined();
    expect(key({ messages: [user('   ')] }).semantic).toBeUndefined();
    const parts = key({ messages: [{ role: 'user', content: [{ type: 'text', text: 'Wann hat das Bürgeramt geöffnet?' }] }] });
    expect(parts.semantic?.text).toBe('Wann hat das Bürgeramt geöffnet?');
  });
});
