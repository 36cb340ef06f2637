/**
 * `runLoad`: the closed-loop load generator (load-core.ts) run in its own Bun process, one per measurement.
 *
 * Why a separate process rather than the bench's own loop or a Worker: the generator is CPU-hungry at high
 * concurrency (fetch, body reads, timing), and on a small machine whatever shares its event loop or heap with
 * it gets measured too. A fresh process per measurement has its own event loop, its own GC heap (garbage from
 * the previous cell is not collected during this one), and its own CPU accounting, which the result reports
 * (`loadCpuShare` near 1.0 means the generator, not the server, was the limit). Servers run in their own
 * processes too (servers.ts). The price is ~100 ms of process start per measurement, outside the window.
 */
import { join } from 'node:path';
import type { LoadOptions, LoadResult } from './load-core';
import { spawnManaged } from './processes';

export type { BodyFn, LoadOptions, LoadResult } from './load-core';

export const RESULT_MARKER = '@@bench-load-result ';

/** What crosses the process boundary: LoadOptions with the body function as source text. */
export interface SerializedLoad extends Omit<LoadOptions, 'body'> {
  body?: { kind: 'text'; text: string } | { kind: 'function'; source: string };
}

/** Rebuilds a body function from its source; throws a message a person can act on. */
export function rebuildBodyFn(source: string): (seq: number, args: unknown) => string {
  let fn: unknown;
  try {
    fn = new Function(`return (${source});`)();
  } catch (error) {
    throw new Error(`runLoad: the body function cannot be rebuilt from its source (use an arrow function or a function expression, not a method): ${String(error)}`);
  }
  if (typeof fn !== 'function') throw new Error('runLoad: body source is not a function');
  return fn as (seq: number, args: unknown) => string;
}

export function serializeLoad(options: LoadOptions): SerializedLoad {
  const { body, ...rest } = options;
  if (body === undefined) return rest;
  if (typeof body === 'string') return { ...rest, body: { kind: 'text', text: body } };
  const source = body.toString();
  // Fail here, with the reason, rather than as a stream of errors in the child.
  const rebuilt = rebuildBodyFn(source);
  let sample: unknown;
  try {
    sample = rebuilt(0, options.bodyArgs);
  } catch (error) {
    throw new Error(`runLoad: the body function must be self-contained (only its arguments and globals) because it runs in another process: ${String(error)}`);
  }
  if (typeof sample !== 'string') throw new Error('runLoad: the body function must return a string');
  return { ...rest, body: { kind: 'function', source } };
}

export interface RunLoadExtras {
  /** Label for error messages. */
  name?: string;
  /** Extra environment for the load process. */
  env?: Record<string, string>;
}

export async function runLoad(options: LoadOptions, extras: RunLoadExtras = {}): Promise<LoadResult> {
  const spec = serializeLoad(options);
  const name = extras.name ?? `load ${options.url} c=${options.concurrency}`;
  const child = spawnManaged({
    name,
    cmd: [process.execPath, join(import.meta.dir, 'load-process.ts')],
    cwd: import.meta.dir,
    env: {
      ...process.env,
      // Bun caps concurrent fetches (256 by default); never let that cap be the thing measured.
      BUN_CONFIG_MAX_HTTP_REQUESTS: String(Math.max(256, options.concurrency * 2)),
      ...extras.env,
    },
    input: JSON.stringify(spec),
  });
  const budget = 20_000 + (options.warmupMs ?? 0) + options.durationMs + (options.drainTimeoutMs ?? 30_000);
  try {
    const result = await child.waitForLine((line) => (line.startsWith(RESULT_MARKER) ? (JSON.parse(line.slice(RESULT_MARKER.length)) as LoadResult) : undefined), budget);
    await child.exited;
    return result;
  } catch (error) {
    throw new Error(`${name} failed: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    await child.stop(2000);
  }
}
