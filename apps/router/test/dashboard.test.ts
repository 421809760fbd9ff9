/**
 * deploy/grafana/herald.json queries only metrics Herald defines (the shared set of
 * @herald/telemetry plus the router's own counters), with labels they have: a renamed
 * metric or label breaks this test, not a dashboard in production.
 */
import { readFileSync } from 'node:fs';
import { createRouterMetrics } from '../src/router-telemetry.js';

const dashboard = JSON.parse(
  readFileSync(new URL('../../../deploy/grafana/herald.json', import.meta.url), 'utf8'),
) as { panels: Array<{ type: string; title: string; targets?: Array<{ expr: string }> }> };

it('queries only Herald metrics that exist, by labels they have', async () => {
  const { metrics } = createRouterMetrics();
  const families = new Map(
    (await metrics.registry.getMetricsAsJSON()).map((m) => [
      m.name,
      new Set([
        ...((metrics.registry.getSingleMetric(m.name) as unknown as { labelNames: string[] })
          .labelNames ?? []),
        'le',
      ]),
    ]),
  );
  const exprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
  expect(exprs.length).toBeGreaterThan(15);
  const used = new Set<string>();
  for (const expr of exprs) {
    for (const [, name, , selector] of expr.matchAll(
      /\b(herald_[a-z_]+?)(_bucket)?\b(\{([^}]*)\})?/g,
    )) {
      expect([expr, families.has(name!)]).toEqual([expr, true]);
      used.add(name!);
      for (const [, label] of (selector ?? '').matchAll(/([a-z_]+)\s*[!=]~?"/g))
        expect([name, label, families.get(name!)!.has(label!)]).toEqual([name, label, true]);
    }
    for (const [, labels] of expr.matchAll(/by \(([^)]*)\)/g)) {
      for (const label of labels!.split(',').map((l) => l.trim())) {
        const known = [...used].some((n) => families.get(n)!.has(label));
        expect([expr, label, known]).toEqual([expr, label, true]);
      }
    }
  }
  // Throughput, latency, errors, lag, breakers and DLQ are all on the board.
  for (const name of [
    'herald_deliveries_total',
    'herald_delivery_duration_seconds',
    'herald_event_to_delivery_seconds',
    'herald_events_rejected_total',
    'herald_consumer_lag_messages',
    'herald_circuit_breaker_state',
    'herald_dlq_messages',
  ])
    expect([name, used.has(name)]).toEqual([name, true]);
});
