/**
 * The WebSocket transport end to end, through real listeners: the protocol round trip, refusals before the
 * upgrade, every bad input, per-connection limits, cancel, cross-instance fan-out over a shared bus network and
 * graceful shutdown.
 */
import { afterEach, describe, expect, test } from 'bun:test';
import { randomUUID } from 'node:crypto';
import { createMemoryConversationStore } from '../chat/memory-conversation-store';
import { MemoryRateLimiter } from '../ratelimit/memory-rate-limiter';
import { createMemoryBusNetwork } from '../sync/memory-bus';
import { createScriptedProvider } from '../testing/scripted-provider';
import { CITY_KEY, controlledProvider, rawClient, startInstance, TestClient, upgradeHeaders, type Instance, type InstanceOptions } from './ws-test-kit';

const running: Instance[] = [];
const clients: TestClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  for (const instance of running.splice(0)) await instance.stop();
});

function start(options: InstanceOptions = {}): Instance {
  const instance = startInstance(options);
  running.push(instance);
  return instance;
}

async function connect(instance: Instance, options: Parameters<typeof TestClient.connect>[1] = {}): Promise<TestClient> {
  const client = await TestClient.connect(instance.url, options);
  clients.push(client);
  return client;
}

describe('chat turns', () => {
  test('streams a turn as deltas that reassemble to the answer, ends with done and stores the session', async () => {
    const gw = start({ provider: createScriptedProvider(() => 'The office opens at nine on weekdays.') });
    const client = await connect(gw);
    client.send({ type: 'chat', id: 't1', message: 'When does the office open?' });
    const { end, text, deltas } = await client.turn('t1');
    expect(end).toMatchObject({ type: 'done', id: 't1', cache: 'BYPASS', usage: { total_tokens: expect.any(Number) } });
    expect(text).toBe('The office opens at nine on weekdays.');
    expect(deltas.every((d) => d.sessionId === end.sessionId)).toBe(true);
    expect(await gw.conversations.history('city', end.sessionId, 10)).toEqual([
      { role: 'user', content: 'When does the office open?' },
      { role: 'assistant', content: 'The office opens at nine on weekdays.' },
    ]);
  });

  test('continues a stored session: the history goes upstream and the new turn is appended', async () => {
    const gw = start();
    const client = await connect(gw);
    client.send({ type: 'chat', id: 'a', message: 'first question' });
    const first = await client.turn('a');
    client.send({ type: 'chat', id: 'b', message: 'second question', sessionId: first.end.sessionId });
    const second = await client.turn('b');
    expect(second.end).toMatchObject({ type: 'done', sessionId: first.end.sessionId });
    const sent = (gw.provider as ReturnType<typeof createScriptedProvider>).requests[1]!.messages.map((m) => m.content);
    expect(sent).toEqual(['first question', 'answer to "first question"', 'second question']);
    expect((await gw.conversations.get('city', first.end.sessionId))?.messageCount).toBe(4);
  });

  test('accepts OpenAI messages instead of a single message', async () => {
    const gw = start();
    const client = await connect(gw);
    client.send({ type: 'chat', id: 'm', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'hi' }] });
    const { end } = await client.turn('m');
    expect(end.type).toBe('done');
    expect((await gw.conversations.history('city', end.sessionId, 10))?.map((m) => m.role)).toEqual(['system', 'user', 'assistant']);
  });

  test("answers not_found for a session that does not exist for the key's tenant, storing nothing", async () => {
    const gw = start();
    const city = await connect(gw);
    city.send({ type: 'chat', id: 'x', message: 'hello' });
    const { end } = await city.turn('x');
    const county = await connect(gw, { key: 'sk-county-key-02' });
    county.send({ type: 'chat', id: 'y', message: 'hello', sessionId: end.sessionId });
    expect((await county.turn('y')).end).toMatchObject({ type: 'error', id: 'y', code: 'not_found' });
    county.send({ type: 'chat', id: 'z', message: 'hello', sessionId: randomUUID() });
    expect((await county.turn('z')).end).toMatchObject({ type: 'error', code: 'not_found' });
    expect((await gw.conversations.get('city', end.sessionId))?.messageCount).toBe(2);
  });

  test('coalesces a fast stream into fewer delta frames than tokens', async () => {
    const words = Array.from({ length: 300 }, (_, i) => `word${i}`).join(' ');
    const gw = start({ provider: createScriptedProvider(() => words) });
    const client = await connect(gw);
    client.send({ type: 'chat', id: 'fast', message: 'talk' });
    const { text, deltas } = await client.turn('fast');
    expect(text).toBe(words);
    expect(deltas.length).toBeLessThan(300 / 10);
    expect(gw.hub.stats().batching.appended).toBeGreaterThanOrEqual(300);
  });

  test('cancel aborts the upstream call, ends the turn with cancelled and stores nothing', async () => {
    const provider = controlledProvider();
    const gw = start({ provider });
    const client = await connect(gw);
    client.send({ type: 'chat', id: 'c1', message: 'long answer please' });
    await provider.waiting();
    const firstDelta = await client.until((f) => f.type === 'delta' && f.id === 'c1', 'a delta');
    client.send({ type: 'cancel', id: 'c1' });
    const { end } = await client.turn('c1');
    expect(end).toMatchObject({ type: 'error', id: 'c1', code: 'cancelled' });
    expect(provider.requests[0]!.signal?.aborted).toBe(true);
    expect(await gw.conversations.get('city', firstDelta.sessionId)).toBeUndefined();
    client.send({ type: 'cancel', id: 'c1' });
    expect(await client.until((f) => f.type === 'error' && f.code === 'not_found')).toMatchObject({ id: 'c1', param: 'id' });
  });

  test('a closed socket aborts its running turn upstream', async () => {
    const provider = controlledProvider();
    const gw = start({ provider });
    const client = await connect(gw);
    client.send({ type: 'chat', id: 'gone', message: 'hi' });
    await provider.waiting();
    client.close();
    await client.closed;
    while (gw.hub.stats().turns.active > 0) await Bun.sleep(1);
    expect(provider.requests[0]!.signal?.aborted).toBe(true);
    expect(gw.hub.stats().turns.cancelled).toBe(1);
  });

  test('answers ping with pong', async () => {
    const gw = start();
    const client = await connect(gw);
    client.send({ type: 'ping' });
    expect(await client.until((f) => f.type === 'pong')).toEqual({ type: 'pong' });
  });
});

