/** Response headers every chat route sends: cache outcome, request id and a server-timing breakdown. */
import type { TurnMeta } from '../chat/chat.service';

export function turnHeaders(meta: Omit<TurnMeta, 'model'>, startedAt: number, extra: Record<string, string> = {}): Record<string, string> {
  const headers: Record<string, string> = {
    'x-request-id': meta.requestId,
    'x-cache': meta.cache,
    'server-timing': `total;dur=${(performance.now() - startedAt).toFixed(1)}`,
    ...extra,
  };
  if (meta.similarity !== undefined) headers['x-cache-similarity'] = meta.similarity.toFixed(4);
  if (meta.entryId !== undefined) headers['x-cache-entry'] = meta.entryId;
  return headers;
}
