/**
 * Worker entry: owns one real Embedder and runs its inference off the main thread, so the main event loop keeps
 * serving sockets and `/api/health/ping` while a batch is being embedded.
 *
 * Requests run one at a time in arrival order: inference is CPU-bound, so overlapping calls would only contend
 * for the same pinned threads, and a queue lets a request whose caller has timed out be skipped before it starts.
 */
import type { Embedder } from './embedder.ts';
import { toEmbedderError } from './embedder-error.ts';
import { loadEmbedder } from './load-embedder.ts';
import type { FromWorker, ToWorker } from './worker-protocol.ts';

declare const self: Worker;

let embedder: Embedder | undefined;
const queue: { id: number; texts: string[]; expiresAt: number }[] = [];
let draining = false;

const send = (message: FromWorker, transfer: Transferable[] = []) => self.postMessage(message, transfer);

self.onmessage = (event: MessageEvent<ToWorker>) => {
  const message = event.data;
  switch (message.type) {
    case 'init':
      void init(message.spec);
      break;
    case 'embed':
      queue.push({ id: message.id, texts: message.texts, expiresAt: message.expiresAt });
      void drain();
      break;
    case 'close':
      void close();
      break;
  }
};

async function init(spec: Extract<ToWorker, { type: 'init' }>['spec']): Promise<void> {
  try {
    embedder = await loadEmbedder(spec, (event, fields) => send({ type: 'notice', event, fields }));
    const { modelId, dimensions, maxBatchSize, runtime } = embedder;
    send({ type: 'ready', modelId, dimensions, maxBatchSize, runtime });
  } catch (error) {
    const { code, message } = toEmbedderError(error);
    send({ type: 'init-error', code, message });
  }
}

async function drain(): Promise<void> {
  if (draining) return;
  draining = true;
  try {
    for (let item = queue.shift(); item; item = queue.shift()) {
      if (Date.now() >= item.expiresAt) continue; // the caller already got a timeout
      try {
        if (!embedder) throw new Error('embedder is not initialised');
        const vectors = await embedder.embed(item.texts);
        const dimensions = embedder.dimensions;
        const data = new Float32Array(vectors.length * dimensions);
        vectors.forEach((vector, i) => data.set(vector, i * dimensions));
        send({ type: 'result', id: item.id, count: vectors.length, dimensions, data }, [data.buffer]);
      } catch (error) {
        const { code, message } = toEmbedderError(error);
        send({ type: 'error', id: item.id, code, message });
      }
    }
  } finally {
    draining = false;
  }
}

async function close(): Promise<void> {
  queue.length = 0;
  try {
    await embedder?.close();
  } finally {
    send({ type: 'closed' });
  }
}
