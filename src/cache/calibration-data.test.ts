import { describe, expect, test } from 'bun:test';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CalibrationInputError, fnv1a32, loadPairsFile, parsePairs, splitPart } from './calibration-data';

describe('calibration data', () => {
  test('parses pairs with defaults for kind and lang and skips blank lines', () => {
    const pairs = parsePairs('{"a":"x","b":"y","same":true}\n\n{"a":"p","b":"q","same":false,"kind":"unit","lang":"de"}\n', '/data/f.jsonl');
    expect(pairs).toEqual([
      { a: 'x', b: 'y', same: true, kind: 'paraphrase', lang: '?', file: 'f.jsonl', line: 1 },
      { a: 'p', b: 'q', same: false, kind: 'unit', lang: 'de', file: 'f.jsonl', line: 3 },
    ]);
  });

  test('names the file and line of malformed input', () => {
    expect(() => parsePairs('{"a":"x","b":"y","same":true}\nnot json', 'f.jsonl')).toThrow('f.jsonl:2: not valid JSON');
    expect(() => parsePairs('{"a":"","b":"y","same":true}', 'f.jsonl')).toThrow('"a" must be a non-empty string');
    expect(() => parsePairs('{"a":"x","b":"y","same":"yes"}', 'f.jsonl')).toThrow('"same" must be true or false');
    expect(() => parsePairs('[1,2]', 'f.jsonl')).toThrow('expected a JSON object');
    expect(() => parsePairs('\n\n', 'f.jsonl')).toThrow(CalibrationInputError);
  });

  test('reports a missing file as an input error', async () => {
    await expect(loadPairsFile('/nonexistent/pairs.jsonl')).rejects.toThrow('cannot read /nonexistent/pairs.jsonl: no such file');
    const dir = await mkdtemp(join(tmpdir(), 'calib-'));
    await expect(loadPairsFile(dir)).rejects.toThrow('is a directory');
    await writeFile(join(dir, 'ok.jsonl'), '{"a":"x","b":"y","same":false}\n');
    expect(await loadPairsFile(join(dir, 'ok.jsonl'))).toHaveLength(1);
  });

  test('splits deterministically by the pair text into about 70% tuning and 30% held out', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    const pairs = Array.from({ length: 2000 }, (_, i) => ({ a: `question ${i}`, b: `reworded ${i}` }));
    const tune = pairs.filter((p) => splitPart(p) === 'tune').length;
    expect(tune / pairs.length).toBeGreaterThan(0.65);
    expect(tune / pairs.length).toBeLessThan(0.75);
    expect(pairs.map((p) => splitPart(p))).toEqual(pairs.map((p) => splitPart({ ...p })));
    expect(splitPart({ a: 'x', b: 'y' })).not.toBe(undefined);
  });
});
