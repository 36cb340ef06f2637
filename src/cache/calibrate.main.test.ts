import { describe, expect, test } from 'bun:test';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const MAIN = join(import.meta.dir, 'calibrate.main.ts');

async function run(args: string[]) {
  const proc = Bun.spawn(['bun', 'run', MAIN, ...args], { stdout: 'pipe', stderr: 'pipe', cwd: join(import.meta.dir, '..', '..') });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { stdout, stderr, code };
}

describe('calibrate command', () => {
  test('exits 2 with a clear message and no stack trace for a missing file', async () => {
    const { code, stderr } = await run(['--data', '/nonexistent.jsonl', '--max-false-hit', '0.01', '--embedder', 'hash']);
    expect(code).toBe(2);
    expect(stderr).toContain('cannot read /nonexistent.jsonl: no such file');
    expect(stderr).not.toContain('    at ');
  });

  test('exits 2 for bad or missing flags', async () => {
    for (const args of [
      ['--max-false-hit', '0.01'],
      ['--data', 'x.jsonl'],
      ['--data', 'x.jsonl', '--max-false-hit', 'lots'],
      ['--data', 'x.jsonl', '--max-false-hit', '1.5'],
      ['--data', 'x.jsonl', '--max-false-hit', '0.01', '--embedder', 'bert'],
      ['--data', 'x.jsonl', '--max-false-hit', '0.01', '--frobnicate'],
    ]) {
      const { code, stderr } = await run(args);
      expect({ args, code }).toEqual({ args, code: 2 });
      expect(stderr).toContain('calibrate:');
      expect(stderr).not.toContain('    at ');
    }
  });

  test('exits 2 for invalid JSON lines and for data without negatives', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'calibrate-'));
    await writeFile(join(dir, 'bad.jsonl'), '{"a":"x","b":"y","same":true}\n{oops\n');
    await writeFile(join(dir, 'pos.jsonl'), '{"a":"x","b":"y","same":true}\n');
    const bad = await run(['--data', join(dir, 'bad.jsonl'), '--max-false-hit', '0.01', '--embedder', 'hash']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('bad.jsonl:2: not valid JSON');
    const pos = await run(['--data', join(dir, 'pos.jsonl'), '--max-false-hit', '0.01', '--embedder', 'hash']);
    expect(pos.code).toBe(2);
    expect(pos.stderr).toContain('no pair with "same": false');
  });

  test('prints the lowest threshold meeting the target, the hit rate and a per-kind table', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'calibrate-'));
    const lines = [
      { a: 'How much is the dog tax for 2 dogs?', b: 'How much is the dog tax for 3 dogs?', same: false, kind: 'number', lang: 'en' },
      { a: 'Welche Medien kann ich verlängern?', b: 'Welche Medien kann ich nicht verlängern?', same: false, kind: 'negation', lang: 'de' },
      { a: 'How do I register my address in Saarbrücken?', b: 'how do i regster my adress in saarbrucken', same: true, kind: 'paraphrase', lang: 'en' },
      { a: 'Wie melde ich Sperrmüll an?', b: 'Wo melde ich Sperrmüll an?', same: true, kind: 'paraphrase', lang: 'de' },
    ];
    await writeFile(join(dir, 'pairs.jsonl'), lines.map((l) => JSON.stringify(l)).join('\n'));
    const { code, stdout } = await run(['--data', join(dir, 'pairs.jsonl'), '--max-false-hit', '0.01', '--embedder', 'hash', '--no-vector-cache']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/lowest threshold meeting the target: 0\.\d{3}/);
    expect(stdout).toContain('same-meaning hit rate');
    expect(stdout).toContain('negation/de');
    expect(stdout).toContain('number/en');
    expect(stdout).toContain('curve on calibration pairs');
  });
});
