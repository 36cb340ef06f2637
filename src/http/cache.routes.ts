/**
 * Cache administration for the caller's own tenant: flush (optionally one namespace), remove one entry, and
 * report a wrong hit. Every change reaches all instances through the cache's bus events.
 */
import { Elysia } from 'elysia';
import { z } from 'zod';
import { validate } from '../chat/chat.model';
import { AppError } from '../errors';
import { readJsonBody } from './body';
import { admit, type HttpDeps } from './http-deps';

const feedbackSchema = z.strictObject({
  entryId: z.string().uuid('must be an entry id from an x-cache-entry header'),
  correct: z.boolean(),
});
const ENTRY_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NAMESPACE = /^[\w.-]{1,64}$/;

export function cacheRoutes(deps: HttpDeps) {
  const cacheOf = () => {
    if (!deps.cache) throw new AppError('not_found', 'The semantic cache is switched off on this gateway.');
    return deps.cache;
  };

  return new Elysia({ prefix: '/api/v1/cache' })
    .delete('/', async ({ request, query, server }) => {
      const { tenant } = (await admit(deps, request, 'api', server?.requestIP(request)?.address)).principal;
      const namespace = typeof query.namespace === 'string' ? query.namespace : undefined;
      if (namespace !== undefined && !NAMESPACE.test(namespace)) {
        throw new AppError('invalid_request', 'The namespace must be 1-64 letters, digits, dots, dashes or underscores.', { param: 'namespace' });
      }
      const removed = await cacheOf().flush(tenant, namespace);
      return { flushed: true, removed, tenant, ...(namespace ? { namespace } : {}) };
    })
    .delete('/entries/:id', async ({ request, params, server }) => {
      const { tenant } = (await admit(deps, request, 'api', server?.requestIP(request)?.address)).principal;
      if (!ENTRY_ID.test(params.id)) throw new AppError('invalid_request', 'An entry id is a UUID from an x-cache-entry header.', { param: 'id' });
      const removed = await cacheOf().remove(tenant, [params.id], 'deleted');
      if (removed.length === 0) throw new AppError('not_found', `No cache entry '${params.id}' exists for this API key.`);
      return { removed: params.id };
    })
    .post(
      '/feedback',
      async ({ request, server }) => {
        const { tenant } = (await admit(deps, request, 'api', server?.requestIP(request)?.address)).principal;
        const body = validate(feedbackSchema, await readJsonBody(request, { maxBytes: 16 * 1024 }));
        if (body.correct) return { accepted: true, evicted: false };
        const evicted = await cacheOf().reportWrongHit(tenant, body.entryId);
        if (!evicted) throw new AppError('not_found', `No cache entry '${body.entryId}' exists for this API key.`);
        return { accepted: true, evicted: true };
      },
      { parse: 'none' },
    );
}
