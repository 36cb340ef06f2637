/**
 * The chat path with the semantic cache in front of a scripted upstream: single-flight for concurrent identical
 * misses (JSON, streamed and mixed), tenant isolation of flights, a leader's disconnect never cancelling its
 * followers, storing streamed answers only when complete, replaying hits as streams, and usage accounting.
 *
 * The upstream is gated: a call waits until the test opens the gate, so "concurrent" is arranged, not hoped for.
 */
import { afterEach, describe, expect, test } from 'bun:test';
import { randomUUID } from 'node:crypto';
import { FakeEmbedder } from '../../embeddings/fake-embedder';
import { FlatIndex } from '../../embeddings/flat-index';
import { SemanticCache } from '../cache/semantic-cache';
import { createMemoryEntryStore } from '../cache/memory-entry-store';
import { AppError } from '../errors';
import type { LlmProvider, StreamPart } from '../llm/llm-provider';
import { silentLogger } from '../log';
import { createScriptedProvider, type Script } from '../testing/scripted-provider';
import { createMemoryUsageStore } from '../usage/memory-usage-store';
import { createUsageRecorder } from '../usage/usage-recorder';
import type { UsageRecord, UsageStore } from '../usage/usage-store';
import { createMemoryConversationStore } from './memory-conversation-store';
import { createChatService, type StreamResult, type TurnInput } from './chat.service';
import { waitFor } from '../testing/wait-for';

const MODEL = 'deepseek-chat';
const ANSWER = 'The capital of France is Paris, and it has been for a very long time.';

/** A scripted provider whose calls wait at a gate; `entered` counts calls that reached it. */
function gatedProvider() {
  const scripted = createScriptedProvider(() => ANSWER);
  let gate = Promise.withResolvers<void>();
  let entered = 0;
  async function pass(signal: AbortSignal | undefined): Promise<void> {
    entered += 1;
    if (!signal) return gate.promise;
    signal.throwIfAborted();
    const aborted = new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
    await Promise.race([gate.promise, aborted]);
  }
  const provider: LlmProvider = {
    name: 'gated',
    async complete(request) {
      await pass(request.signal);
      return scripted.complete(request);
    },
    async *stream(request): AsyncGenerator<StreamPart> {
      try {
        await pass(request.signal);
      } catch {
        yield { type: 'error', error: new AppError('upstream_error', 'aborted before the upstream answered') };
        return;
      }
      yield* scripted.stream(request);
    },
    health: () => scripted.health(),
    close: async () => {},
  };
  return {
    provider,
    scripted,
    get entered() {
      return entered;
    },
    open: () => gate.resolve(),
    /** Later calls wait again. */
    close: () => void (gate = Promise.withResolvers<void>()),
  };
}

function setup({ gated = false } = {}) {
  const upstream = gatedProvider();
  if (!gated) upstream.open();
  const entries = createMemoryEntryStore();
  const cache = new SemanticCache({
    entries,
    embedder: new FakeEmbedder(),
    logger: silentLogger,
    createIndex: (dimensions) => new FlatIndex({ dimensions }),
    ttlSeconds: 3600,
    threshold: 0.85,
    l1MaxEntries: 100,
  });
  const rows: UsageRecord[] = [];
  const memoryUsage = createMemoryUsageStore();
  const usageStore: UsageStore = {
    record: (batch) => (rows.push(...batch), memoryUsage.record(batch)),
    summary: (query) => memoryUsage.summary(query),
  };
  const usage = createUsageRecorder({ store: usageStore, logger: silentLogger, flushIntervalMs: 3_600_000 });
  const chat = createChatService({
    provider: upstream.provider,
    cache,
    conversations: createMemoryConversationStore(),
    usage,
    models: [MODEL],
    defaultModel: MODEL,
    logger: silentLogger,
  });
  const harness = {
    chat,
    cache,
    upstream,
    rows,
    usage,
    /** Calls that actually ran upstream (past the gate). */
    upstreamCalls: () => upstream.scripted.requests.length,
    close: async () => {
      await usage.close();
      await cache.close();
    },
  };
  opened.push(harness);
  return harness;
}

