/**
 * Request shapes of the chat API and their validation. The OpenAI request schema accepts what OpenAI accepts:
 * every message role, string or content-part content, tool calls, and unknown extra fields (kept and forwarded
 * upstream). It rejects what OpenAI rejects, with a message that names the offending field.
 */
import { z } from 'zod';
import { AppError } from '../errors';
import type { ChatMessage } from '../llm/llm-provider';

const contentPart = z.looseObject({ type: z.string().min(1) }).superRefine((part, ctx) => {
  if (part.type === 'text' && typeof part.text !== 'string') ctx.addIssue({ code: 'custom', path: ['text'], message: 'text parts need a string `text`' });
});
const content = z.union([z.string(), z.array(contentPart).min(1, 'must not be an empty array')]);
const toolCall = z.looseObject({
  id: z.string(),
  type: z.string(),
  function: z.looseObject({ name: z.string(), arguments: z.string() }),
});

const message = z.discriminatedUnion('role', [
  z.looseObject({ role: z.literal('system'), content, name: z.string().optional() }),
  z.looseObject({ role: z.literal('developer'), content, name: z.string().optional() }),
  z.looseObject({ role: z.literal('user'), content, name: z.string().optional() }),
  z
    .looseObject({
      role: z.literal('assistant'),
      content: content.nullable().optional(),
      name: z.string().optional(),
      tool_calls: z.array(toolCall).optional(),
    })
    .refine((m) => (m.content !== undefined && m.content !== null) || (m.tool_calls?.length ?? 0) > 0 || m.function_call !== undefined, {
      message: 'assistant messages need `content` or `tool_calls`',
      path: ['content'],
    }),
  z.looseObject({ role: z.literal('tool'), content, tool_call_id: z.string().min(1) }),
  z.looseObject({ role: z.literal('function'), content: z.string().nullable(), name: z.string() }),
]);

const stop = z.union([z.string(), z.array(z.string()).max(4)]).nullable();

export const chatCompletionRequestSchema = z.looseObject({
  model: z.string().min(1).max(256).optional(),
  messages: z.array(message).min(1, 'must contain at least one message'),
  stream: z.boolean().nullable().optional(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullable().optional(),
  temperature: z.number().min(0).max(2).nullable().optional(),
  top_p: z.number().min(0).max(1).nullable().optional(),
  n: z.number().int().min(1).max(128).nullable().optional(),
  max_tokens: z.number().int().min(1).nullable().optional(),
  max_completion_tokens: z.number().int().min(1).nullable().optional(),
  presence_penalty: z.number().min(-2).max(2).nullable().optional(),
  frequency_penalty: z.number().min(-2).max(2).nullable().optional(),
  stop: stop.optional(),
  seed: z.number().int().nullable().optional(),
  logprobs: z.boolean().nullable().optional(),
  top_logprobs: z.number().int().min(0).max(20).nullable().optional(),
  response_format: z.looseObject({ type: z.string().min(1) }).nullable().optional(),
  tools: z.array(z.looseObject({ type: z.string().min(1) })).optional(),
  tool_choice: z.union([z.string(), z.looseObject({ type: z.string() })]).optional(),
  user: z.string().max(512).optional(),
});

export type ChatCompletionRequestBody = z.infer<typeof chatCompletionRequestSchema>;

export const simpleChatRequestSchema = z.strictObject({
  message: z.string().trim().min(1, 'must not be empty').max(100_000),
  sessionId: z.string().uuid('must be a UUID returned by an earlier call').optional(),
  model: z.string().min(1).max(256).optional(),
});

export type SimpleChatRequest = z.infer<typeof simpleChatRequestSchema>;

/** Formats a zod path OpenAI-style: messages[0].content. */
function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, part) => (typeof part === 'number' ? `${out}[${part}]` : out ? `${out}.${String(part)}` : String(part)), '');
}

/** Validates `body` against `schema`; the first problem becomes a 400 naming its field. */
export function validate<T>(schema: z.ZodType<T>, body: unknown): T {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new AppError('invalid_request', 'The request body must be a JSON object.');
  }
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const param = formatPath(issue.path);
  const detail = issue.code === 'invalid_union' && issue.path.at(-1) === 'role' ? 'unknown role' : issue.message;
  throw new AppError('invalid_request', param ? `Invalid value for '${param}': ${detail}.` : `Invalid request: ${detail}.`, { param: param || undefined });
}

/** Splits a validated OpenAI request into the provider's shape: model, messages, and everything else. */
export function toProviderFields(body: ChatCompletionRequestBody): { messages: ChatMessage[]; params: Record<string, unknown>; stream: boolean; includeUsage: boolean } {
  const { model: _model, messages, stream, stream_options, ...params } = body;
  return {
    messages: messages as ChatMessage[],
    params,
    stream: stream === true,
    includeUsage: stream_options?.include_usage === true,
  };
}
