/**
 * Encodes a provider stream as OpenAI's server-sent events: a role chunk per choice, content chunks, a final
 * chunk per choice carrying `finish_reason`, an optional usage chunk (`stream_options.include_usage`), then
 * `data: [DONE]`. An error part becomes a `data: {"error": ...}` event and the stream closes WITHOUT [DONE],
 * which the official clients raise as an error instead of treating the answer as complete.
 */
import type { AppError } from '../errors';
import type { StreamPart, Usage } from '../llm/llm-provider';

export interface SseMeta {
  id: string;
  model: string;
  created: number;
  includeUsage: boolean;
}

const encoder = new TextEncoder();
const event = (data: unknown) => encoder.encode(`data: ${JSON.stringify(data)}\n\n`);
const DONE = encoder.encode('data: [DONE]\n\n');

export interface SseHooks {
  /** Called once when the stream ends, however it ends. */
  onEnd?: (outcome: { status: 'finished'; usage?: Usage } | { status: 'error'; error: AppError } | { status: 'cancelled' }) => void;
}

export function sseStream(parts: AsyncIterable<StreamPart>, meta: SseMeta, abort: () => void, hooks: SseHooks = {}): ReadableStream<Uint8Array> {
  const chunk = (choices: unknown[], usage?: Usage | null) => ({
    id: meta.id,
    object: 'chat.completion.chunk',
    created: meta.created,
    model: meta.model,
    choices,
    ...(meta.includeUsage ? { usage: usage ?? null } : {}),
  });
  const iterator = parts[Symbol.asyncIterator]();
  const rolesSent = new Set<number>();
  let ended = false;
  const end = (outcome: Parameters<NonNullable<SseHooks['onEnd']>>[0]) => {
    if (ended) return;
    ended = true;
    hooks.onEnd?.(outcome);
  };

  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await iterator.next().catch((error: unknown) => ({ done: false as const, value: { type: 'error' as const, error: error as AppError } }));
      if (next.done) {
        // A provider stream must end with a terminal part; ending without one is reported, never finished.
        controller.enqueue(event({ error: { message: 'The upstream stream ended unexpectedly.', type: 'api_error', code: 'upstream_error' } }));
        controller.close();
        end({ status: 'error', error: { code: 'upstream_error', message: 'stream ended without a terminal part' } as AppError });
        return;
      }
      const part = next.value;
      if (part.type === 'delta') {
        const delta = rolesSent.has(part.index) ? part.delta : { role: 'assistant', ...part.delta };
        rolesSent.add(part.index);
        controller.enqueue(event(chunk([{ index: part.index, delta, logprobs: null, finish_reason: null }])));
        return;
      }
      if (part.type === 'finish') {
        const indexes = Object.keys(part.finishReasons).map(Number);
        for (const index of indexes.length > 0 ? indexes : [0]) {
          controller.enqueue(event(chunk([{ index, delta: {}, logprobs: null, finish_reason: part.finishReasons[index] ?? 'stop' }])));
        }
        if (meta.includeUsage) controller.enqueue(event(chunk([], part.usage ?? null)));
        controller.enqueue(DONE);
        controller.close();
        end({ status: 'finished', usage: part.usage });
        return;
      }
      controller.enqueue(event({ error: { message: part.error.message, type: part.error.type, param: null, code: part.error.code } }));
      controller.close();
      end({ status: 'error', error: part.error });
    },
    cancel() {
      // The client went away: stop the upstream call and release its slot.
      abort();
      void iterator.return?.();
      end({ status: 'cancelled' });
    },
  });
}

export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
  // Tell nginx-style proxies not to buffer the stream.
  'x-accel-buffering': 'no',
} as const;
