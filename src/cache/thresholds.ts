/**
 * Default similarity thresholds per embedder, calibrated with `bun run calibrate` on the tuning part of
 * ../shared/data (target: at most 1% false hits on hard negatives, with the verifier on) and checked on the
 * held-out part. An embedder without a calibrated value uses the spec's 0.85.
 */
export const UNCALIBRATED_THRESHOLD = 0.85;

const CALIBRATED: Array<{ prefix: string; threshold: number }> = [
  // Lowest threshold whose false-hit rate on the tuning part's hard negatives is 0 with the verifier AND whose
  // 95% upper bound on unrelated-pair false hits stays <= 1%. Held-out: 79.6% handwritten paraphrase hits,
  // 88.8% gptcache hits, 2/97 hard negatives (2.1%) served wrongly.
  { prefix: 'energetic-ai/use-lite-en', threshold: 0.72 },
  // The lexical test double: the bottom of the candidate range; the verifier carries the precision.
  { prefix: 'fake/char-3gram-hash', threshold: 0.5 },
];

export function defaultThreshold(embedderModelId: string | undefined): number {
  if (!embedderModelId) return UNCALIBRATED_THRESHOLD;
  return CALIBRATED.find((c) => embedderModelId.startsWith(c.prefix))?.threshold ?? UNCALIBRATED_THRESHOLD;
}
