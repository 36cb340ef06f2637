/**
 * Counters and gauges: one number per series, either pushed (`add`/`set`) or pulled from a collector at scrape.
 *
 * Recording never throws: a value that cannot be right (NaN, infinite, a negative counter increment, which would
 * break the "only goes up" contract that `rate()` relies on, https://prometheus.io/docs/concepts/metric_types/)
 * is dropped and reported, so a bug in a cost calculation cannot fail the request it was measuring.
 */
import type { Collector, LabelPairs, MetricEntry, SelfReport } from './metric-types';
import { compareValues, createSeriesMap, labelValues, type LabelSet } from './series-map';

export interface ScalarMetricOptions {
  name: string;
  help: string;
  type: 'counter' | 'gauge';
  labelNames: readonly string[];
  maxSeries: number;
  collect: Collector<string> | undefined;
  labelPairs: LabelPairs;
  report: SelfReport;
}

export interface ScalarMetric {
  entry: MetricEntry;
  add(labels: LabelSet<string> | undefined, value: number): void;
  set(labels: LabelSet<string> | undefined, value: number): void;
  get(labels?: LabelSet<string>): number;
  setCollector(collect: Collector<string> | undefined): void;
}

type Row = { values: readonly string[]; value: number };

export function createScalarMetric(options: ScalarMetricOptions): ScalarMetric {
  const { name, type, labelNames, maxSeries, report } = options;
  const series = createSeriesMap({ labelNames, maxSeries, create: () => ({ value: 0 }), onOverflow: () => report.overflow(name) });
  let collector = options.collect;
  // Unlabelled series exist from the start: a counter that is absent until its first event breaks rate().
  if (labelNames.length === 0) series.get(undefined);

  const acceptable = (value: unknown): value is number =>
    typeof value === 'number' && !Number.isNaN(value) && (type === 'gauge' || value >= 0);

  /** Runs the collector: invalid values dropped, duplicates last-wins, the same series cap as pushed values. */
  const pull = (fn: Collector<string>): Row[] => {
    const raw = fn();
    const list = typeof raw === 'number' ? [{ value: raw }] : (raw ?? []);
    const rows = new Map<string, Row>();
    for (const item of list) {
      if (!acceptable(item.value)) {
        report.invalid(name);
        continue;
      }
      const values = labelValues(labelNames, item.labels);
      const key = JSON.stringify(values);
      if (!rows.has(key) && rows.size >= maxSeries) report.overflow(name);
      else rows.set(key, { values, value: item.value });
    }
    return [...rows.values()].sort((a, b) => compareValues(a.values, b.values));
  };

  const entry: MetricEntry = {
    name,
    help: options.help,
    type,
    samples() {
      let rows: Row[];
      try {
        rows = collector ? pull(collector) : series.entries().map((e) => ({ values: e.values, value: e.state.value }));
      } catch {
        report.collectorError(name);
        return [];
      }
      return rows.map((r) => ({ suffix: '', labels: options.labelPairs(r.values), value: r.value }));
    },
  };

  return {
    entry,
    add(labels, value) {
      if (Number.isFinite(value) && acceptable(value)) series.get(labels).value += value;
      else report.invalid(name);
    },
    set(labels, value) {
      if (acceptable(value)) series.get(labels).value = value;
      else report.invalid(name);
    },
    get(labels) {
      if (!collector) return series.peek(labels)?.value ?? 0;
      const values = labelValues(labelNames, labels);
      return pull(collector).find((r) => compareValues(r.values, values) === 0)?.value ?? 0;
    },
    setCollector(fn) {
      collector = fn;
    },
  };
}
