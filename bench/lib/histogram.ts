/**
 * Latency histogram with bounded relative error, in the spirit of HdrHistogram (Gil Tene, hdrhistogram.org):
 * values are recorded in microseconds into log-linear buckets, 64 linear sub-buckets per power of two above
 * 128 µs (exact below), so any reported percentile is within 1/64 (~1.6%) of a recorded value. Memory is fixed
 * (under 2k counters) whatever the request count, and histograms merge by adding counts, so load processes
 * can ship them as JSON and rounds can be combined.
 */

const EXACT = 128; // values below this many µs have their own bucket
const SUB = 64; // linear sub-buckets per power of two above EXACT
const MAX_US = 2 ** 31 - 1; // ~36 minutes; longer values are clamped
const BUCKETS = EXACT + 25 * SUB; // enough for MAX_US

function indexOf(us: number): number {
  if (us < EXACT) return us;
  const shift = 31 - Math.clz32(us) - 6; // us >> shift lands in [64, 128)
  return EXACT + (shift - 1) * SUB + ((us >>> shift) - SUB);
}

/** [lowest, highest] µs that fall into bucket `index`. */
function boundsOf(index: number): [number, number] {
  if (index < EXACT) return [index, index];
  const shift = Math.floor((index - EXACT) / SUB) + 1;
  const low = (((index - EXACT) % SUB) + SUB) << shift;
  return [low, low + (1 << shift) - 1];
}

export interface HistogramJson {
  unit: 'us';
  count: number;
  sumUs: number;
  minUs: number;
  maxUs: number;
  /** Non-empty buckets as [bucket index, count]. */
  buckets: [number, number][];
}

export interface LatencySummary {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export class LatencyHistogram {
  private counts = new Float64Array(BUCKETS);
  count = 0;
  private sumUs = 0;
  private minUs = Number.POSITIVE_INFINITY;
  private maxUs = 0;

  /** Records one latency given in milliseconds (fractions welcome, e.g. from performance.now()). */
  record(ms: number): void {
    const us = Math.min(MAX_US, Math.max(0, Math.round(ms * 1000)));
    this.counts[indexOf(us)]!++;
    this.count++;
    this.sumUs += us;
    if (us < this.minUs) this.minUs = us;
    if (us > this.maxUs) this.maxUs = us;
  }

  /**
   * The value at percentile `p` (0-100) in milliseconds, by the nearest-rank method: the smallest recorded
   * value such that at least p% of values are <= it. Reports the middle of its bucket, clamped to [min, max].
   * NaN when nothing was recorded.
   */
  percentile(p: number): number {
    if (this.count === 0) return Number.NaN;
    const rank = Math.max(1, Math.ceil((Math.min(100, Math.max(0, p)) / 100) * this.count));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) {
        const [low, high] = boundsOf(i);
        return Math.min(this.maxUs, Math.max(this.minUs, (low + high) / 2)) / 1000;
      }
    }
    return this.maxUs / 1000;
  }

  get mean(): number {
    return this.count === 0 ? Number.NaN : this.sumUs / this.count / 1000;
  }

  get max(): number {
    return this.count === 0 ? Number.NaN : this.maxUs / 1000;
  }

  summary(): LatencySummary {
    return { count: this.count, mean: this.mean, p50: this.percentile(50), p90: this.percentile(90), p99: this.percentile(99), max: this.max };
  }

  merge(other: LatencyHistogram): this {
    for (let i = 0; i < BUCKETS; i++) this.counts[i]! += other.counts[i]!;
    this.count += other.count;
    this.sumUs += other.sumUs;
    this.minUs = Math.min(this.minUs, other.minUs);
    this.maxUs = Math.max(this.maxUs, other.maxUs);
    return this;
  }

  toJSON(): HistogramJson {
    const buckets: [number, number][] = [];
    for (let i = 0; i < BUCKETS; i++) if (this.counts[i]! > 0) buckets.push([i, this.counts[i]!]);
    return { unit: 'us', count: this.count, sumUs: this.sumUs, minUs: this.count ? this.minUs : 0, maxUs: this.maxUs, buckets };
  }

  static fromJSON(json: HistogramJson): LatencyHistogram {
    const h = new LatencyHistogram();
    for (const [i, n] of json.buckets) h.counts[i] = n;
    h.count = json.count;
    h.sumUs = json.sumUs;
    h.minUs = json.count ? json.minUs : Number.POSITIVE_INFINITY;
    h.maxUs = json.maxUs;
    return h;
  }
}

/** Median of finite numbers (mean of the middle two for even counts); NaN for none. */
export function median(values: readonly number[]): number {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Nearest-rank percentile of raw samples (for small sets, e.g. per-round figures). */
export function percentileOf(values: readonly number[], p: number): number {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
