import { describe, expect, test } from 'bun:test';
import { renderPrometheus } from './exposition';
import { MAX_LABEL_VALUE_CHARS } from './names';
import { createRegistry } from './registry';

const lines = (text: string, prefix: string) => text.split('\n').filter((line) => line.startsWith(prefix));

describe('metrics registry', () => {
  test('keeps histogram buckets cumulative with +Inf equal to the count, a value on a bound landing in that bucket', () => {
    const registry = createRegistry();
    const h = registry.histogram({ name: 'wait_seconds', help: 'Waits.', buckets: [0.1, 0.5, 1] });
    for (const v of [0.05, 0.1, 0.3, 0.5, 0.7, 2, 9]) h.observe(v);
    const snap = h.get();
    expect(snap?.buckets).toEqual([
      { le: 0.1, count: 2 },
      { le: 0.5, count: 4 },
      { le: 1, count: 5 },
      { le: Infinity, count: 7 },
    ]);
    expect(snap?.count).toBe(7);
    expect(snap?.sum).toBeCloseTo(12.65, 10);
    const counts = lines(renderPrometheus(registry), 'wait_seconds_bucket').map((l) => Number(l.split(' ')[1]));
    expect(counts).toEqual([2, 4, 5, 7]);
    expect(lines(renderPrometheus(registry), 'wait_seconds_count')).toEqual(['wait_seconds_count 7']);
  });

  test('folds label sets beyond the series cap into one "other" series and counts each folded observation', () => {
    const registry = createRegistry({ prefix: 'gw_' });
    const c = registry.counter({ name: 'hits_total', help: 'Hits.', labelNames: ['route'], maxSeries: 3 });
    for (const route of ['/a', '/b', '/c', '/evil-1', '/evil-2', '/a']) c.inc({ route });
    const text = renderPrometheus(registry);
    expect(lines(text, 'gw_hits_total')).toEqual([
      'gw_hits_total{route="/a"} 2',
      'gw_hits_total{route="/b"} 1',
      'gw_hits_total{route="/c"} 1',
      'gw_hits_total{route="other"} 2',
    ]);
    expect(lines(text, 'gw_metrics_series_overflow_total')).toEqual(['gw_metrics_series_overflow_total{metric="gw_hits_total"} 2']);
  });

  test('bounds a hostile flood of distinct label values to the default 1,000 series plus "other"', () => {
    const registry = createRegistry();
    const h = registry.histogram({ name: 'route_seconds', help: 'Per route.', labelNames: ['route'], buckets: [1] });
    for (let i = 0; i < 20_000; i++) h.observe({ route: `/p/${i}` }, 0.5);
    const counts = lines(renderPrometheus(registry), 'route_seconds_count');
    expect(counts).toHaveLength(1001);
    expect(h.get({ route: 'other' })?.count).toBe(19_000);
  });

  test('cuts over-long label values and replaces broken UTF-16 so every value is valid UTF-8', () => {
    const registry = createRegistry();
    const c = registry.counter({ name: 'model_total', help: 'Models.', labelNames: ['model'] });
    c.inc({ model: 'x'.repeat(10_000) });
    c.inc({ model: 'bad\uD800' });
    const text = renderPrometheus(registry);
    expect(text).toContain(`model_total{model="${'x'.repeat(MAX_LABEL_VALUE_CHARS)}"} 1`);
    expect(text).toContain('model_total{model="bad\uFFFD"} 1');
  });

  test('rejects invalid definitions at registration', () => {
    const registry = createRegistry({ defaultLabels: { instance: 'a' } });
    const help = 'Help.';
    expect(() => registry.counter({ name: 'bad-name_total', help })).toThrow(/does not match/);
    expect(() => registry.counter({ name: '1st_total', help })).toThrow(/does not match/);
    expect(() => registry.counter({ name: 'rule:colon_total', help })).toThrow(/does not match/);
    expect(() => registry.counter({ name: 'requests', help })).toThrow(/must end in _total/);
    expect(() => registry.gauge({ name: 'open_total', help })).toThrow(/must not end in _total/);
    expect(() => registry.gauge({ name: 'queue_count', help })).toThrow(/_count/);
    expect(() => registry.counter({ name: 'x_total', help, labelNames: ['__name'] })).toThrow(/reserved/);
    expect(() => registry.counter({ name: 'x_total', help, labelNames: ['bad-label'] })).toThrow(/does not match/);
    expect(() => registry.counter({ name: 'x_total', help, labelNames: ['a', 'a'] })).toThrow(/twice/);
    expect(() => registry.counter({ name: 'x_total', help, labelNames: ['instance'] })).toThrow(/reserved/);
    expect(() => registry.histogram({ name: 'h_seconds', help, labelNames: ['le'], buckets: [1] })).toThrow(/reserved/);
    expect(() => registry.histogram({ name: 'h_seconds', help, buckets: [1, 1] })).toThrow(/increasing/);
    expect(() => registry.histogram({ name: 'h_seconds', help, buckets: [] })).toThrow(/at least one/);
    expect(() => registry.histogram({ name: 'h_seconds', help, buckets: [NaN] })).toThrow(/not finite/);
    expect(() => registry.gauge({ name: 'g', help: ' ' })).toThrow(/help/);
    registry.gauge({ name: 'g', help });
    expect(() => registry.counter({ name: 'g', help })).toThrow();
    expect(() => registry.gauge({ name: 'g', help })).toThrow(/twice/);
    expect(() => createRegistry({ prefix: 'bad-' })).toThrow(/prefix/);
    expect(() => createRegistry({ defaultLabels: { le: '1' } })).toThrow(/reserved/);
  });

  test('never throws while recording: impossible values are dropped and counted', () => {
    const registry = createRegistry();
    const c = registry.counter({ name: 'spent_total', help: 'Spent.' });
    const g = registry.gauge({ name: 'level', help: 'Level.' });
    const h = registry.histogram({ name: 'd_seconds', help: 'D.', buckets: [1] });
    c.inc(-1);
    c.inc(NaN);
    c.inc(Infinity);
    g.set(NaN);
    h.observe(Infinity);
    c.inc(2.5);
    expect(c.get()).toBe(2.5);
    expect(g.get()).toBe(0);
    expect(h.get()?.count).toBe(0);
    const text = renderPrometheus(registry);
    expect(lines(text, 'metrics_invalid_values_total')).toEqual([
      'metrics_invalid_values_total{metric="d_seconds"} 1',
      'metrics_invalid_values_total{metric="level"} 1',
      'metrics_invalid_values_total{metric="spent_total"} 3',
    ]);
  });

  test('moves gauges up, down and to a value, per label set', () => {
    const registry = createRegistry();
    const g = registry.gauge({ name: 'conns', help: 'Connections.', labelNames: ['kind'] });
    g.inc({ kind: 'ws' });
    g.inc({ kind: 'ws' }, 3);
    g.dec({ kind: 'ws' });
    g.set({ kind: 'sse' }, 7);
    expect(g.get({ kind: 'ws' })).toBe(3);
    expect(g.get({ kind: 'sse' })).toBe(7);
    expect(g.get({ kind: 'never' })).toBe(0);
  });

  test('evaluates collectors at scrape time, so the output follows the component state', () => {
    const registry = createRegistry();
    let state = 0;
    let calls = 0;
    const breaker = registry.gauge({ name: 'breaker_state', help: 'Breaker.' });
    registry.gauge({
      name: 'pool_connections',
      help: 'Pool.',
      labelNames: ['state'],
      collect: () => [
        { labels: { state: 'idle' }, value: 3 },
        { labels: { state: 'active' }, value: 1 },
      ],
    });
    breaker.setCollector(() => {
      calls += 1;
      return state;
    });
    expect(calls).toBe(0);
    expect(lines(renderPrometheus(registry), 'breaker_state')).toEqual(['breaker_state 0']);
    state = 2;
    expect(lines(renderPrometheus(registry), 'breaker_state')).toEqual(['breaker_state 2']);
    expect(calls).toBe(2);
    expect(breaker.get()).toBe(2);
    expect(lines(renderPrometheus(registry), 'pool_connections')).toEqual([
      'pool_connections{state="active"} 1',
      'pool_connections{state="idle"} 3',
    ]);
  });

  test('a throwing collector costs only its own samples and is counted', () => {
    const registry = createRegistry();
    registry.gauge({ name: 'broken', help: 'Broken.', collect: () => { throw new Error('boom'); } });
    registry.counter({ name: 'fine_total', help: 'Fine.' }).inc();
    const text = renderPrometheus(registry);
    expect(text).toContain('# TYPE broken gauge\n# HELP');
    expect(lines(text, 'broken')).toEqual([]);
    expect(lines(text, 'fine_total')).toEqual(['fine_total 1']);
    expect(lines(text, 'metrics_collector_errors_total')).toEqual(['metrics_collector_errors_total{metric="broken"} 1']);
  });
});