describe('auth and admission', () => {
  test('refuses an upgrade without a valid key with 401 before any socket exists', async () => {
    const gw = start();
    const missing = await fetch(gw.httpUrl, { headers: upgradeHeaders() });
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer');
    expect((await missing.json()).error.code).toBe('unauthorized');
    const wrong = await fetch(gw.httpUrl, { headers: upgradeHeaders({ authorization: 'Bearer sk-wrong' }) });
    expect(wrong.status).toBe(401);
    await expect(TestClient.connect(gw.url, { key: null })).rejects.toThrow('connection refused');
    expect(gw.hub.stats().opened).toBe(0);
  });

  test('accepts the key as ?key= as well as in the Authorization header', async () => {
    const gw = start();
    const viaQuery = await connect(gw, { viaQuery: true });
    viaQuery.send({ type: 'ping' });
    await viaQuery.until((f) => f.type === 'pong');
    expect(gw.hub.stats().connections).toBe(1);
  });

  test('refuses new upgrades with 503 while the instance drains', async () => {
    const gw = start();
    gw.lifecycle.startDraining();
    const response = await fetch(gw.httpUrl, { headers: upgradeHeaders({ authorization: `Bearer ${CITY_KEY}` }) });
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('1');
  });
});

test('refuses upgrades with 503 at the connection limit, and accepts again once a socket closes', async () => {
  const gw = start({ options: { maxConnections: 1 } });
  const first = await TestClient.connect(gw.url, { key: CITY_KEY });
  const refused = await fetch(gw.httpUrl, { headers: upgradeHeaders({ authorization: `Bearer ${CITY_KEY}` }) });
  expect(refused.status).toBe(503);
  expect((await refused.json()).error.message).toContain('connection limit');
  first.socket.close();
  await first.closed;
  const again = await TestClient.connect(gw.url, { key: CITY_KEY });
  again.socket.close();
});

