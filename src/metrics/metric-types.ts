/**
 * The shapes shared by the registry, its metric kinds and the exposition: what a caller records through
 * (handles), what a scrape reads (families of samples), and the hooks a metric uses to report its own refusals.
 */
import type { MetricType } from './names';
import type { LabelSet } from './series-map';

export interface Sample {
  suffix: '' | '_bucket' | '_sum' | '_count';
  /** Label pairs in output order: the metric's labels, then the default labels, then `le`. */
  labels: ReadonlyArray<readonly [string, string]>;
  value: number;
}

export interface MetricFamily {
  /** Full name, prefix included. */
  name: string;
  help: string;
  type: MetricType;
  samples: Sample[];
}

/** What a pull-based metric reports at scrape time: one unlabelled value, or one value per label set. */
export type Collected<L extends string> = number | ReadonlyArray<{ labels?: LabelSet<L>; value: number }> | undefined;
export type Collector<L extends string = string> = () => Collected<L>;

export interface MetricOptions<L extends string> {
  /** Without the registry prefix. */
  name: string;
  help: string;
  labelNames?: readonly L[];
  /** Most distinct label sets kept; default 1,000. */
  maxSeries?: number;
}
export interface PullableOptions<L extends string> extends MetricOptions<L> {
  /** Makes the metric pull-based from the start; `setCollector` can set or replace it later. */
  collect?: Collector<L>;
}
export interface HistogramOptions<L extends string> extends MetricOptions<L> {
  /** Upper bounds, strictly increasing; `+Inf` is added. */
  buckets: readonly number[];
}

interface Pullable<L extends string> {
  /** Current value (from the collector when one is set); 0 for a series never touched. */
  get(labels?: LabelSet<L>): number;
  /** A collector replaces pushed values at scrape time; `undefined` goes back to pushed values. */
  setCollector(collect: Collector<L> | undefined): void;
}
export interface Counter<L extends string = never> extends Pullable<L> {
  inc(value?: number): void;
  inc(labels: LabelSet<L>, value?: number): void;
}
export interface Gauge<L extends string = never> extends Pullable<L> {
  set(value: number): void;
  set(labels: LabelSet<L>, value: number): void;
  inc(value?: number): void;
  inc(labels: LabelSet<L>, value?: number): void;
  dec(value?: number): void;
  dec(labels: LabelSet<L>, value?: number): void;
}
export interface HistogramSnapshot {
  count: number;
  sum: number;
  /** Cumulative counts per upper bound, ending with `le: Infinity` whose count equals `count`. */
  buckets: Array<{ le: number; count: number }>;
}

export interface Histogram<L extends string = never> {
  observe(value: number): void;
  observe(labels: LabelSet<L>, value: number): void;
  get(labels?: LabelSet<L>): HistogramSnapshot | undefined;
}

/** How a metric reports what it refused; the registry turns these into its `metrics_*_total` self-metrics. */
export interface SelfReport {
  overflow(metric: string): void;
  invalid(metric: string): void;
  collectorError(metric: string): void;
}

/** A registered metric as the registry keeps it. */
export interface MetricEntry {
  name: string;
  help: string;
  type: MetricType;
  samples(): Sample[];
}

/** Builds a sample's label pairs from the metric's label values (default labels appended). */
export type LabelPairs = (values: readonly string[]) => ReadonlyArray<readonly [string, string]>;
