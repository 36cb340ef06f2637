/**
 * Prometheus text exposition format 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format).
 *
 * What the spec requires and where this file does it:
 * - lines end with `\n` (LF only), including the last one;
 * - `# HELP name text`, where the text escapes backslash as `\\` and line feed as `\n` (quotes stay as they are);
 * - `# TYPE name type` before the first sample of the family, at most once per family;
 * - all samples of one family form one group ("Only one TYPE line may exist for a given metric name ... all
 *   lines for a given metric must be provided as one single group");
 * - label values escape backslash, double quote and line feed (`\\`, `\"`, `\n`);
 * - values are Go `ParseFloat` syntax, with `+Inf`, `-Inf` and `NaN` spelled that way.
 * Families come sorted by name and series by label values (the registry's `collect` order), so two scrapes of
 * the same state are byte-identical and diffs between scrapes are meaningful.
 */
import type { MetricFamily, Registry, Sample } from './registry';

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  // JS number formatting ("1e+21", "5e-7", "0.1") is a subset of what Go's strconv.ParseFloat accepts.
  return String(value);
}

function sampleLine(family: string, sample: Sample): string {
  const labels = sample.labels.map(([name, value]) => `${name}="${escapeLabelValue(value)}"`).join(',');
  return `${family}${sample.suffix}${labels === '' ? '' : `{${labels}}`} ${formatValue(sample.value)}`;
}

export function renderFamilies(families: readonly MetricFamily[]): string {
  const lines: string[] = [];
  for (const family of families) {
    lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`, `# TYPE ${family.name} ${family.type}`);
    for (const sample of family.samples) lines.push(sampleLine(family.name, sample));
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

/** The registry as a scrape body. Runs collectors, so call it once per scrape. */
export function renderPrometheus(registry: Registry): string {
  return renderFamilies(registry.collect());
}

/**
 * A complete `GET /metrics` answer, transport-free (a web `Response`) so any router can return it. `no-store`
 * because a cached scrape would show stale counters as if nothing had happened.
 */
export function metricsResponse(registry: Registry): Response {
  return new Response(renderPrometheus(registry), {
    headers: { 'content-type': PROMETHEUS_CONTENT_TYPE, 'cache-control': 'no-store' },
  });
}