describe('bad input', () => {
  test('answers a non-JSON frame with invalid_json and keeps the connection', async () => {
    const gw = start();
    const client = await connect(gw);
    client.send('hello there');
    expect(await client.until((f) => f.type === 'error')).toMatchObject({ code: 'invalid_json' });
    client.send({ type: 'ping' });
    await client.until((f) => f.type === 'pong');
  });

  test('answers an unknown frame type with unknown_type', async () => {
    const gw = start();
    const client = await connect(gw);
    client.send({ type: 'dance', id: 'd1' });
    expect(await client.until((f) => f.type === 'error')).toMatchObject({ code: 'unknown_type', id: 'd1', param: 'type' });
  });

  test('names the offending field of a frame that breaks the schema', async () => {
    const gw = start();
    const client = await connect(gw);
    client.send({ type: 'chat', message: 'no id' });
    expect(await client.until((f) => f.type === 'error' && f.param === 'id')).toMatchObject({ code: 'invalid_request' });
    client.send({ type: 'chat', id: 'both', message: 'a', messages: [{ role: 'user', content: 'b' }] });
    expect(await client.until((f) => f.type === 'error' && f.id === 'both')).toMatchObject({ code: 'invalid_request', param: 'message' });
    client.send({ type: 'chat', id: 'role', messages: [{ role: 'wizard', content: 'b' }] });
    expect(await client.until((f) => f.type === 'error' && f.id === 'role')).toMatchObject({ code: 'invalid_request', param: 'messages[0].role' });
    client.send({ type: 'subscribe', sessionId: 42 });
    expect(await client.until((f) => f.type === 'error' && f.param === 'sessionId')).toMatchObject({ code: 'invalid_request' });
    client.send({ v: 2, type: 'ping' });
    expect(await client.until((f) => f.type === 'error' && f.param === 'v')).toMatchObject({ code: 'unsupported_version' });
  });

  test('answers a binary frame with unsupported_data', async () => {
    const gw = start();
    const client = await connect(gw);
    client.send(new Uint8Array([1, 2, 3]));
    expect(await client.until((f) => f.type === 'error')).toMatchObject({ code: 'unsupported_data' });
  });

  test('closes the socket with 1009 when a frame exceeds the payload limit', async () => {
    const gw = start({ options: { maxPayloadBytes: 1024 } });
    const client = await connect(gw);
    client.send({ type: 'chat', id: 'big', message: 'x'.repeat(5_000) });
    expect((await client.closed).code).toBe(1009);
    // Bun reports the socket it closed for the oversized frame to the server's handler as 1006.
    while (gw.hub.stats().closed === 0) await Bun.sleep(1);
    expect(gw.hub.stats().messagesIn).toBe(0);
  });

  test('closes a flooding socket with 1008 while a bystander keeps chatting', async () => {
    const gw = start({ options: { framesPerSec: 20, framesBurst: 20 } });
    const flooder = await connect(gw);
    const bystander = await connect(gw);
    for (let i = 0; i < 500; i++) flooder.send({ type: 'ping' });
    expect((await flooder.closed).code).toBe(1008);
    bystander.send({ type: 'chat', id: 'calm', message: 'still there?' });
    expect((await bystander.turn('calm')).end.type).toBe('done');
    expect(gw.hub.stats().floodClosed).toBe(1);
  });

  test('answers chat frames beyond the per-connection rate with rate_limited', async () => {
    const gw = start({ options: { chatPerSec: 0.5, chatBurst: 2 } });
    const client = await connect(gw);
    for (const id of ['r1', 'r2', 'r3']) client.send({ type: 'chat', id, message: `question ${id}` });
    expect((await client.turn('r1')).end.type).toBe('done');
    expect((await client.turn('r2')).end.type).toBe('done');
    expect((await client.turn('r3')).end).toMatchObject({ type: 'error', code: 'rate_limited', retryAfterMs: expect.any(Number) });
  });

  test("shares the API key's chat budget across its connections when a limiter is wired", async () => {
    let rejected = 0;
    const gw = start({ limits: { limiter: new MemoryRateLimiter(), chat: { ratePerSec: 0.01, burst: 1 }, onReject: () => rejected++ } });
    const first = await connect(gw);
    const second = await connect(gw);
    first.send({ type: 'chat', id: 'k1', message: 'one' });
    expect((await first.turn('k1')).end.type).toBe('done');
    second.send({ type: 'chat', id: 'k2', message: 'two' });
    expect((await second.turn('k2')).end).toMatchObject({ type: 'error', code: 'rate_limited', retryAfterMs: expect.any(Number) });
    const otherKey = await connect(gw, { key: 'sk-county-key-02' });
    otherKey.send({ type: 'chat', id: 'k3', message: 'three' });
    expect((await otherKey.turn('k3')).end.type).toBe('done');
    expect(rejected).toBe(1);
  });

  test('answers a turn beyond the concurrent-turn limit with rate_limited', async () => {
    const provider = controlledProvider();
    const gw = start({ provider, options: { maxConcurrentTurns: 1 } });
    const client = await connect(gw);
    client.send({ type: 'chat', id: 'one', message: 'first' });
    await provider.waiting();
    client.send({ type: 'chat', id: 'two', message: 'second' });
    expect((await client.turn('two')).end).toMatchObject({ type: 'error', code: 'rate_limited' });
    client.send({ type: 'chat', id: 'one', message: 'same id again' });
    expect(await client.until((f) => f.type === 'error' && f.id === 'one')).toMatchObject({ code: 'invalid_request', param: 'id' });
    provider.release();
    expect(await client.until((f) => f.type === 'done')).toMatchObject({ id: 'one' });
  });
});