const opened: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((h) => h.close()));
});

function turn(text: string, overrides: Partial<TurnInput> = {}): TurnInput {
  return { tenant: 'tenant-a', requestId: randomUUID(), messages: [{ role: 'user', content: text }], params: {}, route: '/v1/chat/completions', ...overrides };
}


/** Waits until `misses` lookups have missed, then lets every pending continuation run (each joins its flight). */
async function afterMisses(cache: SemanticCache, misses: number) {
  await waitFor(() => cache.stats().misses >= misses, { what: `${misses} misses` });
  await Bun.sleep(1);
}

async function read(result: StreamResult) {
  const parts: StreamPart[] = [];
  for await (const part of result.parts) parts.push(part);
  const text = parts.map((p) => (p.type === 'delta' ? (p.delta.content ?? '') : '')).join('');
  return { parts, text, last: parts.at(-1) };
}

const QUESTION = 'What is the capital of France?';

describe('single flight on the chat path', () => {
  test('concurrent identical JSON misses in one tenant make one upstream call and all get its answer', async () => {
    const h = setup({ gated: true });
    const leader = h.chat.complete(turn(QUESTION));
    await waitFor(() => h.upstream.entered === 1, { what: 'the leader to reach upstream' });
    const followers = [h.chat.complete(turn(QUESTION)), h.chat.complete(turn(QUESTION))];
    await afterMisses(h.cache, 3);
    h.upstream.open();
    const results = await Promise.all([leader, ...followers]);
    for (const result of results) {
      expect(result.cache).toBe('MISS');
      expect(result.completion.choices[0]?.message.content).toBe(ANSWER);
    }
    expect(h.upstreamCalls()).toBe(1);
    expect(h.upstream.entered).toBe(1);
  });

  test('concurrent identical streamed misses make one upstream call and every stream carries the whole answer', async () => {
    const h = setup({ gated: true });
    const leader = h.chat.stream(turn(QUESTION));
    await waitFor(() => h.upstream.entered === 1, { what: 'the leader to reach upstream' });
    const follower = h.chat.stream(turn(QUESTION));
    await afterMisses(h.cache, 2);
    h.upstream.open();
    for (const result of await Promise.all([leader, follower])) {
      const { text, last } = await read(result);
      expect(text).toBe(ANSWER);
      expect(last).toMatchObject({ type: 'finish', finishReasons: { 0: 'stop' } });
    }
    expect(h.upstreamCalls()).toBe(1);
  });

  test('a streamed and a JSON request for the same miss share one upstream call, whichever leads', async () => {
    for (const leaderKind of ['stream', 'json'] as const) {
      const h = setup({ gated: true });
      const ask = (kind: 'stream' | 'json') => (kind === 'stream' ? h.chat.stream(turn(QUESTION)).then(read).then((r) => r.text) : h.chat.complete(turn(QUESTION)).then((r) => r.completion.choices[0]?.message.content));
      const leader = ask(leaderKind);
      await waitFor(() => h.upstream.entered === 1, { what: 'the leader to reach upstream' });
      const follower = ask(leaderKind === 'stream' ? 'json' : 'stream');
      await afterMisses(h.cache, 2);
      h.upstream.open();
      expect(await Promise.all([leader, follower])).toEqual([ANSWER, ANSWER]);
      expect(h.upstreamCalls()).toBe(1);
    }
  });

  test('different tenants never share a flight, even for an identical request', async () => {
    const h = setup({ gated: true });
    const a = h.chat.complete(turn(QUESTION, { tenant: 'tenant-a' }));
    await waitFor(() => h.upstream.entered === 1, { what: 'tenant A to reach upstream' });
    const b = h.chat.complete(turn(QUESTION, { tenant: 'tenant-b' }));
    await waitFor(() => h.upstream.entered === 2, { what: 'tenant B to reach upstream on its own' });
    h.upstream.open();
    await Promise.all([a, b]);
    expect(h.upstreamCalls()).toBe(2);
    expect(h.upstream.scripted.requests.every((r) => !r.signal?.aborted)).toBe(true);
  });

  test('a leader whose client disconnects does not cancel its follower (JSON)', async () => {
    const h = setup({ gated: true });
    const client = new AbortController();
    const leader = h.chat.complete(turn(QUESTION, { signal: client.signal }));
    leader.catch(() => {});
    await waitFor(() => h.upstream.entered === 1, { what: 'the leader to reach upstream' });
    const follower = h.chat.complete(turn(QUESTION, { signal: new AbortController().signal }));
    await afterMisses(h.cache, 2);
    client.abort(new Error('client went away'));
    await Bun.sleep(1);
    h.upstream.open();
    const result = await follower;
    expect(result.completion.choices[0]?.message.content).toBe(ANSWER);
    expect(h.upstreamCalls()).toBe(1);
    expect(h.upstream.scripted.requests[0]?.signal?.aborted).toBe(false);
  });

  test('a leader whose client disconnects does not cancel its follower (streaming)', async () => {
    const h = setup({ gated: true });
    const client = new AbortController();
    const leader = h.chat.stream(turn(QUESTION, { signal: client.signal }));
    leader.then((r) => r.parts[Symbol.asyncIterator]().return?.()).catch(() => {});
    await waitFor(() => h.upstream.entered === 1, { what: 'the leader to reach upstream' });
    const follower = h.chat.stream(turn(QUESTION, { signal: new AbortController().signal }));
    await afterMisses(h.cache, 2);
    client.abort(new Error('client went away'));
    await Bun.sleep(1);
    h.upstream.open();
    const { text, last } = await read(await follower);
    expect(text).toBe(ANSWER);
    expect(last?.type).toBe('finish');
    expect(h.upstreamCalls()).toBe(1);
  });
});

