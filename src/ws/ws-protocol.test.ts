import { describe, expect, test } from 'bun:test';
import { decodeClientFrame } from './ws-protocol';

const SESSION = '3f0e8c4e-8d7a-4b8e-9c1a-2b3c4d5e6f70';

describe('decodeClientFrame', () => {
  test('accepts every client frame type, with or without v: 1, and strips unknown fields', () => {
    for (const frame of [
      { type: 'chat', id: '1', message: 'hi', sessionId: SESSION, model: 'deepseek-chat' },
      { type: 'chat', id: '2', messages: [{ role: 'user', content: 'hi' }], v: 1 },
      { type: 'subscribe', sessionId: SESSION },
      { type: 'unsubscribe', sessionId: SESSION },
      { type: 'cancel', id: '1' },
      { type: 'ping' },
    ]) {
      const result = decodeClientFrame(JSON.stringify({ ...frame, future: true }));
      expect(result).toEqual({ ok: true, frame: frame as never });
    }
  });

  test('says invalid_json for text that is not JSON, and unsupported_data for binary', () => {
    expect(decodeClientFrame('{"type":')).toMatchObject({ ok: false, problem: { code: 'invalid_json' } });
    expect(decodeClientFrame(new Uint8Array([123, 125]))).toMatchObject({ ok: false, problem: { code: 'unsupported_data' } });
  });

  test('says unknown_type for a type it does not know, keeping the frame id', () => {
    expect(decodeClientFrame('{"type":"teleport","id":"7"}')).toMatchObject({ ok: false, problem: { code: 'unknown_type', id: '7', param: 'type' } });
    expect(decodeClientFrame('{"type":"__proto__"}')).toMatchObject({ ok: false, problem: { code: 'unknown_type' } });
    expect(decodeClientFrame('[1,2]')).toMatchObject({ ok: false, problem: { code: 'invalid_request', param: 'type' } });
  });

  test('names the field that breaks the schema', () => {
    const problem = (frame: unknown) => (decodeClientFrame(JSON.stringify(frame)) as { ok: false; problem: { param?: string; code: string } }).problem;
    expect(problem({ type: 'chat', id: '', message: 'x' })).toMatchObject({ code: 'invalid_request', param: 'id' });
    expect(problem({ type: 'chat', id: 'a', message: '   ' })).toMatchObject({ param: 'message' });
    expect(problem({ type: 'chat', id: 'a' })).toMatchObject({ param: 'message' });
    expect(problem({ type: 'chat', id: 'a', message: 'x', sessionId: 'not-a-uuid' })).toMatchObject({ param: 'sessionId' });
    expect(problem({ type: 'chat', id: 'a', messages: [{ role: 'user' }] })).toMatchObject({ param: 'messages[0].content' });
    expect(problem({ type: 'cancel', id: 'x'.repeat(129) })).toMatchObject({ param: 'id' });
    expect(problem({ type: 'ping', v: 3 })).toMatchObject({ code: 'unsupported_version', param: 'v' });
  });

  test('never echoes frame content in a problem message', () => {
    const secret = 'sk-live-do-not-echo';
    const result = decodeClientFrame(JSON.stringify({ type: 'chat', id: 'a', message: 5, sessionId: secret }));
    expect(JSON.stringify(result)).not.toContain(secret);
  });
});
