/**
 * `bun run bench [-- options]`: runs bench suites, prints a table per suite and writes every result, with the
 * machine it ran on, as JSON (default bench/results/latest.json).
 *
 *   --suite NAME     run only this suite; repeat it or give a comma list (default: every registered suite)
 *   --quick          smoke run: a few seconds per cell
 *   --out FILE       where the JSON goes (relative to the current directory)
 *   --rounds N       override a suite's number of rounds
 *   --duration MS    override the measured window per measurement
 *   --warmup MS      override the warm-up per measurement
 *   --profile        CPU-profile the servers suites start (Bun --cpu-prof) into bench/results/profiles/;
 *                    profiled figures are slower and not comparable with unprofiled ones
 *   --cluster-ramp K ws suite only: also ramp idle connections across K gateway instances on this machine
 *                    (25k → 200k total split evenly; adds a table and ~30 s-1 min)
 *   --list           print the suites and exit
 *
 * DATABASE_URL / REDIS_URL in the bench's environment are passed to the gateways it starts.
 * Exit codes: 0 ok, 1 a suite failed, 2 bad arguments, 130 interrupted.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { machineInfo } from './lib/machine';
import { installCleanupHandlers } from './lib/processes';
import type { SuiteResult } from './lib/suite';
import { renderTable } from './lib/table';
import { suites } from './suites/index';

const rootDir = resolve(import.meta.dir, '..');

function usage(): string {
  return [
    'usage: bun run bench [-- --suite NAME[,NAME]] [--quick] [--out FILE] [--rounds N] [--duration MS] [--warmup MS] [--profile] [--cluster-ramp K] [--list]',
    'suites:',
    ...suites.map((s) => `  ${s.name.padEnd(12)} ${s.description}`),
  ].join('\n');
}

function fail(message: string): never {
  process.stderr.write(`${message}\n\n${usage()}\n`);
  process.exit(2);
}

let args: ReturnType<typeof parse>;
function parse() {
  return parseArgs({
    args: Bun.argv.slice(2),
    options: {
      suite: { type: 'string', multiple: true },
      quick: { type: 'boolean', default: false },
      out: { type: 'string' },
      rounds: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      profile: { type: 'boolean', default: false },
      'cluster-ramp': { type: 'string' },
      list: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
}
try {
  args = parse();
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}
if (args.values.help || args.values.list) {
  process.stdout.write(`${usage()}\n`);
  process.exit(0);
}

const positiveInt = (flag: string, raw: string | undefined) => {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) fail(`--${flag} needs a positive integer, got '${raw}'`);
  return n;
};
const overrides = {
  rounds: positiveInt('rounds', args.values.rounds),
  durationMs: positiveInt('duration', args.values.duration),
  warmupMs: args.values.warmup === '0' ? 0 : positiveInt('warmup', args.values.warmup),
  wsClusterInstances: positiveInt('cluster-ramp', args.values['cluster-ramp']),
};

const requested = (args.values.suite ?? []).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
const unknown = requested.filter((name) => !suites.some((s) => s.name === name));
if (unknown.length > 0) fail(`unknown suite${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}. Valid suites: ${suites.map((s) => s.name).join(', ')}`);
const selected = requested.length === 0 ? suites : suites.filter((s) => requested.includes(s.name));

const outFile = args.values.out ? resolve(process.cwd(), args.values.out) : join(rootDir, 'bench', 'results', 'latest.json');
const quick = args.values.quick;
const interrupted = new AbortController();
installCleanupHandlers(() => interrupted.abort());
const log = (line: string) => process.stderr.write(`${line}\n`);

const machine = machineInfo(rootDir);
log(
  `bench: ${selected.map((s) => s.name).join(', ')}${quick ? ' (quick)' : ''} on ${machine.cores} cores, Bun ${machine.bun}, ` +
    `load ${machine.loadAvg.join('/')}, commit ${machine.git.commit?.slice(0, 10) ?? '?'}${machine.git.dirtyFiles ? ` (+${machine.git.dirtyFiles} uncommitted)` : ''}`,
);

interface SuiteRecord extends Partial<SuiteResult> {
  description: string;
  durationMs: number;
  error?: string;
}
const results: Record<string, SuiteRecord> = {};
let failed = false;
for (const suite of selected) {
  if (interrupted.signal.aborted) break;
  log(`\n== ${suite.name}: ${suite.description}`);
  const started = performance.now();
  try {
    const result = await suite.run({
      quick,
      rootDir,
      signal: interrupted.signal,
      log,
      overrides,
      profileDir: args.values.profile ? join(rootDir, 'bench', 'results', 'profiles', new Date().toISOString().replace(/[:.]/g, '-')) : undefined,
      services: { databaseUrl: process.env.DATABASE_URL || undefined, redisUrl: process.env.REDIS_URL || undefined },
    });
    results[suite.name] = { description: suite.description, durationMs: Math.round(performance.now() - started), ...result };
    process.stdout.write(`\n${result.tables.map(renderTable).join('\n\n')}\n`);
  } catch (error) {
    failed = true;
    const message = error instanceof Error ? error.message : String(error);
    results[suite.name] = { description: suite.description, durationMs: Math.round(performance.now() - started), error: message };
    log(`suite ${suite.name} FAILED: ${message}`);
  }
}

mkdirSync(dirname(outFile), { recursive: true });
const json = JSON.stringify(
  { version: 1, quick, argv: Bun.argv.slice(2), machine, finishedAt: new Date().toISOString(), loadAvgAtEnd: loadavg().map((n) => Math.round(n * 100) / 100), suites: results },
  null,
  2,
);
// Short arrays of plain numbers (histogram buckets, ranges) on one line: a third of the size, still diffable.
writeFileSync(outFile, `${json.replace(/\[\s+(-?[\d.e+-]+(?:,\s+-?[\d.e+-]+){0,3})\s+\]/g, (_m, inner: string) => `[${inner.replace(/\s+/g, '')}]`)}\n`);
log(`\nresults: ${outFile}`);
process.exit(failed ? 1 : 0);
