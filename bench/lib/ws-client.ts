/**
 * Client process of the `ws` bench suite (bench/suites/ws.ts): one Bun process per job, so that the clients never
 * share an event loop with a server or the bench. Speaks two protocols over Bun's native WebSocket, so both sides of
 * the comparison pay the same client cost:
 * - `gw`:  the gateway's /ws (JSON frames, `?key=`), see ../shared/CONTRACT.md;
 * - `sio`: socket.io 4 / engine.io 4 over the websocket transport, spoken by hand (open `0`, connect `40`, ping `2` →
 *          pong `3`, events `42[...]`, acks `43N[...]`) instead of socket.io-client, which would cost far more per
 *          socket than the server under test.
 *
 *   bun run bench/lib/ws-client.ts '<job json>'
 *
 * Jobs (see `Job`): `hold` opens `count` idle connections and prints `{"event":"opened",...}`, then idles until
 * killed; `load` runs M active clients doing turns and prints `{"event":"result",...}`; `fanout` runs one publisher
 * on instance A and S subscribers on instance B and prints `{"event":"result",...}`.
 */
import { readFileSync } from 'node:fs';
import { LatencyHistogram } from './histogram';

export type Proto = 'gw' | 'sio';

export interface Target {
  proto: Proto;
  /** Port on every loopback address 127.0.0.1-127.0.0.<hosts> (the server listens on 0.0.0.0). */
  port: number;
  hosts: number;
  key?: string;
}

export type Job =
  | { kind: 'hold'; target: Target; count: number; inflight: number; hostOffset: number; connectTimeoutMs: number; maxFailures?: number }
  | { kind: 'load'; target: Target; active: number; durationMs: number; warmupMs: number; nonce: string; sio: { k: number; intervalMs: number } }
  | { kind: 'fanout'; a: Target; b: Target; subscribers: number; durationMs: number; warmupMs: number; nonce: string; sio: { k: number; intervalMs: number } };

type Handler = (event: string, data: any) => void;

interface Conn {
  ws: WebSocket;
  send(event: string, data: any, ackId?: number): void;
  close(): void;
}

function urlFor(target: Target, index: number): string {
  const host = `127.0.0.${1 + (index % target.hosts)}`;
  return target.proto === 'gw'
    ? `ws://${host}:${target.port}/ws?key=${encodeURIComponent(target.key ?? '')}`
    : `ws://${host}:${target.port}/socket.io/?EIO=4&transport=websocket`;
}

/** Opens one connection; resolves when it is usable (gw: open; sio: namespace connected), rejects on error/timeout. */
function connect(target: Target, index: number, onEvent: Handler, timeoutMs: number): Promise<Conn> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(urlFor(target, index));
    let ready = false;
    const timer = setTimeout(() => {
      if (ready) return;
      ready = true;
      ws.close();
      reject(new Error('connect timeout'));
    }, timeoutMs);
    const conn: Conn = {
      ws,
      send:
        target.proto === 'gw'
          ? (_event, data) => ws.send(JSON.stringify(data))
          : (event, data, ackId) => ws.send(`42${ackId ?? ''}${JSON.stringify([event, data])}`),
      close: () => ws.close(),
    };
    const ok = () => {
      if (ready) return;
      ready = true;
      clearTimeout(timer);
      resolve(conn);
    };
    ws.onerror = (e) => {
      if (!ready) {
        ready = true;
        clearTimeout(timer);
        reject(new Error((e as ErrorEvent).message || 'websocket error'));
      } else onEvent('socket_error', undefined);
    };
    ws.onclose = (e) => onEvent('close', e.code);
    if (target.proto === 'gw') {
      ws.onopen = ok;
      ws.onmessage = (e) => {
        const frame = JSON.parse(String(e.data));
        onEvent(frame.type, frame);
      };
    } else {
      ws.onmessage = (e) => {
        const d = String(e.data);
        const c = d.charCodeAt(0);
        if (c === 50 /* 2 ping */) return void ws.send('3');
        if (c === 48 /* 0 open */) return void ws.send('40');
        if (d.startsWith('40')) return ok();
        if (d.startsWith('42')) {
          const [event, data] = JSON.parse(d.slice(2));
          return onEvent(event, data);
        }
        if (d.startsWith('43')) return onEvent('ack', d);
        if (d.startsWith('41') || d.startsWith('44')) return onEvent('error', { code: d });
      };
    }
  });
}

