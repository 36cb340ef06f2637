/**
 * Default similarity thresholds per embedder, calibrated with `bun run calibrate` on the tuning part of
 * ../shared/data (target: at most 1% false hits on hard negatives, with the verifier on) and checked on the
 * held-out part. An embedder without a calibrated value uses the spec's 0.85.
 */
export const UNCALIBRATED_THRESHOLD = 0.85;

const CALIBRATED: Array<{ prefix: string; threshold: number }> = [];

export function defaultThreshold(embedderModelId: string | undefined): number {
  if (!embedderModelId) return UNCALIBRATED_THRESHOLD;
  return CALIBRATED.find((c) => embedderModelId.startsWith(c.prefix))?.threshold ?? UNCALIBRATED_THRESHOLD;
}
