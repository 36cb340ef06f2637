/**
 * OpenAI wire formats as the mock upstream sends them, byte-compatible with api.openai.com so that the official
 * client and our adapter parse them unchanged:
 * - JSON: a `chat.completion` with `usage`.
 * - SSE: a role chunk (`delta: {role, content: ""}`), one chunk per content piece, a closing chunk with an
 *   empty delta and `finish_reason`, a usage chunk with `choices: []` when `stream_options.include_usage`
 *   (every earlier chunk then carries `usage: null`), then `data: [DONE]`.
 */
import { randomUUID } from 'node:crypto';
import type { MockPlan } from './mock-answer';

const encoder = new TextEncoder();
/** See the cut in `sseBody`. */
const CUT_FLUSH_MS = 20;

export function completionJson(plan: MockPlan, model: string) {
  return {
    id: `chatcmpl-${randomUUID()}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, message: { role: 'assistant', content: plan.text, refusal: null }, logprobs: null, finish_reason: plan.finishReason }],
    usage: plan.usage,
    system_fingerprint: 'fp_mock',
  };
}

export function errorJson(status: number) {
  const [type, code] =
    status === 401 ? ['invalid_request_error', 'invalid_api_key']
    : status === 429 ? ['requests', 'rate_limit_exceeded']
    : status >= 500 ? ['server_error', 'server_error']
    : ['invalid_request_error', 'invalid_request'];
  // The message deliberately contains text that must never reach a gateway client or log (tests check this).
  return { error: { message: `Mock upstream fault (HTTP ${status}); upstream-private-detail`, type, param: null, code } };
}

export interface SseBodyOptions {
  plan: MockPlan;
  model: string;
  includeUsage: boolean;
  /** Pause between content chunks. */
  tokenDelayMs: number;
  /** Destroy the connection after this many content chunks. */
  cutAfterTokens?: number;
  signal: AbortSignal;
}

/** The SSE body of a streamed completion, paced by `tokenDelayMs` and pulled as the client reads. */
export function sseBody(options: SseBodyOptions): ReadableStream<Uint8Array> {
  const { plan, model, includeUsage, tokenDelayMs, cutAfterTokens } = options;
  const id = `chatcmpl-${randomUUID()}`;
  const created = Math.floor(Date.now() / 1000);
  const chunk = (choices: unknown[], usage: unknown = null) =>
    encoder.encode(
      `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, system_fingerprint: 'fp_mock', choices, ...(includeUsage ? { usage } : {}) })}\n\n`,
    );
  const choice = (delta: object, finishReason: string | null = null) => ({ index: 0, delta, logprobs: null, finish_reason: finishReason });

  let sent = 0;
  let stage: 'role' | 'content' | 'tail' = 'role';
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (stage === 'role') {
        stage = 'content';
        controller.enqueue(chunk([choice({ role: 'assistant', content: '', refusal: null })]));
        return;
      }
      if (stage === 'content') {
        if (cutAfterTokens !== undefined && sent >= cutAfterTokens) {
          // Erroring the body makes Bun reset the connection mid-response: the client sees a cut, not an end.
          // The pause first lets what was already enqueued reach the socket; otherwise Bun may reset before
          // even the headers are out, and the "cut" would look like a connection failure instead.
          await Bun.sleep(CUT_FLUSH_MS);
          controller.error(undefined);
          return;
        }
        if (sent < plan.chunks.length) {
          if (sent > 0 && tokenDelayMs > 0) await Bun.sleep(tokenDelayMs);
          if (options.signal.aborted) return controller.close();
          controller.enqueue(chunk([choice({ content: plan.chunks[sent] })]));
          sent++;
          return;
        }
        stage = 'tail';
      }
      controller.enqueue(chunk([choice({}, plan.finishReason)]));
      if (includeUsage) controller.enqueue(chunk([], plan.usage));
      controller.enqueue(encoder.encode('data: [DONE]\n\n'));
      controller.close();
    },
  });
}

/** A JSON completion body that stops after `cutAfterTokens` pieces of content and then resets the connection. */
export function cutJsonBody(plan: MockPlan, model: string, cutAfterTokens: number): ReadableStream<Uint8Array> {
  const full = JSON.stringify(completionJson(plan, model));
  const partial = full.slice(0, full.indexOf('"content":"') + 11) + plan.chunks.slice(0, cutAfterTokens).join('');
  let started = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!started) {
        started = true;
        controller.enqueue(encoder.encode(partial));
        return;
      }
      await Bun.sleep(CUT_FLUSH_MS);
      controller.error(undefined);
    },
  });
}
