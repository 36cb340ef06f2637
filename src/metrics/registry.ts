/**
 * A small, dependency-free metrics registry: counters, gauges and histograms with labels, rendered by
 * `exposition.ts`. Everything that can be wrong with a definition (name, labels, buckets, duplicates) throws at
 * registration, i.e. at startup; recording never throws, so metrics can never fail a request.
 *
 * Counters and gauges can also be pull-based: `setCollector(fn)` (or the `collect` option) makes the scrape call
 * `fn` for the current values, for state another component already keeps (pool usage, breaker state, bus stats).
 * Collectors are synchronous because rendering is.
 *
 * Three self-metrics make the registry's own refusals visible instead of silent:
 * `metrics_series_overflow_total` (folded into the `other` series by the cardinality cap, see series-map.ts),
 * `metrics_invalid_values_total` (NaN, infinite or negative-counter values, dropped) and
 * `metrics_collector_errors_total` (a collector threw; that metric shows no samples in that scrape).
 */
import { createHistogramMetric } from './histogram';
import type { Counter, Gauge, Histogram, HistogramOptions, MetricEntry, MetricFamily, MetricOptions, PullableOptions } from './metric-types';
import { assertLabelNames, assertMetricName, normalizeLabelValue, type LabelValue, type MetricType } from './names';
import { createScalarMetric } from './scalar-metric';
import { DEFAULT_MAX_SERIES, type LabelSet } from './series-map';

export type * from './metric-types';
export type { LabelSet } from './series-map';
export type { LabelValue, MetricType } from './names';

export interface RegistryOptions {
  /** Prepended to every name, e.g. `llmgw_`. */
  prefix?: string;
  /** Added to every sample, e.g. `{ instance: 'gw-1' }`. */
  defaultLabels?: Record<string, LabelValue>;
}

export interface Registry {
  readonly prefix: string;
  counter<L extends string = never>(options: PullableOptions<L>): Counter<L>;
  gauge<L extends string = never>(options: PullableOptions<L>): Gauge<L>;
  histogram<L extends string = never>(options: HistogramOptions<L>): Histogram<L>;
  /** Every family, sorted by name, each with its samples in a stable order. Runs collectors. */
  collect(): MetricFamily[];
}

const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** Handles accept `(value)` or `(labels, value)`; this splits the two forms. */
function args(a: unknown, b: unknown, fallback: number): [LabelSet<string> | undefined, number] {
  return typeof a === 'number' ? [undefined, a] : [a as LabelSet<string> | undefined, (b as number | undefined) ?? fallback];
}

export function createRegistry(options: RegistryOptions = {}): Registry {
  const prefix = options.prefix ?? '';
  if (prefix !== '' && !/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(prefix)) throw new TypeError(`metric prefix '${prefix}' is invalid`);
  const defaults = Object.entries(options.defaultLabels ?? {}).map(([k, v]) => [k, normalizeLabelValue(v)] as const);
  assertLabelNames('default labels', defaults.map(([k]) => k), ['le']);
  const entries = new Map<string, MetricEntry>();

  function define(base: MetricOptions<string>, type: MetricType) {
    const name = prefix + base.name;
    assertMetricName(name, type);
    const labelNames = [...(base.labelNames ?? [])];
    // A metric label may not shadow a default label or, on a histogram, the `le` the format adds.
    const reserved = [...defaults.map(([k]) => k), ...(type === 'histogram' ? ['le'] : [])];
    assertLabelNames(name, labelNames, reserved);
    if (entries.has(name)) throw new TypeError(`metric '${name}' is registered twice`);
    if (base.help.trim() === '') throw new TypeError(`metric '${name}' needs help text`);
    const labelPairs = (values: readonly string[]) => [...labelNames.map((n, i) => [n, values[i] ?? ''] as const), ...defaults];
    return { name, help: base.help, labelNames, labelPairs, maxSeries: base.maxSeries ?? DEFAULT_MAX_SERIES, report };
  }

  function scalar(opts: PullableOptions<string>, type: 'counter' | 'gauge') {
    const metric = createScalarMetric({ ...define(opts, type), type, collect: opts.collect });
    entries.set(metric.entry.name, metric.entry);
    return metric;
  }

  // Self-metrics are registered like any other metric; `report` is only called after they exist.
  const selfMetric = (name: string, help: string) =>
    scalar({ name, help, labelNames: ['metric'], maxSeries: 10_000 }, 'counter');
  const report = {
    overflow: (metric: string) => overflowed.add({ metric }, 1),
    invalid: (metric: string) => invalid.add({ metric }, 1),
    collectorError: (metric: string) => collectorErrors.add({ metric }, 1),
  };
  const overflowed = selfMetric(
    'metrics_series_overflow_total',
    'Observations recorded under label value "other" because their metric reached its series limit.',
  );
  const invalid = selfMetric(
    'metrics_invalid_values_total',
    'Observations dropped because the value was NaN, infinite or a negative counter increment.',
  );
  const collectorErrors = selfMetric(
    'metrics_collector_errors_total',
    'Scrapes at which a metric collector threw; that metric had no samples in that scrape.',
  );
  const selfEntries = [...entries.values()];

  return {
    prefix,
    counter<L extends string = never>(opts: PullableOptions<L>): Counter<L> {
      const m = scalar(opts as PullableOptions<string>, 'counter');
      return { inc: (a?: unknown, b?: unknown) => m.add(...args(a, b, 1)), get: m.get, setCollector: m.setCollector } as Counter<L>;
    },
    gauge<L extends string = never>(opts: PullableOptions<L>): Gauge<L> {
      const m = scalar(opts as PullableOptions<string>, 'gauge');
      return {
        set: (a: unknown, b?: unknown) => m.set(...args(a, b, Number.NaN)),
        inc: (a?: unknown, b?: unknown) => m.add(...args(a, b, 1)),
        dec: (a?: unknown, b?: unknown) => {
          const [labels, value] = args(a, b, 1);
          m.add(labels, -value);
        },
        get: m.get,
        setCollector: m.setCollector,
      } as Gauge<L>;
    },
    histogram<L extends string = never>(opts: HistogramOptions<L>): Histogram<L> {
      const m = createHistogramMetric({ ...define(opts, 'histogram'), buckets: opts.buckets });
      entries.set(m.entry.name, m.entry);
      return { observe: (a: unknown, b?: unknown) => m.observe(...args(a, b, Number.NaN)), get: m.get } as Histogram<L>;
    },
    collect() {
      // Self-metrics are read last so that refusals counted while collecting the others show in this scrape.
      const others = [...entries.values()].filter((e) => !selfEntries.includes(e));
      const families = [...others, ...selfEntries].map((e) => ({ name: e.name, help: e.help, type: e.type, samples: e.samples() }));
      return families.sort(byName);
    },
  };
}
