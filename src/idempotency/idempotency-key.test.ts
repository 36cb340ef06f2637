import { describe, expect, test } from 'bun:test';
import { parseIdempotencyKey } from './idempotency-key';

const invalid = (header: string) => {
  const result = parseIdempotencyKey(header);
  if (result.status !== 'INVALID') throw new Error(`expected INVALID for ${JSON.stringify(header.slice(0, 40))}, got ${result.status}`);
  return result.error;
};

describe('Idempotency-Key header', () => {
  test('is absent when the request carries none', () => {
    expect(parseIdempotencyKey(null)).toEqual({ status: 'ABSENT' });
    expect(parseIdempotencyKey(undefined)).toEqual({ status: 'ABSENT' });
  });

  test('accepts a bare key and the same key as a quoted string, unescaping it', () => {
    expect(parseIdempotencyKey('8e03978e-40d5-43e8-bc93-6894a57f9324')).toEqual({ status: 'VALID', key: '8e03978e-40d5-43e8-bc93-6894a57f9324' });
    expect(parseIdempotencyKey('"8e03978e-40d5-43e8-bc93-6894a57f9324"')).toEqual({ status: 'VALID', key: '8e03978e-40d5-43e8-bc93-6894a57f9324' });
    expect(parseIdempotencyKey('"say \\"hi\\" \\\\ bye"')).toEqual({ status: 'VALID', key: 'say "hi" \\ bye' });
    expect(parseIdempotencyKey('order 42: retry #1')).toEqual({ status: 'VALID', key: 'order 42: retry #1' });
  });

  test('accepts exactly 255 characters and rejects 256, bare or quoted', () => {
    expect(parseIdempotencyKey('k'.repeat(255))).toEqual({ status: 'VALID', key: 'k'.repeat(255) });
    expect(parseIdempotencyKey(`"${'k'.repeat(255)}"`)).toEqual({ status: 'VALID', key: 'k'.repeat(255) });
    expect(invalid('k'.repeat(256)).message).toContain('too long');
    expect(invalid(`"${'k'.repeat(256)}"`).message).toContain('too long');
  });

  test('rejects a huge header with a 400 that does not echo it', () => {
    const huge = 'forged-'.repeat(1500); // ~10 KB
    const error = invalid(huge);
    expect(error.status).toBe(400);
    expect(error.code).toBe('invalid_request');
    expect(error.message).toContain('too long');
    expect(error.message).not.toContain('forged');
  });

  test('rejects an empty or blank key', () => {
    expect(invalid('').message).toContain('empty');
    expect(invalid('   ').message).toContain('empty');
    expect(invalid('""').message).toContain('empty');
    expect(invalid('"  "').message).toContain('empty');
  });

  test('rejects control characters and anything outside printable ASCII', () => {
    for (const header of ['abc\u0000def', 'abc\u0001', 'a\tb', 'del\u007f', 'café', 'emoji-🔑', '"quoted\u0007"']) {
      expect(invalid(header).status).toBe(400);
    }
  });

  test('rejects a malformed quoted string', () => {
    for (const header of ['"unterminated', '"done" trailing', '"bad \\n escape"', '"a"b"', '"']) {
      expect(invalid(header).message).toContain('quoted string');
    }
  });
});
