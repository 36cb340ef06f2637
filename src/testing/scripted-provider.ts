/**
 * A test double for the LlmProvider port: answers from a script, records every request, and can fail on
 * demand (before the first token or mid-stream). Used where a test needs to see exactly what reached the
 * provider; tests of the real HTTP adapter use the mock upstream server instead.
 */
import { AppError } from '../errors';
import type { ChatCompletion, CompletionRequest, LlmProvider, ProviderHealth, StreamPart } from '../llm/llm-provider';

export type Script =
  | { kind: 'answer'; text: string; finishReason?: string }
  | { kind: 'fail'; error: AppError }
  | { kind: 'cut'; afterWords: number; error?: AppError };

export interface ScriptedProvider extends LlmProvider {
  readonly requests: CompletionRequest[];
  /** Queues behaviours for the next calls; when empty, calls answer `defaultAnswer(request)`. */
  push(...scripts: Script[]): void;
}

const words = (text: string) => text.match(/\S+\s*/g) ?? [];

export function createScriptedProvider(defaultAnswer: (request: CompletionRequest) => string = (r) => `answer to ${JSON.stringify(r.messages.at(-1)?.content)}`): ScriptedProvider {
  const requests: CompletionRequest[] = [];
  const queue: Script[] = [];
  const next = (request: CompletionRequest): Script => queue.shift() ?? { kind: 'answer', text: defaultAnswer(request) };
  const usageOf = (request: CompletionRequest, text: string) => {
    const prompt = request.messages.reduce((n, m) => n + words(typeof m.content === 'string' ? m.content : JSON.stringify(m.content ?? '')).length, 0);
    const completion = words(text).length;
    return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
  };

  return {
    name: 'scripted',
    requests,
    push: (...scripts) => void queue.push(...scripts),
    async complete(request) {
      requests.push(request);
      const script = next(request);
      if (script.kind === 'fail') throw script.error;
      if (script.kind === 'cut') throw script.error ?? new AppError('upstream_error', 'The upstream connection was cut.');
      const completion: ChatCompletion = {
        id: `chatcmpl-scripted-${requests.length}`,
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: request.model,
        choices: [{ index: 0, message: { role: 'assistant', content: script.text }, finish_reason: script.finishReason ?? 'stop' }],
        usage: usageOf(request, script.text),
      };
      return completion;
    },
    async *stream(request): AsyncGenerator<StreamPart> {
      requests.push(request);
      const script = next(request);
      if (script.kind === 'fail') {
        yield { type: 'error', error: script.error };
        return;
      }
      const text = script.kind === 'answer' ? script.text : defaultAnswer(request);
      const parts = words(text);
      for (const [i, word] of parts.entries()) {
        if (script.kind === 'cut' && i >= script.afterWords) {
          yield { type: 'error', error: script.error ?? new AppError('upstream_error', 'The upstream connection was cut mid-stream.') };
          return;
        }
        if (request.signal?.aborted) return;
        yield { type: 'delta', index: 0, delta: { content: word } };
        await Promise.resolve();
      }
      yield { type: 'finish', finishReasons: { 0: script.kind === 'answer' ? (script.finishReason ?? 'stop') : 'stop' }, usage: usageOf(request, text), model: request.model };
    },
    health: (): ProviderHealth => ({ name: 'scripted', breaker: 'closed', inFlight: 0, queued: 0, maxConnections: 1 }),
    async close() {},
  };
}
