/**
 * The cache key policy: what makes two requests deserve the same answer.
 *
 * - Exact key: sha256 of canonical JSON (sorted keys) of tenant, namespace, model, every message and every
 *   output-affecting parameter, with the upstream's defaults filled in (an absent `temperature` and an explicit
 *   `temperature: 1` are the same request). Only fields that cannot change the answer are left out.
 * - Semantic match: only on the last user message, and only inside a hard partition of tenant + namespace +
 *   model + parameters + system prompt and earlier turns + embedder. Context is a filter applied before the
 *   search, never text mixed into the embedding, so "and in Berlin?" after two different questions never meets.
 * - Bypass: requests whose answer cannot be replayed faithfully (several choices, log probabilities) are
 *   neither looked up nor stored.
 */
import { createHash } from 'node:crypto';
import type { ChatMessage } from '../llm/llm-provider';

/** Fields that cannot change the answer (transport and bookkeeping). Everything else is part of the key. */
const NON_AFFECTING = new Set(['stream', 'stream_options', 'user', 'metadata', 'store', 'service_tier', 'prompt_cache_key', 'safety_identifier']);

/** OpenAI/DeepSeek defaults: a parameter at its default is the same request as one without it. */
const DEFAULTS: Record<string, unknown> = {
  temperature: 1,
  top_p: 1,
  n: 1,
  presence_penalty: 0,
  frequency_penalty: 0,
  logprobs: false,
};

export type CacheKeyResult =
  | {
      cacheable: true;
      exactKey: string;
      /** Undefined when the request can only be matched exactly (no plain-text last user message). */
      semantic?: { partition: string; text: string };
      tenant: string;
      namespace: string;
      model: string;
    }
  | { cacheable: false; reason: string };

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** The output-affecting parameters with defaults applied and nulls dropped. */
export function affectingParams(params: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...DEFAULTS };
  for (const [key, value] of Object.entries(params)) {
    if (NON_AFFECTING.has(key)) continue;
    if (value === null || value === undefined) continue;
    out[key] = value;
  }
  return out;
}

/** Plain text of a message, or undefined when it carries anything but text (images, audio, files). */
export function plainText(message: ChatMessage): string | undefined {
  if (typeof message.content === 'string') return message.content;
  if (!Array.isArray(message.content)) return undefined;
  if (!message.content.every((part) => part.type === 'text' && typeof part.text === 'string')) return undefined;
  return message.content.map((part) => part.text).join('\n');
}

export interface CacheKeyInput {
  tenant: string;
  namespace: string;
  model: string;
  messages: readonly ChatMessage[];
  params: Record<string, unknown>;
  /** The embedder's model id: vectors of different models never share a partition. */
  embedderModelId: string;
  /** False only for the plain-cosine baseline: earlier turns then do not separate partitions. */
  partitionByContext?: boolean;
}

export function cacheKey(input: CacheKeyInput): CacheKeyResult {
  const params = affectingParams(input.params);
  if (typeof params.n === 'number' && params.n > 1) return { cacheable: false, reason: 'n>1' };
  if (params.logprobs === true) return { cacheable: false, reason: 'logprobs' };
  const base = { tenant: input.tenant, namespace: input.namespace, model: input.model };
  const exactKey = sha256(canonicalJson({ v: 1, ...base, params, messages: input.messages }));
  const last = input.messages.at(-1);
  const text = last?.role === 'user' ? plainText(last) : undefined;
  if (text === undefined || text.trim() === '') return { cacheable: true, exactKey, ...base };
  const context = input.partitionByContext === false ? [] : input.messages.slice(0, -1);
  const partition = sha256(canonicalJson({ v: 1, ...base, params, context, embedder: input.embedderModelId }));
  return { cacheable: true, exactKey, semantic: { partition, text }, ...base };
}