describe('storing streamed answers', () => {
  test('a complete streamed answer is stored and the next identical request is a HIT', async () => {
    const h = setup();
    const first = await h.chat.stream(turn(QUESTION));
    expect(first.cache).toBe('MISS');
    expect((await read(first)).text).toBe(ANSWER);
    await waitFor(() => h.cache.stats().stores === 1, { what: 'the answer to be stored' });
    const second = await h.chat.complete(turn(QUESTION));
    expect(second.cache).toBe('HIT');
    expect(second.completion.choices[0]?.message.content).toBe(ANSWER);
    expect(h.upstreamCalls()).toBe(1);
  });

  const incomplete: Array<{ what: string; script: Script }> = [
    { what: 'a stream cut mid-way', script: { kind: 'cut', afterWords: 3 } },
    { what: 'an answer truncated by the token limit', script: { kind: 'answer', text: ANSWER, finishReason: 'length' } },
    { what: 'an empty answer', script: { kind: 'answer', text: '' } },
    { what: 'a whitespace-only answer', script: { kind: 'answer', text: '   ' } },
  ];
  for (const { what, script } of incomplete) {
    test(`never stores ${what}: the next identical request is a MISS again`, async () => {
      const h = setup();
      h.upstream.scripted.push(script);
      const first = await h.chat.stream(turn(QUESTION));
      expect(first.cache).toBe('MISS');
      await read(first);
      await Bun.sleep(1);
      expect(h.cache.stats().stores).toBe(0);
      const second = await h.chat.complete(turn(QUESTION));
      expect(second.cache).toBe('MISS');
      expect(h.upstreamCalls()).toBe(2);
    });
  }

  test('never stores a JSON answer truncated by the token limit or empty', async () => {
    const h = setup();
    h.upstream.scripted.push({ kind: 'answer', text: ANSWER, finishReason: 'length' }, { kind: 'answer', text: '' });
    expect((await h.chat.complete(turn(QUESTION))).cache).toBe('MISS');
    expect((await h.chat.complete(turn(QUESTION))).cache).toBe('MISS');
    expect(h.cache.stats().stores).toBe(0);
    expect((await h.chat.complete(turn(QUESTION))).cache).toBe('MISS');
    expect((await h.chat.complete(turn(QUESTION))).cache).toBe('HIT');
    expect(h.upstreamCalls()).toBe(3);
  });

  test('a hit on a streaming request is replayed as parts that reassemble the stored text and end with a finish part', async () => {
    const h = setup();
    expect((await h.chat.complete(turn(QUESTION))).cache).toBe('MISS');
    for (const [text, status] of [
      [QUESTION, 'HIT'],
      ['What is the capital of France??', 'SEMANTIC_HIT'],
    ] as const) {
      const result = await h.chat.stream(turn(text));
      expect(result.cache).toBe(status);
      expect(result.entryId).toBeDefined();
      const { parts, text: replayed, last } = await read(result);
      expect(replayed).toBe(ANSWER);
      expect(parts.length).toBeGreaterThan(2);
      expect(parts.slice(0, -1).every((p) => p.type === 'delta')).toBe(true);
      expect(last).toMatchObject({ type: 'finish', finishReasons: { 0: 'stop' }, model: MODEL });
    }
    expect(h.upstreamCalls()).toBe(1);
  });
});

