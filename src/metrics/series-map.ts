/**
 * The series of one metric, keyed by label values, with a hard cap on how many exist.
 *
 * Every distinct label set is a time series held in memory here and in every Prometheus that scrapes us
 * ("CAUTION: Remember that every unique combination of key-value label pairs represents a new time series",
 * https://prometheus.io/docs/practices/naming/#labels). Label values such as a route or a model name can come
 * from clients, so past `maxSeries` new label sets are folded into one overflow series whose every label value
 * is `other`; the caller counts each such observation so the loss is visible.
 */
import { normalizeLabelValue, type LabelValue } from './names';

export const OVERFLOW_LABEL_VALUE = 'other';
export const DEFAULT_MAX_SERIES = 1000;

export type LabelSet<L extends string> = { readonly [K in L]?: LabelValue };

export interface SeriesEntry<T> {
  /** Label values in the metric's `labelNames` order, already normalised. */
  readonly values: readonly string[];
  readonly state: T;
}

export interface SeriesMapOptions<T> {
  labelNames: readonly string[];
  maxSeries: number;
  create(): T;
  /** Called once per observation that was folded into the overflow series. */
  onOverflow(): void;
}

export interface SeriesMap<T> {
  /** The state for these labels, creating it (or falling back to the overflow series) as needed. */
  get(labels: LabelSet<string> | undefined): T;
  /** The state if it exists, without creating anything. */
  peek(labels: LabelSet<string> | undefined): T | undefined;
  /** All series, sorted by label values so the exposition is stable from scrape to scrape. */
  entries(): SeriesEntry<T>[];
  readonly size: number;
}

export function labelValues(labelNames: readonly string[], labels: LabelSet<string> | undefined): string[] {
  return labelNames.map((name) => normalizeLabelValue(labels?.[name]));
}

export function compareValues(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? '';
    const y = b[i] ?? '';
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

export function createSeriesMap<T>(options: SeriesMapOptions<T>): SeriesMap<T> {
  const { labelNames, maxSeries } = options;
  const series = new Map<string, SeriesEntry<T>>();
  const overflowValues = labelNames.map(() => OVERFLOW_LABEL_VALUE);
  const overflowKey = JSON.stringify(overflowValues);
  // JSON of the value array is an unambiguous key; a separator character could occur inside a value.
  const keyOf = (values: readonly string[]) => (values.length === 0 ? '' : JSON.stringify(values));

  return {
    get(labels) {
      const values = labelValues(labelNames, labels);
      const key = keyOf(values);
      const found = series.get(key);
      if (found) return found.state;
      if (series.size < maxSeries || labelNames.length === 0) {
        const entry = { values, state: options.create() };
        series.set(key, entry);
        return entry.state;
      }
      options.onOverflow();
      let overflow = series.get(overflowKey);
      if (!overflow) {
        // One series beyond the cap, at most: the overflow bucket itself.
        overflow = { values: overflowValues, state: options.create() };
        series.set(overflowKey, overflow);
      }
      return overflow.state;
    },
    peek(labels) {
      return series.get(keyOf(labelValues(labelNames, labels)))?.state;
    },
    entries() {
      return [...series.values()].sort((a, b) => compareValues(a.values, b.values));
    },
    get size() {
      return series.size;
    },
  };
}