function fdLimit(): number | undefined {
  try {
    const m = /Max open files\s+(\d+)/.exec(readFileSync('/proc/self/limits', 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

const print = (obj: unknown) => process.stdout.write(`${JSON.stringify(obj)}\n`);

async function hold(job: Extract<Job, { kind: 'hold' }>) {
  const conns: Conn[] = [];
  let failed = 0;
  let closedAfterOpen = 0;
  const errors: Record<string, number> = {};
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    // Past maxFailures the rest is not attempted (counted as not opened): a server at its fd limit leaves
    // connects hanging until the timeout, which would make a failing step last minutes.
    while (next < job.count && failed < (job.maxFailures ?? Number.POSITIVE_INFINITY)) {
      const i = next++;
      try {
        conns.push(await connect(job.target, job.hostOffset + i, (event) => event === 'close' && closedAfterOpen++, job.connectTimeoutMs));
      } catch (error) {
        failed++;
        const msg = error instanceof Error ? error.message : String(error);
        errors[msg] = (errors[msg] ?? 0) + 1;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(job.inflight, job.count) }, worker));
  const ms = performance.now() - started;
  print({ event: 'opened', opened: conns.length, failed, notAttempted: job.count - next, errors, closedAfterOpen, ms, fdLimit: fdLimit() });
  setInterval(() => {}, 60_000);
}

async function load(job: Extract<Job, { kind: 'load' }>) {
  const ttfd = new LatencyHistogram();
  const gap = new LatencyHistogram();
  const turnMs = new LatencyHistogram();
  const cache: Record<string, number> = {};
  const errors: Record<string, number> = {};
  let turns = 0;
  let deltas = 0;
  let chars = 0;
  let closes = 0;
  let finishing = false;
  const start = performance.now();
  const measureFrom = start + job.warmupMs;
  const stopAt = measureFrom + job.durationMs;
  const clients = Array.from({ length: job.active }, async (_, c) => {
    let resolveTurn: (() => void) | undefined;
    let sentAt = 0;
    let lastAt = 0;
    let first = true;
    let counted = false;
    const conn = await connect(job.target, c, (event, data) => {
      const now = performance.now();
      if (event === 'delta') {
        if (counted) {
          if (first) ttfd.record(now - sentAt);
          else gap.record(now - lastAt);
          deltas++;
          chars += String(data.text ?? '').length;
        }
        first = false;
        lastAt = now;
      } else if (event === 'done') {
        if (counted) {
          turns++;
          turnMs.record(now - sentAt);
          if (data.cache) cache[data.cache] = (cache[data.cache] ?? 0) + 1;
        }
        resolveTurn?.();
      } else if (event === 'error') {
        errors[data?.code ?? 'error'] = (errors[data?.code ?? 'error'] ?? 0) + 1;
        resolveTurn?.();
      } else if (event === 'close') {
        if (!finishing) closes++;
        resolveTurn?.();
      }
    }, 15_000);
    let n = 0;
    while (performance.now() < stopAt) {
      const id = `t${c}-${n}`;
      const done = new Promise<void>((resolve) => (resolveTurn = resolve));
      sentAt = performance.now();
      first = true;
      counted = sentAt >= measureFrom;
      if (job.target.proto === 'gw') conn.send('chat', { type: 'chat', id, message: `ws bench ${job.nonce} client ${c} turn ${n}: tell me about route ${n}` });
      else conn.send('chat', { id, k: job.sio.k, intervalMs: job.sio.intervalMs });
      n++;
      await Promise.race([done, Bun.sleep(30_000)]);
      if (conn.ws.readyState !== WebSocket.OPEN) break;
    }
    finishing = true;
    conn.close();
  });
  const settled = await Promise.allSettled(clients);
  const connectFailures = settled.filter((s) => s.status === 'rejected').length;
  print({ event: 'result', turns, deltas, chars, cache, errors, closes, connectFailures, ttfd: ttfd.toJSON(), gap: gap.toJSON(), turn: turnMs.toJSON(), elapsedMs: performance.now() - start });
  process.exit(0);
}

async function fanout(job: Extract<Job, { kind: 'fanout' }>) {
  const gw = job.a.proto === 'gw';
  // Per turn id: A's frames as [cumulative chars, time], and its done time.
  const aFrames = new Map<string, Array<[number, number]>>();
  const aDone = new Map<string, number>();
  const aCum = new Map<string, number>();
  let resolveTurn: ((sessionId?: string) => void) | undefined;
  const errors: Record<string, number> = {};
  const countError = (code: string) => (errors[code] = (errors[code] ?? 0) + 1);
  const publisher = await connect(job.a, 0, (event, data) => {
    const now = performance.now();
    if (event === 'delta') {
      const cum = (aCum.get(data.id) ?? 0) + String(data.text).length;
      aCum.set(data.id, cum);
      let frames = aFrames.get(data.id);
      if (!frames) aFrames.set(data.id, (frames = []));
      frames.push([cum, now]);
    } else if (event === 'done') {
      aDone.set(data.id, now);
      resolveTurn?.(data.sessionId);
    } else if (event === 'error') {
      countError(`A:${data?.code}`);
      resolveTurn?.();
    }
  }, 15_000);
  const turnPromise = () => new Promise<string | undefined>((resolve) => (resolveTurn = resolve));

  // The session (gw: created by a first turn on A; sio: a room name).
  let room = `room-${job.nonce}`;
  if (gw) {
    const p = turnPromise();
    publisher.send('chat', { type: 'chat', id: 'create', message: `ws bench ${job.nonce}: open the session` });
    const sessionId = await p;
    if (!sessionId) throw new Error(`no sessionId from the first turn; errors ${JSON.stringify(errors)}`);
    room = sessionId;
  } else {
    await new Promise<void>((resolve) => {
      const prev = resolveTurn;
      void prev;
      publisher.send('join', room, 0);
      setTimeout(resolve, 200); // the ack goes to the handler; a short wait is enough for a local join
    });
  }

  // Subscribers on B: entries [turn id, cumulative chars, time] and done times.
  const bEntries: Array<[string, number, number]> = [];
  const bDone: Array<[string, number]> = [];
  let subscribed = 0;
  let onSubscribed: (() => void) | undefined;
  const subs = await Promise.all(
    Array.from({ length: job.subscribers }, (_, s) => {
      const cum = new Map<string, number>();
      return connect(job.b, s + 1, (event, data) => {
        const now = performance.now();
        if (event === 'delta') {
          const c = (cum.get(data.id) ?? 0) + String(data.text).length;
          cum.set(data.id, c);
          bEntries.push([data.id, c, now]);
        } else if (event === 'done') bDone.push([data.id, now]);
        else if (event === 'subscribed' || event === 'ack') {
          subscribed++;
          if (subscribed === job.subscribers) onSubscribed?.();
        } else if (event === 'error') countError(`B:${data?.code}`);
        else if (event === 'close') countError('B:closed');
      }, 30_000);
    }),
  );
  const allSubscribed = new Promise<void>((resolve) => (onSubscribed = resolve));
  for (const sub of subs) sub.send(gw ? 'subscribe' : 'join', gw ? { type: 'subscribe', sessionId: room } : room, gw ? undefined : 1);
  await Promise.race([allSubscribed, Bun.sleep(30_000)]);
  await Bun.sleep(300);

  const start = performance.now();
  const measureFrom = start + job.warmupMs;
  const stopAt = measureFrom + job.durationMs;
  const cpu0 = process.cpuUsage();
  const measuredTurns = new Set<string>();
  let n = 0;
  while (performance.now() < stopAt) {
    const id = `f${n++}`;
    const p = turnPromise();
    if (performance.now() >= measureFrom) measuredTurns.add(id);
    if (gw) publisher.send('chat', { type: 'chat', id, sessionId: room, message: `ws bench ${job.nonce} fan-out turn ${n}: tell me about route ${n}` });
    else publisher.send('publish', { room, id, k: job.sio.k, intervalMs: job.sio.intervalMs });
    await Promise.race([p, Bun.sleep(30_000)]);
  }
  const cpu = process.cpuUsage(cpu0);
  const measureMs = performance.now() - start;
  await Bun.sleep(1000); // let the last frames reach B

  // The gateway sends subscribers the server's turn id (a UUID), not the id the publisher chose; turns run one
  // after another, so the n-th turn id B sees is the publisher's n-th fan-out turn.
  let remappedIds = 0;
  if (gw) {
    const order = new Map<string, string>();
    for (const e of bEntries) if (!order.has(e[0])) order.set(e[0], `f${order.size}`);
    for (const d of bDone) if (!order.has(d[0])) order.set(d[0], `f${order.size}`);
    for (const e of bEntries) e[0] = order.get(e[0])!;
    for (const d of bDone) d[0] = order.get(d[0])!;
    remappedIds = order.size;
  }

  const delta = new LatencyHistogram();
  const done = new LatencyHistogram();
  let negative = 0;
  let unmatched = 0;
  for (const [id, cum, t] of bEntries) {
    if (!measuredTurns.has(id)) continue;
    const frames = aFrames.get(id);
    const match = frames?.find((f) => f[0] >= cum);
    if (!match) {
      unmatched++;
      continue;
    }
    const d = t - match[1];
    if (d < 0) negative++;
    delta.record(Math.max(0, d));
  }
  for (const [id, t] of bDone) {
    const a = aDone.get(id);
    if (measuredTurns.has(id) && a !== undefined) done.record(Math.max(0, t - a));
  }
  // Completeness: every subscriber should see every char of every measured turn.
  const expectedChars = [...measuredTurns].reduce((sum, id) => sum + (aCum.get(id) ?? 0), 0) * job.subscribers;
  const finalCum = new Map<string, number>();
  for (const [id, cum] of bEntries) if (measuredTurns.has(id)) finalCum.set(id, cum);
  let receivedDone = 0;
  for (const [id] of bDone) if (measuredTurns.has(id)) receivedDone++;
  const aFramesPerTurn = [...measuredTurns].reduce((s, id) => s + (aFrames.get(id)?.length ?? 0), 0) / Math.max(1, measuredTurns.size);
  print({
    event: 'result',
    room,
    turns: measuredTurns.size,
    subscribers: job.subscribers,
    subscribed,
    aFramesPerTurn,
    bFrames: bEntries.length,
    expectedDone: measuredTurns.size * job.subscribers,
    receivedDone,
    expectedChars,
    negative,
    unmatched,
    remappedIds,
    clientCpuMs: (cpu.user + cpu.system) / 1000,
    measureMs,
    errors,
    delta: delta.toJSON(),
    done: done.toJSON(),
  });
  process.exit(0);
}

const job = JSON.parse(Bun.argv[2] ?? '{}') as Job;
if (job.kind === 'hold') await hold(job);
else if (job.kind === 'load') await load(job);
else if (job.kind === 'fanout') await fanout(job);
else {
  console.error('unknown job');
  process.exit(2);
}
