/**
 * `bun run calibrate -- --data FILE.jsonl [--data FILE2 ...] --max-false-hit 0.01 [options]`
 *
 * Prints the lowest cosine threshold whose false-hit rate on the labelled pairs (`same: false`) is at most the
 * target, the same-meaning hit rate it gives, per-file and per-kind/language tables, and the hit/false-hit curve
 * from 0.50 to 0.95 with and without the second-stage verifier.
 *
 * Options:
 *   --embedder use|hash|transformers   which embedder (default use: USE lite, offline; transformers needs
 *                                      EMBEDDINGS_MODEL_DIR/<model id>, see embeddings/models/README.md)
 *   --model-dir DIR                    ONNX model root for `transformers` (default $EMBEDDINGS_MODEL_DIR or
 *                                      ./embeddings/models)
 *   --no-verify                        pick the threshold on cosine alone (the curves still show both)
 *   --holdout                          pick the threshold on the tuning part (~70%, by a hash of the pair text)
 *                                      and report the held-out part at that threshold as well
 *   --min-threshold X                  lowest candidate threshold (default 0.5)
 *   --vector-cache DIR | --no-vector-cache
 *                                      vectors are cached per model in DIR (default: a folder in the OS temp dir)
 *
 * Exit codes: 0 report printed (also when no threshold meets the target: it says so), 2 bad flags or input,
 * 1 the embedder could not be loaded or failed.
 */
import { parseArgs } from 'node:util';
import { createEmbedder } from '../../embeddings/create-embedder.ts';
import type { Embedder } from '../../embeddings/embedder.ts';
import { CalibrationInputError, loadPairsFile, splitPart, type LabelledPair } from './calibration-data.ts';
import { DEFAULT_VECTOR_CACHE_DIR, embedAll } from './calibration-embed.ts';
import { DEFAULT_CURVE, renderReport, scorePairs, unrelatedPairs } from './calibration-report.ts';
import { thresholdGrid } from './calibration.ts';
import { createMatchVerifier } from './verify/index.ts';

const USAGE = `usage: bun run calibrate -- --data FILE.jsonl [--data FILE2] --max-false-hit 0.01
       [--embedder use|hash|transformers] [--model-dir DIR] [--no-verify] [--holdout]
       [--min-threshold 0.5] [--vector-cache DIR | --no-vector-cache]`;

class UsageError extends Error {}

interface Options {
  data: string[];
  maxFalseHit: number;
  embedder: 'use' | 'hash' | 'transformers';
  modelDir: string;
  verify: boolean;
  holdout: boolean;
  minThreshold: number;
  vectorCache: string | false;
}

function parseOptions(argv: string[]): Options {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        data: { type: 'string', multiple: true },
        'max-false-hit': { type: 'string' },
        embedder: { type: 'string' },
        'model-dir': { type: 'string' },
        'no-verify': { type: 'boolean' },
        holdout: { type: 'boolean' },
        'min-threshold': { type: 'string' },
        'vector-cache': { type: 'string' },
        'no-vector-cache': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const v = parsed.values;
  if (v.help) {
    console.log(USAGE);
    process.exit(0);
  }
  if (!v.data?.length) throw new UsageError('--data FILE.jsonl is required (repeat it for several files)');
  if (v['max-false-hit'] === undefined) throw new UsageError('--max-false-hit is required, e.g. --max-false-hit 0.01');
  const rate = (flag: string, raw: string) => {
    const x = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(x) || x < 0 || x > 1) throw new UsageError(`${flag} must be a number from 0 to 1, got "${raw}"`);
    return x;
  };
  const embedder = v.embedder ?? 'use';
  if (embedder !== 'use' && embedder !== 'hash' && embedder !== 'transformers') {
    throw new UsageError(`--embedder must be use, hash or transformers, got "${embedder}"`);
  }
  if (v['vector-cache'] !== undefined && v['no-vector-cache']) throw new UsageError('--vector-cache and --no-vector-cache exclude each other');
  return {
    data: v.data,
    maxFalseHit: rate('--max-false-hit', v['max-false-hit']),
    embedder,
    modelDir: v['model-dir'] ?? process.env.EMBEDDINGS_MODEL_DIR ?? './embeddings/models',
    verify: !v['no-verify'],
    holdout: v.holdout ?? false,
    minThreshold: v['min-threshold'] === undefined ? 0.5 : rate('--min-threshold', v['min-threshold']),
    vectorCache: v['no-vector-cache'] ? false : (v['vector-cache'] ?? DEFAULT_VECTOR_CACHE_DIR),
  };
}

async function main(argv: string[]): Promise<number> {
  let options: Options;
  let pairs: LabelledPair[];
  try {
    options = parseOptions(argv);
    pairs = (await Promise.all(options.data.map(loadPairsFile))).flat();
    if (!pairs.some((p) => !p.same)) {
      throw new CalibrationInputError('no pair with "same": false in the data: a false-hit rate cannot be calibrated against it');
    }
  } catch (error) {
    if (error instanceof UsageError || error instanceof CalibrationInputError) {
      console.error(`calibrate: ${error.message}`);
      if (error instanceof UsageError) console.error(USAGE);
      return 2;
    }
    throw error;
  }

  let embedder: Embedder | undefined;
  try {
    embedder = await createEmbedder({ name: options.embedder, modelDir: options.modelDir, useWorker: false, batching: false });
    const texts = pairs.flatMap((p) => [p.a, p.b]);
    const started = performance.now();
    const vectors = await embedAll(embedder, texts, {
      cacheDir: options.vectorCache,
      onProgress: (done, total) => process.stderr.write(`\rembedding ${done}/${total} texts`),
    });
    const seconds = (performance.now() - started) / 1000;
    if (seconds > 1) process.stderr.write(` (${seconds.toFixed(1)} s)\n`);

    // Verdicts are always computed, so the curves can show both modes; --no-verify only changes the pick.
    const verify = createMatchVerifier().verify;
    const vectorOf = (text: string) => vectors.get(text)!;
    const scored = scorePairs(pairs, vectorOf, verify);
    const calibration = options.holdout ? scored.filter((p) => p.part === 'tune') : scored;
    const holdout = options.holdout ? scored.filter((p) => p.part === 'holdout') : undefined;
    // Unrelated pairs are built inside each part, so no held-out text leaks into the calibration.
    const inPart = (part: 'tune' | 'holdout') => pairs.filter((p) => splitPart(p) === part);
    const unrelatedOf = (list: LabelledPair[]) => scorePairs(unrelatedPairs(list), vectorOf, verify);
    const report = renderReport({
      embedderLabel: `${embedder.modelId} (${options.embedder}${embedder.runtime ? `, ${embedder.runtime}` : ''})`,
      useVerifier: options.verify,
      maxFalseHitRate: options.maxFalseHit,
      calibration,
      holdout,
      unrelated: options.holdout
        ? { calibration: unrelatedOf(inPart('tune')), holdout: unrelatedOf(inPart('holdout')) }
        : { calibration: unrelatedOf(pairs) },
      candidates: thresholdGrid(options.minThreshold, 1, 0.005),
      curve: DEFAULT_CURVE,
    });
    console.log(report.text);
    return 0;
  } catch (error) {
    const e = error as Error & { code?: string };
    console.error(`calibrate: embedder "${options.embedder}" failed${e.code ? ` (${e.code})` : ''}: ${e.message}`);
    return 1;
  } finally {
    await embedder?.close().catch(() => undefined);
  }
}

process.exitCode = await main(process.argv.slice(2));
