/**
 * A deterministic workload trace for the quality suite, built from the shared dev pairs because the shared
 * `workload.dev.jsonl` does not exist yet. `bun run bench/lib/quality-workload.ts` (re)writes
 * bench/data/workload.jsonl; the same inputs always give the same file (seeded PRNG, no clock).
 *
 * What goes in (see bench/README.md, "Quality data written for the bench"):
 * - **intents** are groups of texts that deserve one answer: the two sides of every `same: true` handwritten pair,
 *   joined when pairs share a text (union-find on the exact text). A `same: false` pair whose two sides fall in one
 *   group would make the trace contradict its source; the generator refuses to write one.
 * - **popular** intents (a Zipf-like head) and **rare** intents (1-2 requests) for tenant `city`; each request
 *   picks one of the intent's texts, sometimes with a meaning-preserving surface change (lower case, trailing
 *   punctuation dropped, a short polite prefix), so some repeats are exact and some are paraphrases.
 * - **near-miss** intents: both sides of `same: false` handwritten pairs (negation, numbers, entities, ...), each
 *   side its own intent (or the intent of the paraphrase group it belongs to), so a hit from one side on the
 *   other is a false hit.
 * - **one-off** questions `u-…` asked once: the `a` side of GPTCache paraphrase pairs (distinct after
 *   normalising), never repeated, so any hit on them is wrong.
 * - a second tenant `county` asking some of city's popular intents (an answer must never cross tenants) plus a
 *   few one-offs of its own.
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parsePairs, type LabelledPair } from '../../src/cache/calibration-data';
import { seededRandom } from '../../embeddings/seeded-random';
import type { WorkloadRequest } from './quality-data';

export const WORKLOAD_SEED = 0x5eed_2024;

function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

const normalise = (text: string) => text.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim();

interface Group {
  id: string;
  lang: string;
  texts: string[];
}

/** Meaning-preserving surface variants of a prompt (the cache should treat them as the same question). */
function surfaceVariant(text: string, lang: string, random: () => number): string {
  const r = random();
  if (r < 0.35) return text.toLowerCase();
  if (r < 0.65) return text.replace(/[?.!]+\s*$/, '');
  const prefixes = lang === 'de' ? ['Kurze Frage: ', 'Hallo, ', 'Bitte: '] : ['Quick question: ', 'Hi, ', 'Please tell me: '];
  const prefix = prefixes[Math.floor(random() * prefixes.length)]!;
  return prefix + text.charAt(0).toLowerCase() + text.slice(1);
}

export interface WorkloadOptions {
  seed?: number;
  popularIntents?: number;
  rareIntents?: number;
  nearMissPairs?: number;
  oneOffs?: number;
  countyPopular?: number;
  countyOneOffs?: number;
}

