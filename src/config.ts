/**
 * The gateway's configuration: every environment variable in ../shared/CONTRACT.md plus a few operational
 * knobs, parsed once with defaults and coercion, validated together and frozen. This is the only module that
 * reads `process.env`. A bad configuration stops start-up with one message naming every bad variable, never
 * its value (values may be secrets).
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { DEFAULT_PRICES, type ModelPrice, type PriceTable } from './usage/pricing';

const int = (min: number, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max);
const num = (min: number, max: number) => z.coerce.number().min(min).max(max);
const bool = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off'])
  .transform((v) => ['1', 'true', 'yes', 'on'].includes(v));
const url = (protocols: string[]) =>
  z.string().refine((v) => {
    try {
      return protocols.includes(new URL(v).protocol);
    } catch {
      return false;
    }
  }, `must be a ${protocols.join(' or ')} URL`);
const list = z.string().transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean));

const schema = z.object({
  PORT: int(0, 65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATABASE_URL: url(['postgres:', 'postgresql:']).optional(),
  DATA_DIR: z.string().min(1).default('./.data'),
  DB_POOL_MAX: int(1, 10_000).default(150),
  REDIS_URL: url(['redis:', 'rediss:']).optional(),
  INSTANCE_ID: z.string().regex(/^[\w.-]{1,64}$/, 'must be 1-64 letters, digits, dots, dashes or underscores').optional(),
  LLM_BASE_URL: url(['http:', 'https:']).default('https://api.deepseek.com/v1'),
  LLM_API_KEY: z.string().min(1).optional(),
  DEEPSEEK_API_KEY: z.string().min(1).optional(),
  LLM_MODEL: z.string().min(1).default('deepseek-chat'),
  /** Models this gateway serves; requests naming another get 404 model_not_found. Defaults to LLM_MODEL. */
  LLM_MODELS: list.optional(),
  LLM_MAX_CONNECTIONS: int(1, 100_000).default(100),
  LLM_MAX_QUEUE: int(0, 1_000_000).default(1000),
  LLM_CONNECT_TIMEOUT_MS: int(100, 600_000).default(10_000),
  LLM_TIMEOUT_MS: int(100, 3_600_000).default(120_000),
  /** Longest silence between two chunks of a streamed answer. */
  LLM_STREAM_IDLE_TIMEOUT_MS: int(100, 3_600_000).default(60_000),
  LLM_MAX_RETRIES: int(0, 10).default(2),
  /** `auto`, `transformers`, `use`, `hash`, `none` (exact-match cache only), or a Hugging Face model id under EMBEDDINGS_MODEL_DIR. */
  EMBEDDINGS_MODEL: z
    .string()
    .regex(/^(auto|transformers|use|hash|none|[\w.-]+\/[\w.-]+)$/, 'must be auto, transformers, use, hash, none or an owner/model id')
    .default('auto'),
  EMBEDDINGS_TIMEOUT_MS: int(50, 60_000).default(2_000),
  /**
   * Embedding Workers, each using one core. Default 1: on the 2-core target the event loop needs the other core;
   * on larger machines the cores less one for the event loop is a good value.
   */
  EMBEDDINGS_WORKERS: int(1, 64).default(1),
  EMBEDDINGS_MODEL_DIR: z.string().min(1).default('./embeddings/models'),
  CACHE_SIMILARITY_THRESHOLD: num(0, 1).optional(),
  /** Bounds for the per-request `x-cache-threshold` header. */
  CACHE_THRESHOLD_MIN: num(0, 1).default(0.5),
  CACHE_THRESHOLD_MAX: num(0, 1).default(1),
  /** `false` switches the cache off entirely (every turn is a BYPASS). */
  CACHE_ENABLED: bool.default(true),
  /** Second-stage check of semantic candidates (numbers, negation, direction, ...). Off only for baselines. */
  CACHE_VERIFY: bool.default(true),
  /** Partition semantic search by system prompt and earlier turns. Off only for baselines. */
  CACHE_PARTITION_CONTEXT: bool.default(true),
  /** Prefix of every Redis key and channel: isolates deployments sharing one Redis. */
  REDIS_PREFIX: z.string().regex(/^[\w.:-]{1,64}$/, 'must be 1-64 letters, digits, dots, colons, dashes or underscores').default('llmgw'),
  CACHE_L1_MAX_ENTRIES: int(0, 10_000_000).default(1000),
  CACHE_TTL_SECONDS: int(1, 10 * 365 * 86_400).default(604_800),
  GATEWAY_API_KEYS: z.string().optional(),
  /** Tenants whose keys are operators: they see every tenant in the cost analysis (`?tenant=` narrows it). */
  GATEWAY_ADMIN_TENANTS: z.string().optional(),
  RATE_LIMIT_CHAT_PER_SEC: num(0.001, 1_000_000).default(10),
  RATE_LIMIT_API_PER_SEC: num(0.001, 1_000_000).default(100),
  MAX_BODY_BYTES: int(1024, 100 * 1024 * 1024).default(1024 * 1024),
  /** How long a response stored under an Idempotency-Key is replayed, and how long a duplicate waits for it. */
  IDEMPOTENCY_TTL_MS: int(1000, 7 * 86_400_000).default(3_600_000),
  IDEMPOTENCY_WAIT_MS: int(0, 600_000).default(10_000),
  SHUTDOWN_GRACE_MS: int(0, 600_000).default(15_000),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  /** Upstream prices in USD per million tokens, `model=input/output,...`, merged over DeepSeek's published prices. */
  LLM_PRICES: z
    .string()
    .regex(/^\s*[\w.:-]+=\d+(\.\d+)?\/\d+(\.\d+)?\s*(,\s*[\w.:-]+=\d+(\.\d+)?\/\d+(\.\d+)?\s*)*$/, 'must look like model=0.28/0.42,other-model=1/2 (USD per million input/output tokens)')
    .optional(),
  /** Open WebSocket connections per instance; default: the open-file limit less headroom. */
  WS_MAX_CONNECTIONS: int(1, 10_000_000).optional(),
  /** Silence after which a turn relayed from another instance ends with `turn_lost`; default: the upstream idle timeout + 5 s. */
  WS_REMOTE_TURN_TIMEOUT_MS: int(100, 3_600_000).optional(),
  /** Self-tuning: how often it runs, its bounds, and the alert targets. */
  TUNING_INTERVAL_MS: int(0, 3_600_000).default(30_000),
  CACHE_L1_MAX_ENTRIES_CEILING: int(0, 10_000_000).default(20_000),
  MEMORY_SOFT_LIMIT_MB: int(64, 1_000_000).default(3072),
  ALERT_P95_MS: int(1, 3_600_000).default(15_000),
  ALERT_ERROR_RATE: num(0, 1).default(0.05),
  ALERT_MIN_HIT_RATE: num(0, 1).default(0.05),
  /** Mock LLM knobs, used only when no upstream key is set. */
  MOCK_LLM_LATENCY_MS: int(0, 600_000).default(0),
  MOCK_LLM_TOKENS_PER_SEC: num(0, 1_000_000).default(0),
  TRUST_PROXY: bool.default(false),
});