describe('usage of cached answers', () => {
  test('usage rows say the upstream was not called for hits, and was for the miss', async () => {
    const h = setup();
    const miss = turn(QUESTION);
    const hit = turn(QUESTION);
    const streamedHit = turn(QUESTION);
    const semanticHit = turn('What is the capital of France??');
    await h.chat.complete(miss);
    await h.chat.complete(hit);
    await read(await h.chat.stream(streamedHit));
    await h.chat.complete(semanticHit);
    await h.usage.flush();

    const byRequest = new Map(h.rows.map((r) => [r.requestId, r]));
    expect(h.rows).toHaveLength(4);
    expect(byRequest.get(miss.requestId)).toMatchObject({ cacheStatus: 'MISS', upstreamCalled: true, savedCostUsd: 0 });
    for (const request of [hit, streamedHit]) {
      const row = byRequest.get(request.requestId);
      expect(row).toMatchObject({ cacheStatus: 'HIT', upstreamCalled: false, costUsd: 0 });
      expect(row!.savedCostUsd).toBeGreaterThan(0);
    }
    expect(byRequest.get(semanticHit.requestId)).toMatchObject({ cacheStatus: 'SEMANTIC_HIT', upstreamCalled: false, costUsd: 0 });
    expect(h.upstreamCalls()).toBe(1);
  });
});

describe('edge cases of shared flights', () => {
  test('a streamed request whose client is gone before its flight starts fails instead of hanging', async () => {
    const h = setup();
    const client = new AbortController();
    client.abort(new Error('client went away'));
    // Every caller has left, so SingleFlight never runs the work; the stream must still settle.
    // A hang detector, not a stopwatch: the promise must settle at all.
    const outcome = await Promise.race([
      h.chat.stream(turn(QUESTION, { signal: client.signal })).then(
        () => 'resolved',
        (error: Error) => error.message,
      ),
      Bun.sleep(2_000).then(() => 'still pending'),
    ]);
    expect(outcome).toBe('client went away');
  });

  test('followers of a streamed answer that cannot be stored still get an answer (truncated by the token limit)', async () => {
    const h = setup({ gated: true });
    h.upstream.scripted.push({ kind: 'answer', text: ANSWER, finishReason: 'length' });
    const leader = h.chat.stream(turn(QUESTION));
    await waitFor(() => h.upstream.entered === 1, { what: 'the leader to reach upstream' });
    const followers = [h.chat.stream(turn(QUESTION)).then(read).then((r) => r.text), h.chat.complete(turn(QUESTION)).then((r) => r.completion.choices[0]?.message.content)];
    await afterMisses(h.cache, 3);
    h.upstream.open();
    expect((await read(await leader)).text).toBe(ANSWER);
    expect(await Promise.all(followers)).toEqual([ANSWER, ANSWER]);
  });
});
