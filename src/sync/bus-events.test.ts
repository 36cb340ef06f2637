import { describe, expect, test } from 'bun:test';
import { decodeBusMessage, MAX_DELTA_CHARS, MAX_MESSAGE_CHARS, parseBusMessage } from './bus-events';

const envelope = { v: 1 as const, instanceId: 'instance-a', id: 'message-1', ts: 1_700_000_000_000 };
const raw = (message: unknown) => JSON.stringify(message);
const flush = (data: unknown, extra: Record<string, unknown> = {}) => raw({ ...envelope, type: 'cache.flush', data, ...extra });

describe('parseBusMessage', () => {
  test('accepts every event type with its envelope', () => {
    const events = [
      { type: 'cache.upsert', data: { tenant: 't', entryId: 'e', partition: 'p', modelId: 'm' } },
      { type: 'cache.upsert', data: { tenant: 't', entryId: 'e' } },
      { type: 'cache.remove', data: { tenant: 't', entryIds: ['e1', 'e2'], reason: 'feedback' } },
      { type: 'cache.flush', data: { tenant: 't', namespace: 'n' } },
      { type: 'session.delta', data: { sessionId: 's', turnId: 'u', text: 'Hel', seq: 0 } },
      { type: 'session.done', data: { sessionId: 's', turnId: 'u', cache: 'SEMANTIC_HIT', similarity: 0.91, usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } } },
      { type: 'session.error', data: { sessionId: 's', turnId: 'u', code: 'upstream_error', message: 'The model failed' } },
      { type: 'instance.alive', data: {} },
    ];
    for (const event of events) expect(parseBusMessage(raw({ ...envelope, ...event }))).toEqual({ ...envelope, ...event } as never);
  });

  test('returns undefined for input that is not JSON, or not an object', () => {
    for (const input of ['', 'not json', '{"v":1', 'null', '42', '"text"', '[]', '['.repeat(100_000)]) {
      expect(parseBusMessage(input)).toBeUndefined();
    }
  });

  test('returns undefined for an unknown type or a missing one', () => {
    expect(parseBusMessage(raw({ ...envelope, type: 'cache.explode', data: { tenant: 't' } }))).toBeUndefined();
    expect(parseBusMessage(raw({ ...envelope, data: { tenant: 't' } }))).toBeUndefined();
  });

  test('returns undefined for another protocol version, even with a valid body', () => {
    expect(parseBusMessage(flush({ tenant: 't' }))).toBeDefined();
    expect(parseBusMessage(flush({ tenant: 't' }, { v: 2 }))).toBeUndefined();
    expect(parseBusMessage(flush({ tenant: 't' }, { v: '1' }))).toBeUndefined();
    expect(parseBusMessage(flush({ tenant: 't' }, { v: undefined }))).toBeUndefined();
  });

  test('returns undefined when envelope fields are missing or mistyped', () => {
    expect(parseBusMessage(flush({ tenant: 't' }, { instanceId: undefined }))).toBeUndefined();
    expect(parseBusMessage(flush({ tenant: 't' }, { instanceId: '' }))).toBeUndefined();
    expect(parseBusMessage(flush({ tenant: 't' }, { id: 7 }))).toBeUndefined();
    expect(parseBusMessage(flush({ tenant: 't' }, { ts: -1 }))).toBeUndefined();
    expect(parseBusMessage(flush({ tenant: 't' }, { ts: '2024-01-01' }))).toBeUndefined();
  });

  test('returns undefined when the payload does not match its type', () => {
    expect(parseBusMessage(flush({}))).toBeUndefined();
    expect(parseBusMessage(flush(null))).toBeUndefined();
    expect(parseBusMessage(raw({ ...envelope, type: 'session.delta', data: { sessionId: 's', turnId: 'u', text: 'x', seq: -1 } }))).toBeUndefined();
    expect(parseBusMessage(raw({ ...envelope, type: 'session.done', data: { sessionId: 's', turnId: 'u', cache: 'MAYBE' } }))).toBeUndefined();
    expect(parseBusMessage(raw({ ...envelope, type: 'cache.remove', data: { tenant: 't', entryIds: [], reason: 'x' } }))).toBeUndefined();
  });

  test('returns undefined for fields over their bounds', () => {
    const long = (n: number) => 'x'.repeat(n);
    expect(parseBusMessage(flush({ tenant: long(129) }))).toBeUndefined();
    expect(parseBusMessage(flush({ tenant: 't' }, { instanceId: long(129) }))).toBeUndefined();
    const tooManyIds = Array.from({ length: 1001 }, (_, i) => `e${i}`);
    expect(parseBusMessage(raw({ ...envelope, type: 'cache.remove', data: { tenant: 't', entryIds: tooManyIds, reason: 'x' } }))).toBeUndefined();
    const delta = (text: string) => raw({ ...envelope, type: 'session.delta', data: { sessionId: 's', turnId: 'u', text, seq: 1 } });
    expect(parseBusMessage(delta(long(MAX_DELTA_CHARS)))).toBeDefined();
    expect(parseBusMessage(delta(long(MAX_DELTA_CHARS + 1)))).toBeUndefined();
  });

  test('rejects an oversized message before parsing it', () => {
    const huge = flush({ tenant: 't' }, { padding: 'x'.repeat(MAX_MESSAGE_CHARS) });
    expect(decodeBusMessage(huge)).toEqual({ status: 'TOO_LARGE', length: huge.length });
  });

  test('strips unknown fields, so newer v1 senders stay readable', () => {
    const message = parseBusMessage(flush({ tenant: 't', future: true }, { trace: 'abc' }));
    expect(message).toEqual({ ...envelope, type: 'cache.flush', data: { tenant: 't' } });
  });

  test('reports where a message was invalid without echoing its values', () => {
    const result = decodeBusMessage(flush({ tenant: 'x'.repeat(500) }));
    expect(result).toEqual({ status: 'INVALID', paths: ['data.tenant'] });
  });
});
