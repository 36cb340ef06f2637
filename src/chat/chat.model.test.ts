import { describe, expect, test } from 'bun:test';
import { AppError } from '../errors';
import { chatCompletionRequestSchema, simpleChatRequestSchema, toProviderFields, validate } from './chat.model';

const valid = (body: unknown) => validate(chatCompletionRequestSchema, body);
function rejection(body: unknown): AppError {
  try {
    valid(body);
  } catch (e) {
    return e as AppError;
  }
  throw new Error('expected a rejection');
}

describe('chat completion request validation', () => {
  test('accepts every message role, content parts, tool calls and keeps unknown fields', () => {
    const body = valid({
      model: 'deepseek-chat',
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'developer', content: 'use metric units' },
        { role: 'user', content: [{ type: 'text', text: 'hi' }, { type: 'image_url', image_url: { url: 'data:,' } }] },
        { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: 'c1', content: '42' },
      ],
      temperature: 0.2,
      tools: [{ type: 'function', function: { name: 'f', parameters: {} } }],
      vendor_extension: { keep: true },
    });
    const fields = toProviderFields(body);
    expect(fields.params.vendor_extension).toEqual({ keep: true });
    expect(fields.params.temperature).toBe(0.2);
    expect(fields.messages).toHaveLength(5);
    expect(fields.stream).toBe(false);
  });

  test('rejects an empty messages array naming the field', () => {
    const error = rejection({ model: 'm', messages: [] });
    expect(error.status).toBe(400);
    expect(error.param).toBe('messages');
  });

  test('rejects an unknown role and names the message index', () => {
    const error = rejection({ messages: [{ role: 'wizard', content: 'x' }] });
    expect(error.param).toBe('messages[0].role');
  });

  test('rejects a user message without content', () => {
    expect(rejection({ messages: [{ role: 'user' }] }).param).toBe('messages[0].content');
  });

  test('rejects out-of-range sampling parameters', () => {
    expect(rejection({ messages: [{ role: 'user', content: 'x' }], temperature: 3 }).param).toBe('temperature');
    expect(rejection({ messages: [{ role: 'user', content: 'x' }], n: 0 }).param).toBe('n');
    expect(rejection({ messages: [{ role: 'user', content: 'x' }], stream: 'yes' }).param).toBe('stream');
  });

  test('rejects bodies that are not JSON objects', () => {
    expect(rejection([1, 2]).code).toBe('invalid_request');
    expect(rejection('text').code).toBe('invalid_request');
  });
});

describe('simple chat request validation', () => {
  test('rejects blank messages and malformed session ids', () => {
    expect(() => validate(simpleChatRequestSchema, { message: '   ' })).toThrow(/message/);
    expect(() => validate(simpleChatRequestSchema, { message: 'hi', sessionId: '../etc' })).toThrow(/sessionId/);
    expect(validate(simpleChatRequestSchema, { message: ' hi ' }).message).toBe('hi');
  });
});
