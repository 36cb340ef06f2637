/**
 * Every bench suite, in the order `bun run bench` runs them by default. To add one, write
 * `bench/suites/<name>.ts` exporting a `Suite` (see ../lib/suite.ts) and append it here.
 */
import type { Suite } from '../lib/suite';
import { overheadSuite } from './overhead';
import { qualitySuite } from './quality';

export const suites: readonly Suite[] = [overheadSuite, qualitySuite];