type RawConfig = z.infer<typeof schema>;

export interface ApiKeyEntry {
  key: string;
  tenant: string;
}

export type Config = Readonly<
  Omit<RawConfig, 'LLM_API_KEY' | 'DEEPSEEK_API_KEY' | 'INSTANCE_ID' | 'LLM_MODELS' | 'GATEWAY_API_KEYS' | 'GATEWAY_ADMIN_TENANTS' | 'LLM_PRICES'> & {
    INSTANCE_ID: string;
    /** The upstream key (LLM_API_KEY, else DEEPSEEK_API_KEY); undefined selects the built-in mock LLM. */
    LLM_API_KEY: string | undefined;
    LLM_MODELS: readonly string[];
    /** Parsed GATEWAY_API_KEYS; empty means open single-tenant mode. */
    API_KEYS: readonly ApiKeyEntry[];
    /** Parsed GATEWAY_ADMIN_TENANTS: each names a tenant of API_KEYS. */
    ADMIN_TENANTS: readonly string[];
    /** DeepSeek's published prices with LLM_PRICES applied over them. */
    PRICES: PriceTable;
  }
>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

/** Keys are opaque tokens; tenants are identifiers that end up in logs, metrics and database rows. */
const API_KEY = /^[\x21-\x7e]{8,256}$/;
/** A tenant name, in GATEWAY_API_KEYS and wherever a request names a tenant. */
export const TENANT_NAME = /^[\w.-]{1,64}$/;

