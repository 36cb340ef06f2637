/**
 * The LLM provider port: one OpenAI-compatible chat completion, whole or streamed.
 *
 * Contract:
 * - `complete` resolves with an OpenAI `chat.completion` object or rejects with an `AppError` whose code is one
 *   of the `upstream_*` codes (or `service_unavailable` when the provider is shutting down). It never resolves
 *   with a partial answer.
 * - `stream` yields zero or more `delta` parts followed by exactly one terminal part: `finish` (the upstream
 *   finished cleanly and sent `[DONE]`) or `error` (anything else, including a connection cut mid-stream).
 *   A stream that ends without a terminal part is a provider bug; consumers treat it as an error.
 *   Failures before the first byte are also delivered as an `error` part, never thrown.
 * - Both honour `signal`: aborting releases the upstream connection and the concurrency slot; an aborted stream
 *   ends with an `error` part whose code is `service_unavailable` only if the provider itself is closing,
 *   otherwise the consumer that aborted is expected to stop reading.
 * - `params` holds every request field other than `model`, `messages` and `stream`/`stream_options`, exactly as
 *   the client sent it; adapters forward it unchanged (unknown fields included).
 */
import type { AppError } from '../errors';

export type Role = 'system' | 'developer' | 'user' | 'assistant' | 'tool' | 'function';

export interface ContentPart {
  type: string;
  text?: string;
  [key: string]: unknown;
}

export interface ChatMessage {
  role: Role;
  content?: string | ContentPart[] | null;
  name?: string;
  tool_calls?: unknown[];
  tool_call_id?: string;
  [key: string]: unknown;
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  [key: string]: unknown;
}

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'function_call' | (string & {});

export interface CompletionRequest {
  model: string;
  messages: ChatMessage[];
  /** Every other client field (temperature, tools, ...), forwarded verbatim. */
  params: Record<string, unknown>;
  /** Id for upstream logs/correlation; adapters may send it as a header. */
  requestId?: string;
  signal?: AbortSignal;
}

export interface ChatCompletionChoice {
  index: number;
  message: { role: 'assistant'; content: string | null; tool_calls?: unknown[]; [key: string]: unknown };
  finish_reason: FinishReason | null;
  logprobs?: unknown;
  [key: string]: unknown;
}

export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: ChatCompletionChoice[];
  usage?: Usage;
  [key: string]: unknown;
}

/** One choice's incremental change, as in an OpenAI `chat.completion.chunk` (`content`, `tool_calls`, `role`). */
export interface ChoiceDelta {
  role?: 'assistant';
  content?: string | null;
  tool_calls?: unknown[];
  [key: string]: unknown;
}

export type StreamPart =
  | { type: 'delta'; index: number; delta: ChoiceDelta }
  | { type: 'finish'; finishReasons: Record<number, FinishReason>; usage?: Usage; model: string }
  | { type: 'error'; error: AppError };

export type BreakerState = 'closed' | 'open' | 'half_open';

export interface ProviderHealth {
  name: string;
  breaker: BreakerState;
  inFlight: number;
  queued: number;
  maxConnections: number;
}

export interface LlmProvider {
  /** Human-readable adapter name for logs and health (`openai-compatible`, `mock`). */
  readonly name: string;
  complete(request: CompletionRequest): Promise<ChatCompletion>;
  stream(request: CompletionRequest): AsyncIterable<StreamPart>;
  health(): ProviderHealth;
  /** Stops accepting work; in-flight calls finish or are aborted by their own signals. */
  close(): Promise<void>;
}