describe('a client that stops reading', () => {
  // ~15 MB: twice what the loopback socket buffers absorbed (~7 MB) before Bun had to hold data for the socket.
  const long = Array.from({ length: 100_000 }, (_, i) => `token${i}-${'abcdefghijklmnopqrstuvwxyz'.repeat(5)}`).join(' ');

  test('pauses its turn before Bun drops anything and finishes it once the client reads again', async () => {
    const gw = start({ provider: createScriptedProvider(() => long) });
    const client = await rawClient(gw.port);
    expect(client.status).toBe('HTTP/1.1 101 Switching Protocols');
    client.pause();
    client.send({ type: 'chat', id: 'slow', message: 'go' });
    while (gw.hub.stats().turns.pauses === 0) await Bun.sleep(5);
    client.resume();
    while (!client.frames.some((f) => f.type === 'done')) await Bun.sleep(5);
    expect(client.frames.filter((f) => f.type === 'delta').map((f) => f.text).join('')).toBe(long);
    expect(gw.hub.stats()).toMatchObject({ drops: 0, slowConsumers: 0 });
    client.destroy();
  });

  test('is closed with its turn ended once it has not read for the stall timeout, with nothing dropped', async () => {
    const gw = start({ provider: createScriptedProvider(() => long), options: { stallTimeoutMs: 50 } });
    const client = await rawClient(gw.port);
    client.pause();
    client.send({ type: 'chat', id: 'stuck', message: 'go' });
    while (gw.hub.stats().closed === 0) await Bun.sleep(5);
    expect(gw.hub.stats()).toMatchObject({ drops: 0, slowConsumers: 1, closeCodes: { '1008': 1 }, turns: { cancelled: 1, completed: 0 } });
    client.destroy();
  });
});

describe('heartbeat', () => {
  // Bun's smallest idle timeout is 8 s: the slowest test of the file, kept to one.
  test('closes a peer that stops answering pings while a live client stays connected', async () => {
    const gw = start({ options: { idleTimeoutSec: 8 } });
    // The live client connects first and sends nothing: it outlasts its own idle deadline only by answering pings.
    const live = await connect(gw);
    const dead = await rawClient(gw.port);
    await dead.closed;
    expect(gw.hub.stats()).toMatchObject({ connections: 1, closed: 1 });
    expect(live.socket.readyState).toBe(WebSocket.OPEN);
    live.send({ type: 'ping' });
    await live.until((f) => f.type === 'pong');
  }, 30_000);
});