function parseApiKeys(raw: string | undefined): { entries: ApiKeyEntry[]; problem?: string } {
  if (raw === undefined || raw.trim() === '') return { entries: [] };
  const entries: ApiKeyEntry[] = [];
  const seen = new Set<string>();
  for (const [index, item] of raw.split(',').entries()) {
    const trimmed = item.trim();
    if (trimmed === '') continue;
    const at = trimmed.lastIndexOf(':');
    const key = at > 0 ? trimmed.slice(0, at) : '';
    const tenant = at > 0 ? trimmed.slice(at + 1) : '';
    // Name the position, never the key itself.
    if (!API_KEY.test(key) || key.includes(',')) return { entries, problem: `GATEWAY_API_KEYS: entry ${index + 1} needs a key of 8-256 printable characters before ':'` };
    if (!TENANT_NAME.test(tenant)) return { entries, problem: `GATEWAY_API_KEYS: entry ${index + 1} needs a tenant of 1-64 letters, digits, dots, dashes or underscores after ':'` };
    if (seen.has(key)) return { entries, problem: `GATEWAY_API_KEYS: entry ${index + 1} repeats an earlier key` };
    seen.add(key);
    entries.push({ key, tenant });
  }
  return { entries };
}

function parseAdminTenants(raw: string | undefined, keys: readonly ApiKeyEntry[]): { tenants: string[]; problem?: string } {
  const tenants = (raw ?? '').split(',').map((t) => t.trim()).filter(Boolean);
  const known = new Set(keys.map((k) => k.tenant));
  for (const [index, tenant] of tenants.entries()) {
    if (!TENANT_NAME.test(tenant)) return { tenants, problem: `GATEWAY_ADMIN_TENANTS: entry ${index + 1} is not a tenant name (1-64 letters, digits, dots, dashes or underscores)` };
    if (!known.has(tenant)) return { tenants, problem: `GATEWAY_ADMIN_TENANTS: entry ${index + 1} names a tenant that no key in GATEWAY_API_KEYS has` };
  }
  return { tenants };
}

function parsePrices(raw: string | undefined): Record<string, ModelPrice> {
  const prices: Record<string, ModelPrice> = {};
  for (const item of (raw ?? '').split(',')) {
    const [model, pair] = item.trim().split('=');
    if (!model || !pair) continue;
    const [input, output] = pair.split('/').map(Number);
    prices[model] = { inputPerMillion: input!, outputPerMillion: output! };
  }
  return prices;
}

/** Parses and validates `env` (default: process.env). Throws ConfigError naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // Empty strings mean "unset" (as docker/compose often pass them), so defaults apply.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(cleaned);
  const problems: string[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(`${String(issue.path[0])}: ${issue.message}`);
  }
  const keys = parseApiKeys(cleaned.GATEWAY_API_KEYS);
  if (keys.problem) problems.push(keys.problem);
  const admins = parseAdminTenants(cleaned.GATEWAY_ADMIN_TENANTS, keys.entries);
  if (admins.problem) problems.push(admins.problem);
  if (problems.length > 0 || !parsed.success) throw new ConfigError([...new Set(problems)]);

  const raw = parsed.data;
  const { LLM_API_KEY, DEEPSEEK_API_KEY, INSTANCE_ID, LLM_MODELS, GATEWAY_API_KEYS: _keys, GATEWAY_ADMIN_TENANTS: _admins, LLM_PRICES, ...rest } = raw;
  const models = LLM_MODELS && LLM_MODELS.length > 0 ? LLM_MODELS : [raw.LLM_MODEL];
  return Object.freeze({
    ...rest,
    INSTANCE_ID: INSTANCE_ID ?? `gw-${randomUUID().slice(0, 8)}`,
    LLM_API_KEY: LLM_API_KEY ?? DEEPSEEK_API_KEY,
    LLM_MODELS: Object.freeze(models.includes(raw.LLM_MODEL) ? models : [raw.LLM_MODEL, ...models]),
    API_KEYS: Object.freeze(keys.entries),
    ADMIN_TENANTS: Object.freeze(admins.tenants),
    PRICES: Object.freeze({ ...DEFAULT_PRICES, ...parsePrices(LLM_PRICES) }),
  });
}
