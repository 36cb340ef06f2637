/**
 * Deterministic answers for the built-in mock LLM and the mock upstream server. The same messages always give
 * the same text, so caches, benches and tests can compare answers exactly; a different last user message gives
 * a different text (it is quoted, and a hash of the whole conversation picks the sentences and a reference).
 * Answers run a few sentences (~40-80 tokens) so a stream has many chunks.
 */
import { createHash } from 'node:crypto';
import type { ChatMessage, FinishReason, Usage } from './llm-provider';

const OPENINGS = [
  'Here is a short answer.',
  'Good question.',
  'Let me summarise the main points.',
  'In brief, it depends on the details.',
  'There are a few things to keep in mind.',
  'The short version is simple.',
];

const MIDDLES = [
  'Start with the simplest approach that works, then measure before optimising anything.',
  'Most of the cost usually sits in one place, so find that first and leave the rest alone.',
  'Small, well-named pieces are easier to test, replace and reason about than one large one.',
  'Caching helps when the same questions repeat, but stale answers need a clear expiry rule.',
  'Latency and throughput trade against each other, so decide which one matters more here.',
  'Failures are normal at scale; retries with backoff and sensible timeouts keep them contained.',
  'Write down the assumptions you make, because they are what changes first.',
  'A clear contract between components matters more than the cleverness of any one of them.',
];

/** The mock's answer to a conversation, as one string. */
export function mockAnswer(messages: readonly ChatMessage[], model: string): string {
  const digest = createHash('sha256').update(JSON.stringify(messages.map((m) => [m.role, messageText(m)]))).digest();
  const pick = <T>(list: readonly T[], byte: number): T => list[digest[byte]! % list.length]!;
  const first = digest[1]! % MIDDLES.length;
  const second = (first + 1 + (digest[2]! % (MIDDLES.length - 1))) % MIDDLES.length;
  const question = lastUserText(messages);
  const topic = question === '' ? 'your message' : `"${truncateWords(question, 8)}"`;
  return [
    pick(OPENINGS, 0),
    `You asked about ${topic}.`,
    MIDDLES[first],
    MIDDLES[second],
    `(mock answer ${digest.subarray(4, 8).toString('hex')} from ${model})`,
  ].join(' ');
}

/** Splits a text into word-sized stream chunks (each keeps its leading space); they concatenate back to it. */
export function mockChunks(text: string): string[] {
  return text.match(/\s*\S+/g) ?? (text === '' ? [] : [text]);
}

/**
 * Token estimate: ~4 characters per token for English ("What are tokens and how to count them?", OpenAI help
 * centre), at least one per word. Good enough for usage accounting in a mock; not a tokenizer.
 */
export function estimateTokens(text: string): number {
  if (text === '') return 0;
  const words = text.match(/\S+/g)?.length ?? 0;
  return Math.max(words, Math.ceil(text.length / 4));
}

/**
 * Prompt tokens: each message costs its content plus 3 tokens of framing, and every reply is primed with 3 more
 * (OpenAI cookbook, "How to count tokens with tiktoken", `num_tokens_from_messages`).
 */
export function estimatePromptTokens(messages: readonly ChatMessage[]): number {
  return messages.reduce((sum, m) => sum + 3 + estimateTokens(messageText(m)) + (m.name ? 1 : 0), 3);
}

export interface MockPlan {
  text: string;
  chunks: string[];
  finishReason: FinishReason;
  usage: Usage;
}

/**
 * What the mock will answer, honouring `max_tokens`/`max_completion_tokens` the way a real model does: the
 * answer is cut at that many chunks and finishes with `length`. `forceFinishReason` lets fault injection do the
 * same without a limit.
 */
export function planMockAnswer(messages: readonly ChatMessage[], model: string, params: Record<string, unknown> = {}, forceFinishReason?: FinishReason): MockPlan {
  const full = mockChunks(mockAnswer(messages, model));
  const limit = [params.max_completion_tokens, params.max_tokens].find((v): v is number => typeof v === 'number' && v >= 1);
  let chunks = full;
  let finishReason: FinishReason = 'stop';
  if (limit !== undefined && limit < full.length) {
    chunks = full.slice(0, Math.floor(limit));
    finishReason = 'length';
  } else if (forceFinishReason !== undefined && forceFinishReason !== 'stop') {
    chunks = full.slice(0, Math.max(1, Math.ceil(full.length / 2)));
    finishReason = forceFinishReason;
  }
  const text = chunks.join('');
  const promptTokens = estimatePromptTokens(messages);
  const completionTokens = estimateTokens(text);
  return { text, chunks, finishReason, usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens } };
}

/** The text of a message: a string content, or its text parts joined. */
export function messageText(message: ChatMessage): string {
  const content = message.content;
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((part) => (typeof part.text === 'string' ? part.text : '')).join('');
}

function lastUserText(messages: readonly ChatMessage[]): string {
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i]!.role === 'user') return messageText(messages[i]!).replace(/\s+/g, ' ').trim();
  }
  return '';
}

/** At most `words` words and 60 characters, so a long question cannot blow up the answer's length. */
function truncateWords(text: string, words: number): string {
  const all = text.split(' ');
  const kept = all.length <= words ? text : all.slice(0, words).join(' ');
  const short = kept.length <= 60 ? kept : kept.slice(0, 60);
  return short === text ? text : `${short}...`;
}
