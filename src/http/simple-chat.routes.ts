/** `POST /api/v1/chat`: one message in, one reply out, with the conversation stored under `sessionId`. */
import { Elysia } from 'elysia';
import { simpleChatRequestSchema, validate } from '../chat/chat.model';
import { readJsonBody } from './body';
import { cacheControlsOf } from './cache-controls';
import { admit, refuseWhileDraining, type HttpDeps } from './http-deps';
import { requestContext } from './request-context';
import { turnHeaders } from './turn-headers';

export function simpleChatRoutes(deps: HttpDeps) {
  return new Elysia({ prefix: '/api/v1' }).post(
    '/chat',
    async ({ request, server }) => {
      const context = requestContext(request);
      const { principal, headers: limitHeaders } = await admit(deps, request, 'chat', server?.requestIP(request)?.address);
      refuseWhileDraining(deps);
      const body = validate(simpleChatRequestSchema, await readJsonBody(request, { maxBytes: deps.maxBodyBytes }));
      const controls = cacheControlsOf(request.headers, deps.thresholdBounds);
      const end = deps.lifecycle.begin();
      try {
        const result = await deps.chat.simpleChat({
          tenant: principal.tenant,
          requestId: context.requestId,
          message: body.message,
          sessionId: body.sessionId,
          model: body.model,
          signal: request.signal,
          cache: controls,
        });
        const { usage: _usage, entryId: _entry, ...reply } = result;
        return new Response(JSON.stringify(reply), {
          headers: { 'content-type': 'application/json', ...limitHeaders, ...turnHeaders({ requestId: context.requestId, ...result }, context.startedAt) },
        });
      } finally {
        end();
      }
    },
    { parse: 'none' },
  );
}
