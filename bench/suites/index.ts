/**
 * Every bench suite, in the order `bun run bench` runs them by default. To add one, write
 * `bench/suites/<name>.ts` exporting a `Suite` (see ../lib/suite.ts) and append it here.
 */
import type { Suite } from '../lib/suite';
import { opsSuite } from './ops';
import { overheadSuite } from './overhead';
import { qualitySuite } from './quality';
import { wsSuite } from './ws';

export const suites: readonly Suite[] = [overheadSuite, qualitySuite, opsSuite, wsSuite];
