/**
 * Metric and label name rules, checked once at registration so a bad name fails at startup rather than at the
 * first scrape, and label value normalisation, applied on every observation.
 *
 * Names follow the Prometheus data model (https://prometheus.io/docs/concepts/data_model/): metric names match
 * `[a-zA-Z_:][a-zA-Z0-9_:]*` and label names `[a-zA-Z_][a-zA-Z0-9_]*`, with `__` reserved for internal use.
 * We are stricter on one point: colons are "reserved for user defined recording rules" and "should not be used by
 * exporters" (same page), so they are refused here.
 */

const METRIC_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Label values longer than this are cut: a hostile model name or path must not turn into a megabyte series key. */
export const MAX_LABEL_VALUE_CHARS = 128;

export type MetricType = 'counter' | 'gauge' | 'histogram';

/** Suffixes the text format adds to a family's samples; a name ending in one would collide or mislead. */
const GENERATED_SUFFIXES = ['_bucket', '_sum', '_count'] as const;

export function assertMetricName(name: string, type: MetricType): void {
  if (!METRIC_NAME.test(name)) throw new TypeError(`metric name '${name}' does not match ${METRIC_NAME}`);
  // Conventions from https://prometheus.io/docs/practices/naming/ that `promtool check metrics` also lints:
  // a counter ends in `_total`, and nothing else does.
  if (type === 'counter' && !name.endsWith('_total')) throw new TypeError(`counter '${name}' must end in _total`);
  if (type !== 'counter' && name.endsWith('_total')) throw new TypeError(`${type} '${name}' must not end in _total`);
  for (const suffix of GENERATED_SUFFIXES) {
    if (name.endsWith(suffix)) throw new TypeError(`metric name '${name}' must not end in ${suffix}`);
  }
}

/** Label names as declared for one metric; `reserved` holds names the type itself uses (`le` for histograms). */
export function assertLabelNames(metric: string, labelNames: readonly string[], reserved: readonly string[]): void {
  const seen = new Set<string>();
  for (const label of labelNames) {
    if (!LABEL_NAME.test(label)) throw new TypeError(`label '${label}' of '${metric}' does not match ${LABEL_NAME}`);
    if (label.startsWith('__')) throw new TypeError(`label '${label}' of '${metric}': names starting __ are reserved`);
    if (reserved.includes(label)) throw new TypeError(`label '${label}' of '${metric}' is reserved`);
    if (seen.has(label)) throw new TypeError(`label '${label}' of '${metric}' is declared twice`);
    seen.add(label);
  }
}

export type LabelValue = string | number | boolean;

/**
 * Any string is a valid label value once escaped (the exposition layer escapes), but it must be valid UTF-8:
 * lone surrogates become U+FFFD. Missing values are the empty string, which Prometheus treats as "label absent".
 */
export function normalizeLabelValue(value: LabelValue | undefined): string {
  if (value === undefined) return '';
  let text = String(value);
  if (text.length > MAX_LABEL_VALUE_CHARS) text = text.slice(0, MAX_LABEL_VALUE_CHARS);
  return text.toWellFormed();
}
