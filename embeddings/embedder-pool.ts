/**
 * Embedder over several identical embedders (Workers), each call going to the member with the fewest calls in
 * flight: inference in one Worker uses one core, so a pool of N uses N. Put a MicroBatcher with `maxInFlight` = N
 * in front, so that concurrent requests become up to N batches running at once.
 *
 * Measured with USE lite (tfjs wasm) on the 2-core VM, batches of 16 with the event loop otherwise idle: one Worker
 * 73–75 embeddings/s, two 130/s. A whole gateway there gains nothing (16 concurrent cache-missing requests: 71 req/s
 * with one Worker, 66 with two; the event loop and embedded PGlite need the second core), so a pool should leave one
 * core to the event loop: EMBEDDINGS_WORKERS, default 1, cores − 1 on bigger machines.
 *
 * Every member must be the same model (same `modelId` and `dimensions`): vectors from any of them are compared
 * with each other.
 */
import type { Embedder } from './embedder.ts';
import { EmbedderError } from './embedder-error.ts';

export class EmbedderPool implements Embedder {
  readonly modelId: string;
  readonly dimensions: number;
  readonly maxBatchSize: number;
  readonly runtime?: string;
  private readonly members: readonly Embedder[];
  private readonly inFlight: number[];
  private next = 0;
  private closed = false;

  constructor(members: readonly Embedder[]) {
    const first = members[0];
    if (!first) throw new RangeError('an embedder pool needs at least one member');
    for (const member of members) {
      if (member.modelId !== first.modelId || member.dimensions !== first.dimensions) {
        throw new RangeError(`pool members must be one model: ${first.modelId}/${first.dimensions} vs ${member.modelId}/${member.dimensions}`);
      }
    }
    this.members = members;
    this.inFlight = members.map(() => 0);
    this.modelId = first.modelId;
    this.dimensions = first.dimensions;
    this.maxBatchSize = first.maxBatchSize;
    this.runtime = first.runtime;
  }

  get size(): number {
    return this.members.length;
  }

  async embed(texts: string[]): Promise<Float32Array[]> {
    if (this.closed) throw new EmbedderError('closed', 'embedder is closed');
    if (texts.length === 0) return [];
    const index = this.pick();
    this.inFlight[index]!++;
    try {
      return await this.members[index]!.embed(texts);
    } finally {
      this.inFlight[index]!--;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.members.map((member) => member.close()));
  }

  /** The least busy member; among equals, the next in turn (so idle members share the work). */
  private pick(): number {
    let best = -1;
    for (let k = 0; k < this.members.length; k++) {
      const i = (this.next + k) % this.members.length;
      if (best === -1 || this.inFlight[i]! < this.inFlight[best]!) best = i;
    }
    this.next = (best + 1) % this.members.length;
    return best;
  }
}
