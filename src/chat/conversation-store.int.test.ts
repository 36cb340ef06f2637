/**
 * One contract suite, run against every ConversationStore adapter: memory, Drizzle on PGlite, Drizzle on a real
 * Postgres (skipped only when Postgres is unreachable and REQUIRE_SERVICES is not set).
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { randomUUID } from 'node:crypto';
import { count, eq } from 'drizzle-orm';
import { openMigratedDatabase } from '../../db/testing/migrated-database';
import { messages as messagesTable } from '../../db/schema';
import { isAppError } from '../errors';
import { createTestDatabase, postgresAvailable } from '../testing/services';
import type { ConversationStore, MessageRole, TurnMessage } from './conversation-store';
import { createDrizzleConversationStore } from './drizzle-conversation-store';
import { createMemoryConversationStore } from './memory-conversation-store';

// PGlite's first start runs initdb; bunfig's [test] timeout is not applied by Bun.
setDefaultTimeout(60_000);

interface Harness {
  store: ConversationStore;
  /** Message rows stored for a conversation, read behind the store's back (DB adapters only). */
  rawMessageCount?: (conversationId: string) => Promise<number>;
  close(): Promise<void>;
}

async function drizzleHarness(url?: string, onClose: () => Promise<void> = async () => {}): Promise<Harness> {
  const { database, dispose } = await openMigratedDatabase({ url });
  return {
    store: createDrizzleConversationStore({ db: database.db }),
    async rawMessageCount(conversationId) {
      const [row] = await database.db.select({ n: count() }).from(messagesTable).where(eq(messagesTable.conversationId, conversationId));
      return row?.n ?? 0;
    },
    async close() {
      await dispose();
      await onClose();
    },
  };
}

const postgresUp = await postgresAvailable();
const adapters: Array<{ name: string; available: boolean; open: () => Promise<Harness> }> = [
  { name: 'memory', available: true, open: async () => ({ store: createMemoryConversationStore(), close: async () => {} }) },
  { name: 'drizzle on PGlite', available: true, open: () => drizzleHarness() },
  {
    name: 'drizzle on Postgres',
    available: postgresUp,
    open: async () => {
      const testDb = await createTestDatabase('gw_conversations');
      return drizzleHarness(testDb.url, () => testDb.drop());
    },
  },
];

