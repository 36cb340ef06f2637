import { describe, expect, test } from 'bun:test';
import { createDeltaBatcher } from './delta-batcher';

describe('delta batcher', () => {
  test('coalesces what arrives within one window into one delivery', async () => {
    const batcher = createDeltaBatcher({ windowMs: 5, maxChars: 1000 });
    const delivered: string[] = [];
    const buffer = batcher.open((text) => delivered.push(text));
    for (const token of ['a', 'b', 'c']) buffer.append(token);
    expect(delivered).toEqual([]);
    while (delivered.length === 0) await Bun.sleep(1);
    expect(delivered).toEqual(['abc']);
    expect(batcher.stats()).toEqual({ appended: 3, delivered: 1 });
  });

  test('delivers at once when maxChars are buffered, in slices that never split a surrogate pair', () => {
    const batcher = createDeltaBatcher({ windowMs: 60_000, maxChars: 4 });
    const delivered: string[] = [];
    const buffer = batcher.open((text) => delivered.push(text));
    buffer.append('ab');
    buffer.append('c😀de');
    expect(delivered).toEqual(['abc', '😀de']);
    expect(delivered.join('')).toBe('abc😀de');
    expect(buffer.pendingChars).toBe(0);
    batcher.close();
  });

  test('flush delivers now; discard forgets the buffered text', () => {
    const batcher = createDeltaBatcher({ windowMs: 60_000, maxChars: 100 });
    const delivered: string[] = [];
    const buffer = batcher.open((text) => delivered.push(text));
    buffer.append('kept');
    buffer.flush();
    buffer.append('dropped');
    buffer.discard();
    batcher.close();
    expect(delivered).toEqual(['kept']);
  });

  test('with a zero window every piece is delivered as it comes', () => {
    const batcher = createDeltaBatcher({ windowMs: 0, maxChars: 100 });
    const delivered: string[] = [];
    const buffer = batcher.open((text) => delivered.push(text));
    buffer.append('a');
    buffer.append('b');
    expect(delivered).toEqual(['a', 'b']);
  });
});
