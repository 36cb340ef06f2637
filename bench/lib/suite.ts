/**
 * The shape every bench suite has. A suite is a module in bench/suites/ registered in bench/suites/index.ts;
 * `bench/run.ts` picks suites by name, hands each a `SuiteContext`, prints the returned tables and writes the
 * returned `data` (plain JSON) into bench/results/latest.json under the suite's name.
 */
import type { Table } from './table';

export interface SuiteContext {
  /** `--quick`: a smoke run of a few seconds per cell. Suites shrink rounds and durations, never skip cells. */
  quick: boolean;
  /** Repository root (absolute); spawn servers from here so the bench works from any cwd. */
  rootDir: string;
  /** Aborted on SIGINT/SIGTERM of the bench: stop starting new work, let `finally` blocks clean up. */
  signal: AbortSignal;
  /** Progress lines for the person watching (stderr); results go in tables and data, not here. */
  log(line: string): void;
  /**
   * Overrides from the command line (`--rounds`, `--duration`, `--warmup`); undefined = suite default.
   * `wsClusterInstances` (`--cluster-ramp K`): the ws suite also runs its cluster ramp across K gateway instances.
   */
  overrides: { rounds?: number; durationMs?: number; warmupMs?: number; wsClusterInstances?: number };
  /**
   * `--profile`: a directory where suites may ask Bun for CPU profiles of the servers they start
   * (see `cpuProfileArgs` in lib/servers.ts). Undefined when not profiling: profiling slows servers down.
   */
  profileDir?: string;
  /** Optional external services to pass to gateways (from the bench's DATABASE_URL / REDIS_URL). */
  services: { databaseUrl?: string; redisUrl?: string };
}

export interface SuiteResult {
  /** Printed in order, and stored in the JSON too. */
  tables: Table[];
  /** Anything JSON-serialisable: raw per-round figures, settings, diagnostics. */
  data: unknown;
}

export interface Suite {
  /** Lower-case, used by `--suite NAME`. */
  name: string;
  /** One line for `--help` and the JSON. */
  description: string;
  run(ctx: SuiteContext): Promise<SuiteResult>;
}
