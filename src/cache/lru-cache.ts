/**
 * A bounded LRU map, bounded both in entries and in approximate bytes (a few huge answers must not push the
 * process out of memory). Map iteration order is insertion order, so re-inserting on access makes the first
 * key the least recently used: O(1) get/set/evict without a linked list.
 */
export interface LruOptions<V> {
  maxEntries: number;
  maxBytes: number;
  sizeOf: (value: V) => number;
  onEvict?: (key: string, value: V) => void;
}

export class LruCache<V> {
  private readonly map = new Map<string, { value: V; bytes: number }>();
  private bytes = 0;
  private maxEntries: number;
  private readonly maxBytes: number;

  constructor(private readonly options: LruOptions<V>) {
    this.maxEntries = options.maxEntries;
    this.maxBytes = options.maxBytes;
  }

  get size(): number {
    return this.map.size;
  }

  get byteSize(): number {
    return this.bytes;
  }

  get capacity(): number {
    return this.maxEntries;
  }

  get(key: string): V | undefined {
    const slot = this.map.get(key);
    if (!slot) return undefined;
    this.map.delete(key);
    this.map.set(key, slot);
    return slot.value;
  }

  /** Reads without refreshing recency. */
  peek(key: string): V | undefined {
    return this.map.get(key)?.value;
  }

  set(key: string, value: V): void {
    if (this.maxEntries <= 0) return;
    const bytes = this.options.sizeOf(value);
    if (bytes > this.maxBytes) return; // one value larger than the whole budget is not worth caching
    this.delete(key);
    this.map.set(key, { value, bytes });
    this.bytes += bytes;
    this.evict();
  }

  delete(key: string): boolean {
    const slot = this.map.get(key);
    if (!slot) return false;
    this.map.delete(key);
    this.bytes -= slot.bytes;
    return true;
  }

  clear(): void {
    this.map.clear();
    this.bytes = 0;
  }

  /** Changes the entry bound at run time (self-tuning); shrinking evicts at once. */
  resize(maxEntries: number): void {
    this.maxEntries = Math.max(0, Math.floor(maxEntries));
    this.evict();
  }

  keys(): IterableIterator<string> {
    return this.map.keys();
  }

  private evict(): void {
    while (this.map.size > this.maxEntries || this.bytes > this.maxBytes) {
      const oldest = this.map.keys().next();
      if (oldest.done) return;
      const slot = this.map.get(oldest.value)!;
      this.map.delete(oldest.value);
      this.bytes -= slot.bytes;
      this.options.onEvict?.(oldest.value, slot.value);
    }
  }
}