const turn = (requestId: string, user: string, assistant: string): TurnMessage[] => [
  { role: 'user', content: user, requestId },
  { role: 'assistant', content: assistant, requestId },
];

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe.each(adapters)('ConversationStore contract: $name', ({ available, open }) => {
  const it = available ? test : test.skip;
  let harness: Harness;
  let store: ConversationStore;
  // Every test uses its own tenant and ids, so one database serves the whole suite.
  const tenant = () => `tenant-${randomUUID()}`;

  beforeAll(async () => {
    if (!available) return;
    harness = await open();
    store = harness.store;
  });
  afterAll(async () => {
    await harness?.close();
  });

  it('creates the conversation with its first turn and returns the messages oldest first', async () => {
    const t = tenant();
    const id = randomUUID();
    const result = await store.appendTurn({ tenant: t, conversationId: id, createIfMissing: true, messages: turn('r1', 'hello', 'hi there') });
    expect(result.created).toBe(true);
    expect(result.seqs).toEqual([1, 2]);
    expect(result.conversation).toMatchObject({ id, tenant: t, messageCount: 2 });
    expect(await store.history(t, id, 10)).toEqual([
      { role: 'user', content: 'hello' },
      { role: 'assistant', content: 'hi there' },
    ]);
  });

  it('stores NUL characters, which Postgres cannot hold, as U+FFFD in text and in content parts', async () => {
    const t = tenant();
    const id = randomUUID();
    await store.appendTurn({
      tenant: t,
      conversationId: id,
      createIfMissing: true,
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'a\u0000b' }], requestId: 'r1' },
        { role: 'assistant', content: 'x\u0000y', requestId: 'r1' },
      ],
    });
    expect(await store.history(t, id, 10)).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'a\uFFFDb' }] },
      { role: 'assistant', content: 'x\uFFFDy' },
    ]);
  });

  it('appends later turns after earlier ones with consecutive seq numbers and moves updatedAt forward', async () => {
    const t = tenant();
    const id = randomUUID();
    const first = await store.appendTurn({ tenant: t, conversationId: id, createIfMissing: true, messages: turn('r1', 'q1', 'a1') });
    const second = await store.appendTurn({ tenant: t, conversationId: id, createIfMissing: false, messages: turn('r2', 'q2', 'a2') });
    expect(second.created).toBe(false);
    expect(second.seqs).toEqual([3, 4]);
    expect(second.conversation.messageCount).toBe(4);
    expect(second.conversation.createdAt).toEqual(first.conversation.createdAt);
    expect(second.conversation.updatedAt.getTime()).toBeGreaterThanOrEqual(first.conversation.updatedAt.getTime());
    expect((await store.get(t, id))?.messageCount).toBe(4);
    expect((await store.history(t, id, 10))?.map((m) => m.content)).toEqual(['q1', 'a1', 'q2', 'a2']);
  });

  it('returns only the newest `limit` messages of a long history, still oldest first', async () => {
    const t = tenant();
    const id = randomUUID();
    for (let i = 1; i <= 3; i++) await store.appendTurn({ tenant: t, conversationId: id, createIfMissing: i === 1, messages: turn(`r${i}`, `q${i}`, `a${i}`) });
    expect((await store.history(t, id, 3))?.map((m) => m.content)).toEqual(['a2', 'q3', 'a3']);
    expect(await store.history(t, id, 0)).toEqual([]);
  });

  it('tells an unknown conversation (undefined) from an empty one ([])', async () => {
    const t = tenant();
    const created = await store.create(t);
    expect(created).toMatchObject({ tenant: t, messageCount: 0 });
    expect(await store.get(t, created.id)).toMatchObject({ id: created.id, messageCount: 0 });
    expect(await store.history(t, created.id, 10)).toEqual([]);
    expect(await store.get(t, randomUUID())).toBeUndefined();
    expect(await store.history(t, randomUUID(), 10)).toBeUndefined();
  });

  it("never shows or extends another tenant's conversation", async () => {
    const owner = tenant();
    const intruder = tenant();
    const id = randomUUID();
    await store.appendTurn({ tenant: owner, conversationId: id, createIfMissing: true, messages: turn('r1', 'secret', 'noted') });

    expect(await store.get(intruder, id)).toBeUndefined();
    expect(await store.history(intruder, id, 10)).toBeUndefined();
    for (const createIfMissing of [false, true]) {
      const error = await rejection(store.appendTurn({ tenant: intruder, conversationId: id, createIfMissing, messages: turn('r2', 'x', 'y') }));
      expect(isAppError(error) && error.code).toBe('not_found');
    }
    expect(await store.get(owner, id)).toMatchObject({ tenant: owner, messageCount: 2 });
    expect((await store.history(owner, id, 10))?.map((m) => m.content)).toEqual(['secret', 'noted']);
  });

  it('rejects a turn for a missing conversation when createIfMissing is false, creating nothing', async () => {
    const t = tenant();
    const id = randomUUID();
    const error = await rejection(store.appendTurn({ tenant: t, conversationId: id, createIfMissing: false, messages: turn('r1', 'q', 'a') }));
    expect(isAppError(error) && error.code).toBe('not_found');
    expect(await store.get(t, id)).toBeUndefined();
  });

  it('writes nothing when one message of a turn is invalid, not even a new conversation', async () => {
    const t = tenant();
    const id = randomUUID();
    const bad: TurnMessage[] = [
      { role: 'user', content: 'fine', requestId: 'r1' },
      { role: 'narrator' as MessageRole, content: 'invalid role', requestId: 'r1' },
    ];
    await rejection(store.appendTurn({ tenant: t, conversationId: id, createIfMissing: true, messages: bad }));
    expect(await store.get(t, id)).toBeUndefined();
    if (harness.rawMessageCount) expect(await harness.rawMessageCount(id)).toBe(0);

    await store.appendTurn({ tenant: t, conversationId: id, createIfMissing: true, messages: turn('r2', 'q', 'a') });
    await rejection(store.appendTurn({ tenant: t, conversationId: id, createIfMissing: false, messages: bad }));
    expect(await store.get(t, id)).toMatchObject({ messageCount: 2 });
    expect((await store.history(t, id, 10))?.map((m) => m.content)).toEqual(['q', 'a']);
    if (harness.rawMessageCount) expect(await harness.rawMessageCount(id)).toBe(2);
  });

  it('rejects an empty turn', async () => {
    await rejection(store.appendTurn({ tenant: tenant(), conversationId: randomUUID(), createIfMissing: true, messages: [] }));
  });

  it('gives concurrent turns on one conversation distinct, contiguous seq numbers', async () => {
    const t = tenant();
    const id = randomUUID();
    await store.appendTurn({ tenant: t, conversationId: id, createIfMissing: true, messages: turn('r0', 'q0', 'a0') });
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => store.appendTurn({ tenant: t, conversationId: id, createIfMissing: false, messages: turn(`r${i + 1}`, `q${i + 1}`, `a${i + 1}`) })),
    );
    const seqs = results.flatMap((r) => r.seqs).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: 24 }, (_, i) => i + 3));
    for (const r of results) expect(r.seqs[1]).toBe(r.seqs[0]! + 1);
    expect((await store.get(t, id))?.messageCount).toBe(26);
    // Each turn's question is directly followed by its own answer.
    const history = (await store.history(t, id, 100))!;
    for (let i = 0; i < history.length; i += 2) expect(String(history[i + 1]!.content)).toBe(String(history[i]!.content).replace('q', 'a'));
  });

  it('creates a conversation once when two first turns race on the same new id', async () => {
    const t = tenant();
    const id = randomUUID();
    const results = await Promise.all([1, 2].map((i) => store.appendTurn({ tenant: t, conversationId: id, createIfMissing: true, messages: turn(`r${i}`, `q${i}`, `a${i}`) })));
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect((await store.get(t, id))?.messageCount).toBe(4);
  });

  it('returns content exactly as stored: JSON-looking text, content parts and null', async () => {
    const t = tenant();
    const id = randomUUID();
    const contents = ['123', 'true', 'null', '{"a":1}', '[1,2]', '"quoted"', '', [{ type: 'text', text: 'part' }, { type: 'image_url', image_url: { url: 'data:x' } }], null];
    const roles: MessageRole[] = ['user', 'assistant'];
    await store.appendTurn({ tenant: t, conversationId: id, createIfMissing: true, messages: contents.map((content, i) => ({ role: roles[i % 2]!, content, requestId: 'r1' })) });
    expect((await store.history(t, id, 100))?.map((m) => m.content)).toEqual(contents);
  });
});
