/**
 * Child processes for benches: spawn with piped, always-drained output (a full pipe would stall the child
 * and skew the figures), wait for a log line or an HTTP probe, and stop reliably: SIGTERM, then SIGKILL after a
 * timeout. Every live child is tracked so that a SIGINT/SIGTERM of the bench, or its exit, takes them down too.
 */
import type { Subprocess } from 'bun';

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly proc: Subprocess;
  /** Resolves with the exit code (or signal number + 128) once the process is gone. */
  readonly exited: Promise<number>;
  /** Last lines of stdout+stderr, for error messages. */
  tail(lines?: number): string[];
  /** Resolves with the first line (parsed as JSON when it is JSON) that `match` accepts. */
  waitForLine<T = unknown>(match: (line: string, json: Record<string, unknown> | undefined) => T | undefined, timeoutMs: number): Promise<T>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. Idempotent. */
  stop(graceMs?: number): Promise<void>;
}

export interface SpawnOptions {
  name: string;
  cmd: string[];
  cwd: string;
  env: Record<string, string | undefined>;
  /** Lines kept for `tail`. Default 200. */
  keepLines?: number;
  /** Written to the child's stdin, which is then closed; default: no stdin. */
  input?: string;
}

const live = new Set<ManagedProcess>();
let handlersInstalled = false;

/** Installs exit/signal handlers once: children never outlive the bench. `onSignal` runs before exiting. */
export function installCleanupHandlers(onSignal?: (signal: NodeJS.Signals) => void): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  // Last resort on any exit path: synchronous SIGKILL of whatever is left.
  process.on('exit', () => {
    for (const child of live) child.proc.kill('SIGKILL');
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      onSignal?.(signal);
      void stopAll().finally(() => process.exit(130));
    });
  }
}

export async function stopAll(graceMs = 3000): Promise<void> {
  await Promise.all([...live].map((child) => child.stop(graceMs)));
}

export function spawnManaged(options: SpawnOptions): ManagedProcess {
  const keep = options.keepLines ?? 200;
  const lines: string[] = [];
  const watchers = new Set<(line: string) => void>();
  const env = Object.fromEntries(Object.entries(options.env).filter((e): e is [string, string] => e[1] !== undefined));
  const proc = Bun.spawn({ cmd: options.cmd, cwd: options.cwd, env, stdin: options.input === undefined ? 'ignore' : new Blob([options.input]), stdout: 'pipe', stderr: 'pipe' });
  const exited = proc.exited.then((code) => {
    live.delete(managed);
    return code;
  });

  const onLine = (line: string) => {
    lines.push(line);
    if (lines.length > keep) lines.shift();
    for (const watcher of watchers) watcher(line);
  };
  void drain(proc.stdout, onLine);
  void drain(proc.stderr, onLine);

  let stopping: Promise<void> | undefined;
  const managed: ManagedProcess = {
    name: options.name,
    pid: proc.pid,
    proc,
    exited,
    tail: (n = 30) => lines.slice(-n),
    waitForLine(match, timeoutMs) {
      return new Promise((resolve, reject) => {
        let done = false;
        const finish = (settle: () => void) => {
          if (done) return;
          done = true;
          clearTimeout(timer);
          watchers.delete(check);
          settle();
        };
        const check = (line: string) => {
          let json: Record<string, unknown> | undefined;
          if (line.startsWith('{')) {
            try {
              json = JSON.parse(line);
            } catch {
              json = undefined;
            }
          }
          const found = match(line, json);
          if (found !== undefined) finish(() => resolve(found));
        };
        const timer = setTimeout(
          () => finish(() => reject(new Error(`${options.name}: no matching log line within ${timeoutMs} ms. Last output:\n${managed.tail().join('\n')}`))),
          timeoutMs,
        );
        void exited.then((code) =>
          finish(() => reject(new Error(`${options.name} exited with code ${code} before it was ready. Last output:\n${managed.tail().join('\n')}`))),
        );
        for (const line of lines) check(line);
        if (!done) watchers.add(check);
      });
    },
    stop(graceMs = 5000) {
      stopping ??= (async () => {
        if (proc.exitCode !== null || proc.signalCode !== null) return;
        proc.kill('SIGTERM');
        const gone = await Promise.race([exited.then(() => true), Bun.sleep(graceMs).then(() => false)]);
        if (!gone) {
          proc.kill('SIGKILL');
          await exited;
        }
      })();
      return stopping;
    },
  };
  live.add(managed);
  return managed;
}

async function drain(stream: ReadableStream<Uint8Array>, onLine: (line: string) => void): Promise<void> {
  const decoder = new TextDecoder();
  let buffered = '';
  const reader = stream.getReader();
  try {
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      buffered += decoder.decode(chunk.value, { stream: true });
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        onLine(buffered.slice(0, nl));
        buffered = buffered.slice(nl + 1);
      }
    }
  } catch {
    // The child went away mid-read; what we have is all there is.
  }
  if (buffered) onLine(buffered);
}

/** Polls `url` until it answers `status` (default 200); rejects on timeout or when `exited` settles first. */
export async function waitForHttp(url: string, options: { timeoutMs: number; status?: number; exited?: Promise<number>; name?: string }): Promise<void> {
  const deadline = performance.now() + options.timeoutMs;
  let gone: number | undefined;
  void options.exited?.then((code) => (gone = code));
  let last = 'no answer';
  while (performance.now() < deadline) {
    if (gone !== undefined) throw new Error(`${options.name ?? url} exited with code ${gone} before it was ready`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      if (response.status === (options.status ?? 200)) return;
      last = `status ${response.status}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await Bun.sleep(100);
  }
  throw new Error(`${options.name ?? url} not ready within ${options.timeoutMs} ms (${last})`);
}

/** A TCP port that was free a moment ago (bind to 0, read, close). Racy in theory, fine for a bench. */
export function freePort(): number {
  const server = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response() });
  const port = server.port!;
  server.stop(true);
  return port;
}
