/**
 * The in-process semantic index: one vector index per partition, plus a catalog of every live entry this
 * instance knows (id → partition, exact key, tenant, namespace, expiry). Partitions are hard filters applied
 * before the search: a query only ever meets vectors of its own tenant, namespace, model, parameters, context
 * and embedder. Everything here is a rebuildable copy of L3.
 */
import type { VectorIndex } from '../../embeddings/vector-index';
import type { CacheEntry } from './cache-entry';

/** The part of the embeddings/ VectorIndex port this module uses. */
export type PartitionIndex = Pick<VectorIndex, 'size' | 'upsert' | 'remove' | 'search'>;

export interface CatalogItem {
  id: string;
  tenant: string;
  namespace: string;
  exactKey: string;
  partition?: string;
  expiresAt: number;
}

export interface SemanticIndexOptions {
  createIndex: (dimensions: number) => PartitionIndex;
}

export class SemanticIndex {
  private readonly partitions = new Map<string, PartitionIndex>();
  private readonly catalog = new Map<string, CatalogItem>();
  private readonly byExactKey = new Map<string, string>();

  constructor(private readonly options: SemanticIndexOptions) {}

  get entryCount(): number {
    return this.catalog.size;
  }

  get partitionCount(): number {
    return this.partitions.size;
  }

  /** Adds or replaces an entry; its vector is indexed when it has one. */
  add(entry: CacheEntry): void {
    this.remove(entry.id);
    const item: CatalogItem = {
      id: entry.id,
      tenant: entry.tenant,
      namespace: entry.namespace,
      exactKey: entry.exactKey,
      partition: entry.embedding && entry.partition ? entry.partition : undefined,
      expiresAt: entry.expiresAt.getTime(),
    };
    this.catalog.set(entry.id, item);
    this.byExactKey.set(entry.exactKey, entry.id);
    if (item.partition && entry.embedding) {
      let index = this.partitions.get(item.partition);
      if (!index) {
        index = this.options.createIndex(entry.embedding.length);
        this.partitions.set(item.partition, index);
      }
      index.upsert(entry.id, entry.embedding);
    }
  }

  remove(id: string): CatalogItem | undefined {
    const item = this.catalog.get(id);
    if (!item) return undefined;
    this.catalog.delete(id);
    if (this.byExactKey.get(item.exactKey) === id) this.byExactKey.delete(item.exactKey);
    if (item.partition) {
      const index = this.partitions.get(item.partition);
      index?.remove(id);
      if (index && index.size === 0) this.partitions.delete(item.partition);
    }
    return item;
  }

  get(id: string): CatalogItem | undefined {
    return this.catalog.get(id);
  }

  idForExactKey(exactKey: string): string | undefined {
    return this.byExactKey.get(exactKey);
  }

  /** Best candidates first, each at least `minScore`, from the query's own partition only. */
  search(partition: string, query: Float32Array, k: number, minScore: number): Array<{ id: string; score: number }> {
    return this.partitions.get(partition)?.search(query, k, minScore) ?? [];
  }

  /** The tenant's entries (optionally one namespace), for flushes. */
  idsOf(tenant: string, namespace?: string): string[] {
    const ids: string[] = [];
    for (const item of this.catalog.values()) {
      if (item.tenant === tenant && (namespace === undefined || item.namespace === namespace)) ids.push(item.id);
    }
    return ids;
  }

  /** Drops expired entries; returns their ids. */
  sweep(now: number): string[] {
    const expired: string[] = [];
    for (const item of this.catalog.values()) if (item.expiresAt <= now) expired.push(item.id);
    for (const id of expired) this.remove(id);
    return expired;
  }

  clear(): void {
    this.partitions.clear();
    this.catalog.clear();
    this.byExactKey.clear();
  }
}
