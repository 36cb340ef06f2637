import { describe, expect, test } from 'bun:test';
import { LruCache } from './lru-cache';

const lru = (maxEntries: number, maxBytes = 1e9, evicted: string[] = []) =>
  new LruCache<string>({ maxEntries, maxBytes, sizeOf: (v) => v.length, onEvict: (k) => evicted.push(k) });

describe('LRU cache', () => {
  test('evicts the least recently used entry beyond the entry bound', () => {
    const evicted: string[] = [];
    const cache = lru(2, 1e9, evicted);
    cache.set('a', 'A');
    cache.set('b', 'B');
    cache.get('a');
    cache.set('c', 'C');
    expect(evicted).toEqual(['b']);
    expect([...cache.keys()]).toEqual(['a', 'c']);
  });

  test('evicts by bytes as well as by count', () => {
    const cache = lru(100, 10);
    cache.set('a', 'xxxxxx');
    cache.set('b', 'yyyyyy');
    expect(cache.size).toBe(1);
    expect(cache.byteSize).toBe(6);
    expect(cache.peek('b')).toBe('yyyyyy');
  });

  test('skips values larger than the whole byte budget', () => {
    const cache = lru(10, 4);
    cache.set('big', 'xxxxxxxx');
    expect(cache.size).toBe(0);
  });

  test('replacing a key keeps the byte count right', () => {
    const cache = lru(10);
    cache.set('a', 'xx');
    cache.set('a', 'xxxx');
    expect(cache.byteSize).toBe(4);
    cache.delete('a');
    expect(cache.byteSize).toBe(0);
  });

  test('shrinks at once when resized', () => {
    const cache = lru(5);
    for (const k of ['a', 'b', 'c', 'd']) cache.set(k, k);
    cache.resize(2);
    expect([...cache.keys()]).toEqual(['c', 'd']);
  });

  test('a zero-sized cache stores nothing', () => {
    const cache = lru(0);
    cache.set('a', 'A');
    expect(cache.get('a')).toBeUndefined();
  });
});
