/**
 * Conversions between upstream answers and cached answers: what may be stored, and how a stored answer is
 * replayed as a completion or as a stream that is indistinguishable in shape from a live one.
 */
import type { CachedAnswer } from '../cache/cache-entry';
import type { ChatCompletion, StreamPart, Usage } from '../llm/llm-provider';

/** A single-choice text answer in replayable form, whatever its finish reason (for followers of a flight). */
export function replayableFromCompletion(completion: ChatCompletion): CachedAnswer | undefined {
  if (completion.choices.length !== 1) return undefined;
  const choice = completion.choices[0]!;
  const content = choice.message.content;
  if (typeof content !== 'string' || (choice.message.tool_calls?.length ?? 0) > 0) return undefined;
  return answerOf(content, choice.finish_reason ?? 'stop', completion.usage);
}

/** Only complete (`stop`), non-empty, single-choice, plain-text answers are stored. */
export function storableFromCompletion(completion: ChatCompletion): CachedAnswer | undefined {
  const answer = replayableFromCompletion(completion);
  return answer && answer.finishReason === 'stop' && answer.content.trim() !== '' ? answer : undefined;
}

export function answerOf(content: string, finishReason: string, usage: Usage | undefined): CachedAnswer {
  return { content, finishReason, promptTokens: usage?.prompt_tokens ?? 0, completionTokens: usage?.completion_tokens ?? 0 };
}

export function usageOf(answer: CachedAnswer): Usage {
  return { prompt_tokens: answer.promptTokens, completion_tokens: answer.completionTokens, total_tokens: answer.promptTokens + answer.completionTokens };
}

export function completionFromAnswer(answer: CachedAnswer, model: string, requestId: string): ChatCompletion {
  return {
    id: `chatcmpl-${requestId}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, message: { role: 'assistant', content: answer.content }, finish_reason: answer.finishReason, logprobs: null }],
    usage: usageOf(answer),
  };
}

/** Replays an answer as stream parts, a few words a chunk (clients render it like a live stream). */
export async function* replayParts(answer: CachedAnswer, model: string, wordsPerChunk = 4): AsyncGenerator<StreamPart> {
  const words = answer.content.match(/\S+\s*|\s+/g) ?? [];
  const leading = answer.content.match(/^\s*/)?.[0] ?? '';
  for (let i = 0; i < words.length; i += wordsPerChunk) {
    const text = (i === 0 && !words[0]!.startsWith(leading) ? leading : '') + words.slice(i, i + wordsPerChunk).join('');
    yield { type: 'delta', index: 0, delta: { content: text } };
  }
  yield { type: 'finish', finishReasons: { 0: answer.finishReason }, usage: usageOf(answer), model };
}