export function generateWorkload(handwritten: LabelledPair[], gptcache: LabelledPair[], options: WorkloadOptions = {}): WorkloadRequest[] {
  const random = seededRandom(options.seed ?? WORKLOAD_SEED);

  // Union-find over exact texts, joined by same-meaning pairs.
  const parent = new Map<string, string>();
  const find = (t: string): string => {
    let root = t;
    while (parent.get(root) !== root) root = parent.get(root)!;
    parent.set(t, root);
    return root;
  };
  const add = (t: string) => (parent.has(t) ? undefined : parent.set(t, t));
  for (const p of handwritten) {
    add(p.a);
    add(p.b);
    if (p.same) parent.set(find(p.b), find(p.a));
  }
  const groups = new Map<string, Group>();
  const langOf = new Map<string, string>();
  const firstLine = new Map<string, number>();
  for (const p of handwritten) {
    for (const t of [p.a, p.b]) {
      langOf.set(t, p.lang);
      if (!firstLine.has(t)) firstLine.set(t, p.line);
    }
  }
  for (const t of parent.keys()) {
    const root = find(t);
    const g = groups.get(root) ?? { id: '', lang: langOf.get(t) ?? '?', texts: [] };
    g.texts.push(t);
    groups.set(root, g);
  }
  for (const g of groups.values()) {
    g.texts.sort((x, y) => firstLine.get(x)! - firstLine.get(y)! || (x < y ? -1 : 1));
    g.id = `i-${firstLine.get(g.texts[0]!)}`;
  }
  for (const p of handwritten) {
    if (!p.same && find(p.a) === find(p.b)) throw new Error(`line ${p.line}: a same:false pair whose sides are joined by same:true pairs`);
  }
  const groupOf = (t: string) => groups.get(find(t))!;

  const paraphraseGroups = shuffle(
    [...groups.values()].filter((g) => g.texts.length >= 2).sort((x, y) => (x.id < y.id ? -1 : 1)),
    random,
  );
  const popularCount = options.popularIntents ?? 25;
  const rareCount = options.rareIntents ?? 60;
  const popular = paraphraseGroups.slice(0, popularCount);
  const rare = paraphraseGroups.slice(popularCount, popularCount + rareCount);

  const requests: Array<Omit<WorkloadRequest, 'seq'>> = [];
  const ask = (tenant: string, g: Group, klass: string, exact = false) => {
    const base = g.texts[Math.floor(random() * g.texts.length)]!;
    const prompt = !exact && random() < 0.3 ? surfaceVariant(base, g.lang, random) : base;
    requests.push({ tenant, intent: g.id, prompt, class: klass, lang: g.lang });
  };

  // Popular head: request counts fall off like 1/rank^0.7, from 40 down to 5.
  for (const [rank, g] of popular.entries()) {
    const n = Math.max(5, Math.round(40 / (rank + 1) ** 0.7));
    for (let i = 0; i < n; i++) ask('city', g, 'popular');
  }
  for (const g of rare) {
    const n = random() < 0.6 ? 1 : 2;
    for (let i = 0; i < n; i++) ask('city', g, 'rare');
  }

  // Near misses: both sides of hard negatives, each its own intent (or the paraphrase group it is part of).
  const negatives = shuffle(handwritten.filter((p) => !p.same), random).slice(0, options.nearMissPairs ?? 60);
  for (const p of negatives) {
    for (const side of [p.a, p.b]) {
      const g = groupOf(side);
      const single = g.texts.length === 1;
      const n = random() < 0.2 ? 2 : 1;
      for (let i = 0; i < n; i++) {
        if (single) requests.push({ tenant: 'city', intent: g.id, prompt: side, class: 'near-miss', lang: g.lang });
        else ask('city', g, 'near-miss');
      }
    }
  }

  // One-off questions: distinct GPTCache `a` texts, never repeated.
  const seen = new Set<string>();
  const oneOffPool = shuffle(
    gptcache.filter((p) => {
      const key = normalise(p.a);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    }),
    random,
  );
  const cityOneOffs = options.oneOffs ?? 80;
  const countyOneOffs = options.countyOneOffs ?? 12;
  for (const p of oneOffPool.slice(0, cityOneOffs)) requests.push({ tenant: 'city', intent: `u-${p.line}`, prompt: p.a, class: 'one-off', lang: 'en' });

  // Second tenant: some of city's popular intents (same texts: a cross-tenant hit would be easy) and its own one-offs.
  for (const g of popular.slice(0, options.countyPopular ?? 12)) {
    for (let i = 0; i < 4; i++) ask('county', g, 'popular');
  }
  for (const p of oneOffPool.slice(cityOneOffs, cityOneOffs + countyOneOffs)) {
    requests.push({ tenant: 'county', intent: `u-${p.line}`, prompt: p.a, class: 'one-off', lang: 'en' });
  }

  return shuffle(requests, random).map((r, i) => ({ seq: i + 1, ...r }));
}

if (import.meta.main) {
  const rootDir = resolve(import.meta.dir, '..', '..');
  const shared = process.env.QUALITY_DATA_DIR ? resolve(process.env.QUALITY_DATA_DIR) : resolve(rootDir, '..', 'shared', 'data');
  const read = (name: string) => parsePairs(readFileSync(join(shared, name), 'utf8'), join(shared, name));
  const trace = generateWorkload(read('pairs-handwritten.dev.jsonl'), read('paraphrases-gptcache.dev.jsonl'));
  const out = join(rootDir, 'bench', 'data', 'workload.jsonl');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${trace.map((r) => JSON.stringify(r)).join('\n')}\n`);
  const seen = new Set<string>();
  let repeats = 0;
  for (const r of trace) {
    const key = `${r.tenant}\u0000${r.intent}`;
    if (seen.has(key)) repeats++;
    seen.add(key);
  }
  const byClass: Record<string, number> = {};
  for (const r of trace) byClass[`${r.tenant}/${r.class}`] = (byClass[`${r.tenant}/${r.class}`] ?? 0) + 1;
  process.stdout.write(`${out}: ${trace.length} requests, ${seen.size} (tenant, intent), oracle hit rate ${(repeats / trace.length).toFixed(3)}\n${JSON.stringify(byClass)}\n`);
}
