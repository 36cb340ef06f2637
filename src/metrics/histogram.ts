/**
 * Histograms: per series, per-bucket counts, a sum and a count, rendered as the cumulative `le` buckets the
 * Prometheus text format requires ("The `_bucket` series are cumulative ... must include a `+Inf` bucket, which
 * must equal `_count`", https://prometheus.io/docs/instrumenting/exposition_formats/ and
 * https://prometheus.io/docs/concepts/metric_types/#histogram).
 *
 * Counts are kept per bucket (not cumulative) so an observation costs one binary search and one increment;
 * cumulation happens at scrape time. Non-finite observations are dropped and reported, never thrown.
 */
import type { HistogramSnapshot, LabelPairs, MetricEntry, Sample, SelfReport } from './metric-types';
import { createSeriesMap, type LabelSet } from './series-map';

interface HistogramSeries {
  /** Non-cumulative counts; the last slot is the implicit `+Inf` bucket. */
  readonly counts: Float64Array;
  sum: number;
  count: number;
}

/** Validates bucket bounds once, at registration: finite, strictly increasing, at least one. `+Inf` is implicit. */
export function normalizeBuckets(metric: string, buckets: readonly number[]): readonly number[] {
  const bounds = buckets.at(-1) === Number.POSITIVE_INFINITY ? buckets.slice(0, -1) : [...buckets];
  if (bounds.length === 0) throw new TypeError(`histogram '${metric}' needs at least one finite bucket`);
  bounds.forEach((bound, i) => {
    if (!Number.isFinite(bound)) throw new TypeError(`histogram '${metric}': bucket ${bound} is not finite`);
    if (i > 0 && bound <= (bounds[i - 1] as number)) throw new TypeError(`histogram '${metric}': buckets must be strictly increasing`);
  });
  return Object.freeze(bounds);
}

/** `le` uses the same float syntax as sample values, with `+Inf` for the last bucket. */
export function formatBound(value: number): string {
  return value === Number.POSITIVE_INFINITY ? '+Inf' : String(value);
}

export interface HistogramMetricOptions {
  name: string;
  help: string;
  labelNames: readonly string[];
  maxSeries: number;
  buckets: readonly number[];
  labelPairs: LabelPairs;
  report: SelfReport;
}

export interface HistogramMetric {
  entry: MetricEntry;
  observe(labels: LabelSet<string> | undefined, value: number): void;
  get(labels?: LabelSet<string>): HistogramSnapshot | undefined;
}

export function createHistogramMetric(options: HistogramMetricOptions): HistogramMetric {
  const { name, labelNames, report } = options;
  const bounds = normalizeBuckets(name, options.buckets);
  const create = (): HistogramSeries => ({ counts: new Float64Array(bounds.length + 1), sum: 0, count: 0 });
  const series = createSeriesMap({ labelNames, maxSeries: options.maxSeries, create, onOverflow: () => report.overflow(name) });
  if (labelNames.length === 0) series.get(undefined);

  const snapshot = (s: HistogramSeries): HistogramSnapshot => {
    let cumulative = 0;
    const buckets = [...bounds, Number.POSITIVE_INFINITY].map((le, i) => ({ le, count: (cumulative += s.counts[i] ?? 0) }));
    return { count: s.count, sum: s.sum, buckets };
  };

  const entry: MetricEntry = {
    name,
    help: options.help,
    type: 'histogram',
    samples: () =>
      series.entries().flatMap(({ values, state }): Sample[] => {
        const labels = options.labelPairs(values);
        const snap = snapshot(state);
        return [
          ...snap.buckets.map((b): Sample => ({ suffix: '_bucket', labels: [...labels, ['le', formatBound(b.le)]], value: b.count })),
          { suffix: '_sum', labels, value: snap.sum },
          { suffix: '_count', labels, value: snap.count },
        ];
      }),
  };

  return {
    entry,
    observe(labels, value) {
      if (!Number.isFinite(value)) return report.invalid(name);
      const s = series.get(labels);
      // First bound >= value: `le` means "less than or equal", so a value equal to a bound lands in that bucket.
      let lo = 0;
      let hi = bounds.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (value <= (bounds[mid] as number)) hi = mid;
        else lo = mid + 1;
      }
      s.counts[lo] = (s.counts[lo] ?? 0) + 1;
      s.sum += value;
      s.count += 1;
    },
    get(labels) {
      const state = series.peek(labels);
      return state && snapshot(state);
    },
  };
}
