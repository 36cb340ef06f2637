/** Response headers every chat route sends: cache outcome, request id and a server-timing breakdown. */
import type { TurnMeta } from '../chat/chat.service';

type HeaderMeta = Pick<TurnMeta, 'requestId' | 'cache' | 'similarity' | 'entryId'> & { timings?: TurnMeta['timings'] };

export function turnHeaders(meta: HeaderMeta, startedAt: number, extra: Record<string, string> = {}): Record<string, string> {
  const timing = (name: string, ms: number | undefined) => (ms === undefined ? [] : [`${name};dur=${ms.toFixed(1)}`]);
  const headers: Record<string, string> = {
    'x-request-id': meta.requestId,
    'x-cache': meta.cache,
    'server-timing': [
      ...timing('embed', meta.timings?.embedMs),
      ...timing('search', meta.timings?.searchMs),
      ...timing('upstream', meta.timings?.upstreamMs),
      ...timing('total', performance.now() - startedAt),
    ].join(', '),
    ...extra,
  };
  if (meta.similarity !== undefined) headers['x-cache-similarity'] = meta.similarity.toFixed(4);
  if (meta.entryId !== undefined) headers['x-cache-entry'] = meta.entryId;
  return headers;
}
