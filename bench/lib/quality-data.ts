/**
 * Data for the quality suite: labelled pairs, context cases and the workload trace, read from ../shared/data
 * (see its README) with fallbacks in bench/data/ for the files the shared folder does not have yet.
 *
 * - pairs: `pairs-handwritten.dev.jsonl` and `paraphrases-gptcache.dev.jsonl`, parsed and validated with the
 *   calibration loader (src/cache/calibration-data.ts), so the bench and `bun run calibrate` read the same rows and
 *   agree on which pair is `tune` and which `holdout`.
 * - context cases: `context-cases.dev.jsonl` when it exists, else bench/data/context-cases.jsonl (written for this
 *   bench because the shared file is missing).
 * - workload: `workload.dev.jsonl` when it exists, else bench/data/workload.jsonl, generated deterministically
 *   from the handwritten pairs by quality-workload.ts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parsePairs, splitPart, type LabelledPair, type SplitPart } from '../../src/cache/calibration-data';

export type { LabelledPair, SplitPart };

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface ContextCase {
  kind: string;
  a: { messages: ChatMessage[] };
  b: { messages: ChatMessage[] };
  same: boolean;
  lang: string;
  why: string;
  line: number;
}

export interface WorkloadRequest {
  seq: number;
  tenant: string;
  intent: string;
  prompt: string;
  /** Optional extras of our generated trace: `popular`, `rare`, `near-miss`, `one-off`; `lang`. */
  class?: string;
  lang?: string;
}

export interface DataSource<T> {
  /** Absolute path the rows were read from. */
  path: string;
  /** `shared` = ../shared/data; `bench` = our own fallback in bench/data/. */
  origin: 'shared' | 'bench';
  rows: T[];
}

export interface QualityData {
  handwritten: DataSource<LabelledPair>;
  gptcache: DataSource<LabelledPair>;
  context: DataSource<ContextCase>;
  workload: DataSource<WorkloadRequest>;
}

export function sharedDataDir(rootDir: string): string {
  return process.env.QUALITY_DATA_DIR ? resolve(process.env.QUALITY_DATA_DIR) : resolve(rootDir, '..', 'shared', 'data');
}

export function benchDataDir(rootDir: string): string {
  return join(rootDir, 'bench', 'data');
}

function readLines(path: string): Array<{ value: Record<string, unknown>; line: number }> {
  const out: Array<{ value: Record<string, unknown>; line: number }> = [];
  const lines = readFileSync(path, 'utf8').split('\n');
  for (const [i, raw] of lines.entries()) {
    if (raw.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      throw new Error(`${path}:${i + 1}: not valid JSON`);
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error(`${path}:${i + 1}: expected a JSON object`);
    out.push({ value: value as Record<string, unknown>, line: i + 1 });
  }
  return out;
}

function messagesOf(value: unknown, where: string): ChatMessage[] {
  const messages = (value as { messages?: unknown } | undefined)?.messages;
  if (!Array.isArray(messages) || messages.length === 0) throw new Error(`${where}: needs {messages: [...]} with at least one message`);
  return messages.map((m, i) => {
    const msg = m as Partial<ChatMessage>;
    if (!['system', 'user', 'assistant'].includes(String(msg.role)) || typeof msg.content !== 'string' || msg.content.trim() === '') {
      throw new Error(`${where}: message ${i + 1} needs a role (system|user|assistant) and non-empty content`);
    }
    return { role: msg.role!, content: msg.content };
  });
}

export function parseContextCases(path: string): ContextCase[] {
  return readLines(path).map(({ value, line }) => {
    const where = `${path}:${line}`;
    if (typeof value.kind !== 'string' || typeof value.same !== 'boolean') throw new Error(`${where}: needs kind (string) and same (boolean)`);
    const a = messagesOf(value.a, `${where} a`);
    const b = messagesOf(value.b, `${where} b`);
    if (b.at(-1)?.role !== 'user' || a.at(-1)?.role !== 'user') throw new Error(`${where}: the last message of a and b must be a user message`);
    return { kind: value.kind, a: { messages: a }, b: { messages: b }, same: value.same, lang: typeof value.lang === 'string' ? value.lang : '?', why: String(value.why ?? ''), line };
  });
}

export function parseWorkload(path: string): WorkloadRequest[] {
  const rows = readLines(path).map(({ value, line }) => {
    const where = `${path}:${line}`;
    const { seq, tenant, intent, prompt } = value;
    if (typeof seq !== 'number' || typeof tenant !== 'string' || typeof intent !== 'string' || typeof prompt !== 'string' || prompt.trim() === '') {
      throw new Error(`${where}: needs {seq: number, tenant, intent, prompt: non-empty string}`);
    }
    return {
      seq,
      tenant,
      intent,
      prompt,
      ...(typeof value.class === 'string' ? { class: value.class } : {}),
      ...(typeof value.lang === 'string' ? { lang: value.lang } : {}),
    };
  });
  return rows.sort((x, y) => x.seq - y.seq);
}

function pairsFrom(path: string): DataSource<LabelledPair> {
  if (!existsSync(path)) throw new Error(`quality data missing: ${path} (set QUALITY_DATA_DIR to the folder with the shared dev data)`);
  return { path, origin: 'shared', rows: parsePairs(readFileSync(path, 'utf8'), path) };
}

function sharedOrBench<T>(shared: string, bench: string, parse: (path: string) => T[]): DataSource<T> {
  if (existsSync(shared)) return { path: shared, origin: 'shared', rows: parse(shared) };
  if (existsSync(bench)) return { path: bench, origin: 'bench', rows: parse(bench) };
  throw new Error(`quality data missing: neither ${shared} nor ${bench} exists`);
}

export function loadQualityData(rootDir: string): QualityData {
  const shared = sharedDataDir(rootDir);
  const bench = benchDataDir(rootDir);
  return {
    handwritten: pairsFrom(join(shared, 'pairs-handwritten.dev.jsonl')),
    gptcache: pairsFrom(join(shared, 'paraphrases-gptcache.dev.jsonl')),
    context: sharedOrBench(join(shared, 'context-cases.dev.jsonl'), join(bench, 'context-cases.jsonl'), parseContextCases),
    workload: sharedOrBench(join(shared, 'workload.dev.jsonl'), join(bench, 'workload.jsonl'), parseWorkload),
  };
}

export { splitPart };

/** Every `step`-th row starting at 0: a deterministic subset that keeps the file's mix of kinds and languages. */
export function everyNth<T>(rows: readonly T[], step: number): T[] {
  return step <= 1 ? [...rows] : rows.filter((_, i) => i % step === 0);
}