describe('session fan-out', () => {
  test('a subscriber on another instance receives the deltas and done of a turn run on this one', async () => {
    const network = createMemoryBusNetwork();
    const conversations = createMemoryConversationStore();
    const answer = 'Bring your passport and the completed form.';
    const a = start({ network, conversations, provider: createScriptedProvider(() => answer) });
    const b = start({ network, conversations });
    const origin = await connect(a);
    origin.send({ type: 'chat', id: 'setup', message: 'What do I need?' });
    const sessionId = (await origin.turn('setup')).end.sessionId;

    const remote = await connect(b);
    const local = await connect(a);
    for (const client of [remote, local, origin]) {
      client.send({ type: 'subscribe', sessionId });
      await client.until((f) => f.type === 'subscribed' && f.sessionId === sessionId);
    }
    origin.send({ type: 'chat', id: 'watched', message: 'And for a child?', sessionId });
    const own = await origin.turn('watched');
    expect(own.end).toMatchObject({ type: 'done', sessionId });

    for (const watcher of [remote, local]) {
      const done = await watcher.until((f) => f.type === 'done' && f.sessionId === sessionId, 'the watched done');
      const { text } = await watcher.turn(done.id);
      expect(text).toBe(answer);
      expect(done.id).not.toBe('watched');
      expect(done.cache).toBe('BYPASS');
    }
    // The origin subscribes too, yet sees its turn once: under its own id, never again under the shared one.
    const foreign = origin.frames.filter((f) => ['delta', 'done', 'error'].includes(f.type) && f.id !== 'setup' && f.id !== 'watched');
    expect(foreign).toEqual([]);
    expect(own.text).toBe(answer);
    expect(b.hub.stats().fanout.relayed).toBeGreaterThan(0);
  });

  test("a subscriber sees a cancelled turn's end as an error frame", async () => {
    const network = createMemoryBusNetwork();
    const conversations = createMemoryConversationStore();
    const provider = controlledProvider();
    const a = start({ network, conversations, provider });
    const b = start({ network, conversations });
    const { id: sessionId } = await conversations.create('city');
    const watcher = await connect(b);
    watcher.send({ type: 'subscribe', sessionId });
    await watcher.until((f) => f.type === 'subscribed');
    const origin = await connect(a);
    origin.send({ type: 'chat', id: 'c', message: 'hi', sessionId });
    await provider.waiting();
    await watcher.until((f) => f.type === 'delta');
    origin.send({ type: 'cancel', id: 'c' });
    expect(await watcher.until((f) => f.type === 'error')).toMatchObject({ code: 'cancelled', sessionId });
  });

  test('refuses to subscribe to a session of another tenant, and stops delivery after unsubscribe', async () => {
    const gw = start();
    const { id: sessionId } = await gw.conversations.create('city');
    const county = await connect(gw, { key: 'sk-county-key-02' });
    county.send({ type: 'subscribe', sessionId });
    expect(await county.until((f) => f.type === 'error')).toMatchObject({ code: 'not_found', param: 'sessionId' });
    const city = await connect(gw);
    city.send({ type: 'subscribe', sessionId });
    await city.until((f) => f.type === 'subscribed');
    city.send({ type: 'unsubscribe', sessionId });
    await city.until((f) => f.type === 'unsubscribed');
    expect(gw.hub.stats().fanout.subscriptions).toBe(0);
  });
});

describe('graceful shutdown', () => {
  test('sends the shutdown frame, lets the running turn finish, then closes every socket with 1001', async () => {
    const provider = controlledProvider();
    const gw = start({ provider });
    const idle = await connect(gw);
    const busy = await connect(gw);
    busy.send({ type: 'chat', id: 'late', message: 'hi' });
    await provider.waiting();
    const report = gw.hub.shutdown({ retryAfterMs: 2_500, graceMs: 10_000 });
    expect(await idle.until((f) => f.type === 'shutdown')).toEqual({ type: 'shutdown', retryAfterMs: 2_500 });
    await busy.until((f) => f.type === 'shutdown');
    const refused = await fetch(gw.httpUrl, { headers: upgradeHeaders({ authorization: `Bearer ${CITY_KEY}` }) });
    expect(refused.status).toBe(503);
    busy.send({ type: 'chat', id: 'new', message: 'more' });
    expect((await busy.turn('new')).end).toMatchObject({ type: 'error', code: 'service_unavailable' });
    provider.release();
    expect((await busy.turn('late')).end.type).toBe('done');
    expect(await report).toEqual({ drained: true, abortedTurns: 0, closedConnections: 2 });
    expect((await idle.closed).code).toBe(1001);
    expect((await busy.closed).code).toBe(1001);
  });

  test('spreads reconnects by adding per-socket jitter to retryAfterMs', async () => {
    const gw = start();
    const sockets = await Promise.all(Array.from({ length: 6 }, () => connect(gw)));
    await gw.hub.shutdown({ retryAfterMs: 1_000, jitterMs: 1_000_000, graceMs: 0 });
    const delays = await Promise.all(sockets.map(async (s) => (await s.until((f) => f.type === 'shutdown')).retryAfterMs as number));
    expect(delays.every((d) => d >= 1_000 && d <= 1_001_000)).toBe(true);
    expect(new Set(delays).size).toBeGreaterThan(1);
  });

  test('ends turns still running after the grace period with an error before closing', async () => {
    const provider = controlledProvider();
    const gw = start({ provider });
    const busy = await connect(gw);
    busy.send({ type: 'chat', id: 'slow', message: 'hi' });
    await provider.waiting();
    const report = await gw.hub.shutdown({ retryAfterMs: 1_000, graceMs: 20 });
    expect(report).toEqual({ drained: false, abortedTurns: 1, closedConnections: 1 });
    expect((await busy.turn('slow')).end).toMatchObject({ type: 'error', code: 'service_unavailable' });
    expect((await busy.closed).code).toBe(1001);
    expect(provider.requests[0]!.signal?.aborted).toBe(true);
  });
});
