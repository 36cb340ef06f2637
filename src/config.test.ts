import { describe, expect, test } from 'bun:test';
import { ConfigError, loadConfig } from './config';

describe('loadConfig', () => {
  test('runs on embedded defaults when nothing is set', () => {
    const config = loadConfig({});
    expect(config.PORT).toBe(3000);
    expect(config.HOST).toBe('0.0.0.0');
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.DATA_DIR).toBe('./.data');
    expect(config.DB_POOL_MAX).toBe(150);
    expect(config.LLM_BASE_URL).toBe('https://api.deepseek.com/v1');
    expect(config.LLM_API_KEY).toBeUndefined();
    expect(config.LLM_MODEL).toBe('deepseek-chat');
    expect(config.LLM_MODELS).toEqual(['deepseek-chat']);
    expect(config.LLM_MAX_CONNECTIONS).toBe(100);
    expect(config.CACHE_L1_MAX_ENTRIES).toBe(1000);
    expect(config.CACHE_TTL_SECONDS).toBe(604800);
    expect(config.RATE_LIMIT_CHAT_PER_SEC).toBe(10);
    expect(config.RATE_LIMIT_API_PER_SEC).toBe(100);
    expect(config.API_KEYS).toEqual([]);
    expect(config.INSTANCE_ID).toMatch(/^gw-/);
    expect(Object.isFrozen(config)).toBe(true);
  });

  test('coerces numbers and parses the key-to-tenant map', () => {
    const config = loadConfig({
      PORT: '8080',
      DB_POOL_MAX: '20',
      CACHE_SIMILARITY_THRESHOLD: '0.9',
      GATEWAY_API_KEYS: 'sk-alpha-123:city, sk-beta-4567:county',
      LLM_MODELS: 'deepseek-chat,deepseek-reasoner',
    });
    expect(config.PORT).toBe(8080);
    expect(config.DB_POOL_MAX).toBe(20);
    expect(config.CACHE_SIMILARITY_THRESHOLD).toBe(0.9);
    expect(config.API_KEYS).toEqual([
      { key: 'sk-alpha-123', tenant: 'city' },
      { key: 'sk-beta-4567', tenant: 'county' },
    ]);
    expect(config.LLM_MODELS).toEqual(['deepseek-chat', 'deepseek-reasoner']);
  });

  test('reads the upstream key from DEEPSEEK_API_KEY when LLM_API_KEY is unset', () => {
    expect(loadConfig({ DEEPSEEK_API_KEY: 'sk-ds' }).LLM_API_KEY).toBe('sk-ds');
    expect(loadConfig({ DEEPSEEK_API_KEY: 'sk-ds', LLM_API_KEY: 'sk-llm' }).LLM_API_KEY).toBe('sk-llm');
  });

  test('merges configured prices over the published defaults', () => {
    const config = loadConfig({ LLM_PRICES: 'gpt-4o-mini=0.15/0.6, deepseek-chat=0.5/1' });
    expect(config.PRICES['gpt-4o-mini']).toEqual({ inputPerMillion: 0.15, outputPerMillion: 0.6 });
    expect(config.PRICES['deepseek-chat']).toEqual({ inputPerMillion: 0.5, outputPerMillion: 1 });
    expect(config.PRICES['deepseek-reasoner']).toEqual({ inputPerMillion: 0.28, outputPerMillion: 0.42 });
    expect(() => loadConfig({ LLM_PRICES: 'free lunch' })).toThrow(/LLM_PRICES/);
  });

  test('treats empty strings as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', PORT: '' }).PORT).toBe(3000);
  });

  test('bounds the embedding pool and the relayed-turn timeout', () => {
    expect(loadConfig({}).EMBEDDINGS_WORKERS).toBe(1);
    expect(loadConfig({ EMBEDDINGS_WORKERS: '3', WS_REMOTE_TURN_TIMEOUT_MS: '2000' })).toMatchObject({ EMBEDDINGS_WORKERS: 3, WS_REMOTE_TURN_TIMEOUT_MS: 2000 });
    expect(() => loadConfig({ EMBEDDINGS_WORKERS: '0' })).toThrow(/EMBEDDINGS_WORKERS/);
    expect(() => loadConfig({ WS_REMOTE_TURN_TIMEOUT_MS: '10' })).toThrow(/WS_REMOTE_TURN_TIMEOUT_MS/);
  });

  test('parses admin tenants, which must be tenants of the configured keys', () => {
    const keys = 'sk-alpha-123:city, sk-ops-45678:ops';
    expect(loadConfig({ GATEWAY_API_KEYS: keys, GATEWAY_ADMIN_TENANTS: ' ops ' }).ADMIN_TENANTS).toEqual(['ops']);
    expect(loadConfig({ GATEWAY_API_KEYS: keys }).ADMIN_TENANTS).toEqual([]);
    expect(() => loadConfig({ GATEWAY_API_KEYS: keys, GATEWAY_ADMIN_TENANTS: 'county' })).toThrow(/GATEWAY_ADMIN_TENANTS: entry 1 names a tenant that no key/);
    expect(() => loadConfig({ GATEWAY_API_KEYS: keys, GATEWAY_ADMIN_TENANTS: 'ops,bad name' })).toThrow(/GATEWAY_ADMIN_TENANTS: entry 2 is not a tenant name/);
  });

  test('names every bad variable in one error and never echoes a value', () => {
    let error: unknown;
    try {
      loadConfig({
        PORT: 'eighty',
        DB_POOL_MAX: '0',
        DATABASE_URL: 'mysql://secret-password@db',
        CACHE_SIMILARITY_THRESHOLD: '1.5',
        GATEWAY_API_KEYS: 'supersecretkey-no-tenant',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    for (const name of ['PORT', 'DB_POOL_MAX', 'DATABASE_URL', 'CACHE_SIMILARITY_THRESHOLD', 'GATEWAY_API_KEYS']) {
      expect(message).toContain(name);
    }
    expect(message).not.toContain('secret-password');
    expect(message).not.toContain('supersecretkey');
  });
});
