/**
 * Turns the SSE events of an OpenAI `chat.completion.chunk` stream into provider `StreamPart`s.
 *
 * The stream counts as finished only when `[DONE]` arrived AND at least one choice carried a `finish_reason`;
 * anything short of that (a body that just ends, a cut, a JSON error object) becomes an `error` part, so a
 * truncated answer is never presented, or cached, as complete. Usage may come in a final chunk with an empty
 * `choices` array (`stream_options.include_usage`), or on the last content chunk with some providers.
 */
import type { AppError } from '../errors';
import type { ChoiceDelta, FinishReason, StreamPart, Usage } from './llm-provider';
import type { SseEvent } from './sse-parser';
import { inStreamError, malformedError } from './upstream-errors';

export interface ChatStreamDecoder {
  /** Parts for one event. An `error` part is terminal: stop reading after it. */
  accept(event: SseEvent): StreamPart[];
  /** True once `[DONE]` arrived. */
  readonly done: boolean;
  /** The terminal part for a body that has ended (call after the last `accept`). */
  end(): StreamPart;
}

export function createChatStreamDecoder(options: { model: string }): ChatStreamDecoder {
  let done = false;
  let model = options.model;
  let usage: Usage | undefined;
  const finishReasons: Record<number, FinishReason> = {};

  const fail = (error: AppError): StreamPart[] => [{ type: 'error', error }];

  function accept(event: SseEvent): StreamPart[] {
    if (done) return [];
    const data = event.data.trim();
    if (data === '[DONE]') {
      done = true;
      return [];
    }
    if (data === '') return [];
    let chunk: unknown;
    try {
      chunk = JSON.parse(data);
    } catch {
      return fail(malformedError('a stream chunk that is not valid JSON'));
    }
    if (typeof chunk !== 'object' || chunk === null || Array.isArray(chunk)) return fail(malformedError('a stream chunk that is not an object'));
    const body = chunk as { error?: unknown; model?: unknown; usage?: unknown; choices?: unknown };
    if ((body.error !== undefined && body.error !== null) || event.event === 'error') return fail(inStreamError(body.error));
    if (typeof body.model === 'string' && body.model !== '') model = body.model;
    if (isUsage(body.usage)) usage = body.usage;
    if (body.choices === undefined || body.choices === null) return [];
    if (!Array.isArray(body.choices)) return fail(malformedError('a stream chunk whose choices are not a list'));
    const parts: StreamPart[] = [];
    for (const choice of body.choices as unknown[]) {
      if (typeof choice !== 'object' || choice === null) return fail(malformedError('a malformed stream choice'));
      const { index, delta, finish_reason } = choice as { index?: unknown; delta?: unknown; finish_reason?: unknown };
      const at = typeof index === 'number' && Number.isInteger(index) && index >= 0 ? index : 0;
      const cleaned = meaningfulDelta(delta);
      if (cleaned !== undefined) parts.push({ type: 'delta', index: at, delta: cleaned });
      if (typeof finish_reason === 'string' && finish_reason !== '') finishReasons[at] = finish_reason;
    }
    return parts;
  }

  function end(): StreamPart {
    if (!done) return { type: 'error', error: malformedError('a stream that ended before it was complete') };
    if (Object.keys(finishReasons).length === 0) return { type: 'error', error: malformedError('a stream without a finish reason') };
    return usage === undefined ? { type: 'finish', finishReasons, model } : { type: 'finish', finishReasons, usage, model };
  }

  return {
    accept,
    get done() {
      return done;
    },
    end,
  };
}

/**
 * Drops null fields and an empty `content`, and returns undefined when nothing remains: the closing chunk's
 * `delta: {}` and `content: null` carry no information. Unknown fields (DeepSeek's `reasoning_content`) pass.
 */
function meaningfulDelta(delta: unknown): ChoiceDelta | undefined {
  if (typeof delta !== 'object' || delta === null) return undefined;
  const out: ChoiceDelta = {};
  let keep = false;
  for (const [key, value] of Object.entries(delta)) {
    if (value === null || value === undefined) continue;
    out[key] = value;
    if (key === 'content' && value === '') continue;
    if (key === 'tool_calls' && Array.isArray(value) && value.length === 0) continue;
    keep = true;
  }
  return keep ? out : undefined;
}

function isUsage(value: unknown): value is Usage {
  return typeof value === 'object' && value !== null && typeof (value as Usage).prompt_tokens === 'number' && typeof (value as Usage).completion_tokens === 'number';
}
