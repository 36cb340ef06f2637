import { describe, expect, test } from 'bun:test';
import { escapeHelp, escapeLabelValue, formatValue, metricsResponse, PROMETHEUS_CONTENT_TYPE, renderPrometheus } from './exposition';
import { createRegistry } from './registry';

const SELF_METRICS = [
  '# HELP test_metrics_collector_errors_total Scrapes at which a metric collector threw; that metric had no samples in that scrape.',
  '# TYPE test_metrics_collector_errors_total counter',
  '# HELP test_metrics_invalid_values_total Observations dropped because the value was NaN, infinite or a negative counter increment.',
  '# TYPE test_metrics_invalid_values_total counter',
  '# HELP test_metrics_series_overflow_total Observations recorded under label value "other" because their metric reached its series limit.',
  '# TYPE test_metrics_series_overflow_total counter',
];

function smallRegistry() {
  const registry = createRegistry({ prefix: 'test_', defaultLabels: { instance: 'i-1' } });
  const requests = registry.counter({ name: 'requests_total', help: 'Requests.', labelNames: ['route', 'status'] });
  const temperature = registry.gauge({ name: 'temperature_celsius', help: 'Temperature.' });
  const latency = registry.histogram({ name: 'latency_seconds', help: 'Latency.', labelNames: ['route'], buckets: [0.25, 1] });
  return { registry, requests, temperature, latency };
}

describe('Prometheus text exposition', () => {
  test('renders counters, gauges and histograms exactly, families sorted by name and series by label values', () => {
    const { registry, requests, temperature, latency } = smallRegistry();
    requests.inc({ route: '/b', status: 200 });
    requests.inc({ route: '/a', status: 500 }, 2);
    temperature.set(21.5);
    latency.observe({ route: '/a' }, 0.25);
    latency.observe({ route: '/a' }, 0.5);
    latency.observe({ route: '/a' }, 3);

    expect(renderPrometheus(registry)).toBe(
      [
        '# HELP test_latency_seconds Latency.',
        '# TYPE test_latency_seconds histogram',
        'test_latency_seconds_bucket{route="/a",instance="i-1",le="0.25"} 1',
        'test_latency_seconds_bucket{route="/a",instance="i-1",le="1"} 2',
        'test_latency_seconds_bucket{route="/a",instance="i-1",le="+Inf"} 3',
        'test_latency_seconds_sum{route="/a",instance="i-1"} 3.75',
        'test_latency_seconds_count{route="/a",instance="i-1"} 3',
        ...SELF_METRICS,
        '# HELP test_requests_total Requests.',
        '# TYPE test_requests_total counter',
        'test_requests_total{route="/a",status="500",instance="i-1"} 2',
        'test_requests_total{route="/b",status="200",instance="i-1"} 1',
        '# HELP test_temperature_celsius Temperature.',
        '# TYPE test_temperature_celsius gauge',
        'test_temperature_celsius{instance="i-1"} 21.5',
        '',
      ].join('\n'),
    );
  });

  test('renders unlabelled metrics at zero before their first event', () => {
    const registry = createRegistry();
    registry.counter({ name: 'events_total', help: 'Events.' });
    registry.histogram({ name: 'size_bytes', help: 'Sizes.', buckets: [10] });
    const text = renderPrometheus(registry);
    expect(text).toContain('\nevents_total 0\n');
    expect(text).toContain('\nsize_bytes_bucket{le="10"} 0\nsize_bytes_bucket{le="+Inf"} 0\nsize_bytes_sum 0\nsize_bytes_count 0\n');
  });

  test('escapes backslash, double quote and line feed in label values, and backslash and line feed in help', () => {
    const registry = createRegistry();
    const counter = registry.counter({ name: 'odd_total', help: 'A "quoted" C:\\path\nsecond line.', labelNames: ['model'] });
    counter.inc({ model: 'a\\b"c\nd' });
    const text = renderPrometheus(registry);
    expect(text).toContain('# HELP odd_total A "quoted" C:\\\\path\\nsecond line.\n');
    expect(text).toContain('odd_total{model="a\\\\b\\"c\\nd"} 1\n');
    expect(text.split('\n').every((line) => !line.includes('\r'))).toBe(true);
  });

  test('escape helpers follow the spec exactly', () => {
    expect(escapeLabelValue('\\"\n')).toBe('\\\\\\"\\n');
    expect(escapeHelp('"\\\n')).toBe('"\\\\\\n');
  });

  test('spells special float values the way the format requires', () => {
    expect([Infinity, -Infinity, NaN, 0.1, 1e21, 5e-7].map(formatValue)).toEqual(['+Inf', '-Inf', 'NaN', '0.1', '1e+21', '5e-7']);
  });

  test('renders the same state to the same bytes regardless of insertion order', () => {
    const a = smallRegistry();
    const b = smallRegistry();
    for (const route of ['/c', '/a', '/b']) a.requests.inc({ route, status: 200 });
    for (const route of ['/b', '/c', '/a']) b.requests.inc({ route, status: 200 });
    expect(renderPrometheus(a.registry)).toBe(renderPrometheus(b.registry));
    expect(renderPrometheus(a.registry)).toBe(renderPrometheus(a.registry));
  });

  test('answers a scrape with the 0.0.4 content type and no caching', async () => {
    const { registry, requests } = smallRegistry();
    requests.inc({ route: '/a', status: 200 });
    const response = metricsResponse(registry);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(PROMETHEUS_CONTENT_TYPE).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await response.text()).toBe(renderPrometheus(registry));
  });
});
