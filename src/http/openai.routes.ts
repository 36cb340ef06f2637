/**
 * The OpenAI-compatible surface: `POST /v1/chat/completions` (JSON and SSE) and `GET /v1/models`. The official
 * `openai` client works against it unchanged.
 */
import { Elysia } from 'elysia';
import { chatCompletionRequestSchema, toProviderFields, validate } from '../chat/chat.model';
import type { CompletionResult } from '../chat/chat.service';
import { AppError, type ErrorCode } from '../errors';
import { requestFingerprint, idempotencyRefusal } from '../idempotency/idempotency';
import { IDEMPOTENCY_HEADER, parseIdempotencyKey } from '../idempotency/idempotency-key';
import { readJsonBody } from './body';
import { cacheControlsOf } from './cache-controls';
import { admit, refuseWhileDraining, type HttpDeps } from './http-deps';
import { requestContext } from './request-context';
import { SSE_HEADERS, sseStream } from './sse';
import { turnHeaders } from './turn-headers';

const MODEL_CREATED = Math.floor(Date.parse('2025-01-01T00:00:00Z') / 1000);

export function openAiRoutes(deps: HttpDeps) {
  const modelObject = (id: string) => ({ id, object: 'model', created: MODEL_CREATED, owned_by: 'llm-gateway' });

  return new Elysia({ prefix: '/v1' })
    .get('/models', async ({ request, server, set }) => {
      Object.assign(set.headers, (await admit(deps, request, 'api', server?.requestIP(request)?.address)).headers);
      return { object: 'list', data: deps.chat.models.map(modelObject) };
    })
    .get('/models/:id', async ({ request, params, server, set }) => {
      Object.assign(set.headers, (await admit(deps, request, 'api', server?.requestIP(request)?.address)).headers);
      return modelObject(deps.chat.resolveModel(params.id));
    })
    .post(
      '/chat/completions',
      async ({ request, server }) => {
        const context = requestContext(request);
        const { principal, headers: limitHeaders } = await admit(deps, request, 'chat', server?.requestIP(request)?.address);
        refuseWhileDraining(deps);
        const idempotencyKey = parseIdempotencyKey(request.headers.get(IDEMPOTENCY_HEADER));
        if (idempotencyKey.status === 'INVALID') throw idempotencyKey.error;
        const raw = await readJsonBody(request, { maxBytes: deps.maxBodyBytes });
        const body = validate(chatCompletionRequestSchema, raw);
        const { messages, params, stream, includeUsage } = toProviderFields(body);
        if (idempotencyKey.status === 'VALID' && stream && deps.idempotency) {
          throw new AppError('invalid_request', 'Idempotency-Key is supported only with stream: false.', { param: 'stream' });
        }
        const controls = cacheControlsOf(request.headers, deps.thresholdBounds);
        const abort = new AbortController();
        const onClientGone = () => abort.abort();
        request.signal.addEventListener('abort', onClientGone, { once: true });
        const end = deps.lifecycle.begin();
        const turn = {
          tenant: principal.tenant,
          requestId: context.requestId,
          model: body.model ?? undefined,
          messages,
          params,
          signal: abort.signal,
          route: '/v1/chat/completions',
          cache: controls,
        };
        const finish = (fields: Record<string, unknown>) => {
          end();
          request.signal.removeEventListener('abort', onClientGone);
          context.logged = true;
          deps.logger.info('http.chat', { requestId: context.requestId, tenant: principal.tenant, route: turn.route, stream, ms: Math.round(performance.now() - context.startedAt), ...fields });
        };
        try {
          if (!stream && idempotencyKey.status === 'VALID' && deps.idempotency) {
            // No caller signal on purpose: a dropped connection must not cancel work its retry will replay.
            let meta: CompletionResult | undefined;
            const outcome = await deps.idempotency.run(principal.tenant, idempotencyKey.key, requestFingerprint(raw), async (signal) => {
              meta = await deps.chat.complete({ ...turn, signal });
              const { 'x-request-id': _id, 'server-timing': _timing, ...described } = turnHeaders(meta, context.startedAt);
              return { status: 200, headers: { 'content-type': 'application/json', ...described }, body: JSON.stringify(meta.completion), createdAt: Date.now() };
            });
            if (outcome.status !== 'OK') {
              const refusal = idempotencyRefusal(outcome);
              throw new AppError(refusal.code as ErrorCode, refusal.message, { retryAfterSec: refusal.retryAfterSec });
            }
            finish({ status: outcome.response.status, idempotency: outcome.replayed ? 'replayed' : 'executed', cache: meta?.cache, ...meta?.timings });
            return new Response(outcome.response.body, {
              status: outcome.response.status,
              headers: {
                ...outcome.response.headers,
                ...limitHeaders,
                'x-request-id': context.requestId,
                'idempotent-replayed': String(outcome.replayed),
                'server-timing': `total;dur=${(performance.now() - context.startedAt).toFixed(1)}`,
              },
            });
          }
          if (!stream) {
            const result = await deps.chat.complete(turn);
            finish({ status: 200, cache: result.cache, similarity: result.similarity, model: result.model, usage: result.completion.usage, ...result.timings });
            return new Response(JSON.stringify(result.completion), {
              headers: { 'content-type': 'application/json', ...limitHeaders, ...turnHeaders(result, context.startedAt) },
            });
          }
          const result = await deps.chat.stream(turn);
          const meta = { id: `chatcmpl-${context.requestId}`, model: result.model, created: Math.floor(Date.now() / 1000), includeUsage };
          const body = sseStream(result.parts, meta, () => abort.abort(), {
            onEnd: (outcome) => finish({ status: 200, cache: result.cache, similarity: result.similarity, model: result.model, ...result.timings, outcome: outcome.status, ...(outcome.status === 'error' ? { error: outcome.error.code } : {}) }),
          });
          return new Response(body, { headers: { ...SSE_HEADERS, ...limitHeaders, ...turnHeaders(result, context.startedAt) } });
        } catch (error) {
          finish({ status: error instanceof AppError ? error.status : 500, error: error instanceof AppError ? error.code : 'internal_error' });
          throw error;
        }
      },
      { parse: 'none' },
    );
}
