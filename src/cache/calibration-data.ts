/**
 * Labelled pairs for threshold calibration: loading, validation and the deterministic tuning/held-out split.
 *
 * A pair file is JSON Lines, one `{a, b, same, kind?, lang?, source?, why?}` per line (the shape of
 * ../shared/data/pairs-handwritten.dev.jsonl and paraphrases-gptcache.dev.jsonl). `kind` defaults to `paraphrase`
 * for `same: true` and `negative` otherwise; `lang` defaults to `?`.
 *
 * The split is a pure function of the pair's text (FNV-1a of `a`, a NUL, `b`), so it is the same on every machine,
 * for every embedder and in every run, and adding or removing other lines never moves a pair between parts.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';

export interface LabelledPair {
  a: string;
  b: string;
  same: boolean;
  kind: string;
  lang: string;
  /** The file's base name, e.g. `pairs-handwritten.dev.jsonl`: results are reported per file. */
  file: string;
  /** 1-based line number in `file`, for error messages and debugging output. */
  line: number;
}

export type SplitPart = 'tune' | 'holdout';

/** Share of pairs (in percent) that land in the tuning part; the rest is held out. */
export const TUNE_PERCENT = 70;

/** Raised for unreadable or malformed input; the CLI prints `message` and exits 2 (no stack trace). */
export class CalibrationInputError extends Error {
  override readonly name = 'CalibrationInputError';
}

/** 32-bit FNV-1a over UTF-16 code units (http://www.isthe.com/chongo/tech/comp/fnv/). */
export function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** Which part a pair belongs to: about `TUNE_PERCENT`% `tune`, the rest `holdout`, decided by its text alone. */
export function splitPart(pair: { a: string; b: string }, tunePercent: number = TUNE_PERCENT): SplitPart {
  return fnv1a32(`${pair.a}\u0000${pair.b}`) % 100 < tunePercent ? 'tune' : 'holdout';
}

/** Parses JSON Lines text into validated pairs; `file` is used for labels and error messages. */
export function parsePairs(text: string, file: string): LabelledPair[] {
  const name = basename(file);
  const pairs: LabelledPair[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.trim();
    if (raw === '') continue;
    const where = `${file}:${i + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      throw new CalibrationInputError(`${where}: not valid JSON`);
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new CalibrationInputError(`${where}: expected a JSON object {a, b, same}`);
    }
    const row = value as Record<string, unknown>;
    for (const field of ['a', 'b'] as const) {
      if (typeof row[field] !== 'string' || (row[field] as string).trim() === '') {
        throw new CalibrationInputError(`${where}: "${field}" must be a non-empty string`);
      }
    }
    if (typeof row.same !== 'boolean') throw new CalibrationInputError(`${where}: "same" must be true or false`);
    for (const field of ['kind', 'lang'] as const) {
      if (row[field] !== undefined && typeof row[field] !== 'string') {
        throw new CalibrationInputError(`${where}: "${field}" must be a string when present`);
      }
    }
    pairs.push({
      a: row.a as string,
      b: row.b as string,
      same: row.same,
      kind: (row.kind as string | undefined) ?? (row.same ? 'paraphrase' : 'negative'),
      lang: (row.lang as string | undefined) ?? '?',
      file: name,
      line: i + 1,
    });
  }
  if (pairs.length === 0) throw new CalibrationInputError(`${file}: no pairs (the file is empty)`);
  return pairs;
}

/** Reads and validates one pair file; a missing or unreadable file is a `CalibrationInputError`. */
export async function loadPairsFile(path: string): Promise<LabelledPair[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (code ?? 'unreadable');
    throw new CalibrationInputError(`cannot read ${path}: ${why}`);
  }
  return parsePairs(text, path);
}
