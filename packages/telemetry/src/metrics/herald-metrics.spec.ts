import { createHeraldMetrics } from './herald-metrics.js';

const ecosystem = [
  'notifications_delivered_total',
  'notification_delivery_duration_seconds',
  'notification_retries_total',
];
// Labels whose values grow with the traffic: never allowed.
const unbounded = ['recipient', 'recipient_ref', 'event_id', 'notification_id', 'tenant', 'id'];

async function heraldMetrics() {
  const metrics = createHeraldMetrics({ processMetrics: false });
  return { metrics, all: await metrics.registry.getMetricsAsJSON() };
}

describe('createHeraldMetrics', () => {
  it('follows the Prometheus naming conventions', async () => {
    const { all } = await heraldMetrics();
    // The router's four (events consumed/rejected, rules matched, jobs planned) live
    // with its own counters in apps/router since the routing split.
    expect(all.length).toBeGreaterThanOrEqual(15);
    for (const metric of all) {
      const name = metric.name;
      expect([name, name.startsWith('herald_') || ecosystem.includes(name)]).toEqual([name, true]);
      expect([name, /^[a-z_]+$/.test(name)]).toEqual([name, true]);
      const type = String(metric.type);
      if (type === 'counter') expect([name, name.endsWith('_total')]).toEqual([name, true]);
      else expect([name, name.endsWith('_total')]).toEqual([name, false]);
      // Base units: seconds, never milliseconds.
      expect([name, /_(ms|milliseconds|minutes)(_|$)/.test(name)]).toEqual([name, false]);
      if (type === 'histogram') expect([name, /_(seconds|size)$/.test(name)]).toEqual([name, true]);
      expect(metric.help.length).toBeGreaterThan(10);
    }
    expect(all.map((m) => m.name)).toEqual(expect.arrayContaining(ecosystem));
  });

  it('uses bounded labels only', async () => {
    const { metrics } = await heraldMetrics();
    for (const metric of Object.values(metrics.m)) {
      const labels = (metric as unknown as { labelNames: string[] }).labelNames;
      for (const label of labels)
        expect([label, unbounded.includes(label)]).toEqual([label, false]);
    }
  });

  it('records a delivery under Herald names and the ecosystem names together', async () => {
    const { metrics } = await heraldMetrics();
    const eventTime = new Date('2026-01-01T00:00:00Z');
    const now = new Date('2026-01-01T00:00:02.5Z');
    metrics.recordDelivery({
      channel: 'webhook',
      provider: 'webhook',
      outcome: 'sent',
      durationSeconds: 0.2,
      eventTime,
      now,
    });
    metrics.recordDelivery({
      channel: 'webhook',
      provider: 'webhook',
      outcome: 'retrying',
      failureClass: 'timeout',
      durationSeconds: 10,
    });
    metrics.recordDelivery({ channel: 'webhook', provider: 'webhook', outcome: 'dead_lettered' });
    const text = await metrics.registry.metrics();
    expect(text).toContain(
      'herald_deliveries_total{channel="webhook",provider="webhook",outcome="sent",failure_class="none"} 1',
    );
    expect(text).toContain(
      'herald_deliveries_total{channel="webhook",provider="webhook",outcome="retrying",failure_class="timeout"} 1',
    );
    expect(text).toContain(
      'herald_deliveries_total{channel="webhook",provider="webhook",outcome="dead_lettered",failure_class="unknown"} 1',
    );
    expect(text).toContain('notifications_delivered_total{channel="webhook"} 1');
    expect(text).toContain('notification_retries_total{channel="webhook"} 1');
    expect(text).toContain('herald_delivery_retries_total{channel="webhook",provider="webhook"} 1');
    expect(text).toContain('herald_dead_lettered_total{stage="worker",channel="webhook"} 1');
    expect(text).toContain('notification_delivery_duration_seconds_count{channel="webhook"} 1');
    // 2.5 s from event to delivery: in the 2.5 bucket, not the 1 s one.
    expect(text).toContain('herald_event_to_delivery_seconds_bucket{le="1",channel="webhook"} 0');
    expect(text).toContain('herald_event_to_delivery_seconds_bucket{le="2.5",channel="webhook"} 1');
    expect(text).toContain('herald_event_to_delivery_seconds_sum{channel="webhook"} 2.5');
  });

  it('exports breaker state as a number and counts transitions', async () => {
    const { metrics } = await heraldMetrics();
    const labels = { channel: 'email', provider: 'ses', endpoint: 'eu-west-1' };
    metrics.recordBreakerState(labels, 'closed');
    metrics.recordBreakerState(labels, 'open');
    metrics.recordBreakerState(labels, 'open');
    metrics.recordBreakerState(labels, 'half_open');
    const text = await metrics.registry.metrics();
    expect(text).toContain(
      'herald_circuit_breaker_state{channel="email",provider="ses",endpoint="eu-west-1"} 1',
    );
    expect(text).toContain(
      'herald_circuit_breaker_transitions_total{channel="email",provider="ses",endpoint="eu-west-1",state="open"} 1',
    );
    expect(text).toContain(
      'herald_circuit_breaker_transitions_total{channel="email",provider="ses",endpoint="eu-west-1",state="half_open"} 1',
    );
  });

  it('times auditor writes, ok or failed', async () => {
    const { metrics } = await heraldMetrics();
    await expect(metrics.timeAuditorWrite(250, async () => 'done')).resolves.toBe('done');
    await expect(
      metrics.timeAuditorWrite(3, async () => {
        throw new Error('pg down');
      }),
    ).rejects.toThrow('pg down');
    const text = await metrics.registry.metrics();
    expect(text).toContain('herald_auditor_batch_size_count 2');
    expect(text).toContain('herald_auditor_batch_size_sum 253');
    expect(text).toContain('herald_auditor_write_duration_seconds_count{result="ok"} 1');
    expect(text).toContain('herald_auditor_write_duration_seconds_count{result="error"} 1');
  });

  it('adds default labels and process metrics when asked', async () => {
    const metrics = createHeraldMetrics({ defaultLabels: { app: 'router' } });
    metrics.m.deadLettered.inc({ stage: 'router', channel: 'none' });
    const text = await metrics.registry.metrics();
    expect(text).toContain(
      'herald_dead_lettered_total{stage="router",channel="none",app="router"} 1',
    );
    expect(text).toMatch(/^process_cpu_seconds_total\{app="router"\} /m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds\{app="router"\} /m);
  });

  it('still sees a stalled event loop in its lag metrics, sampling it every 100 ms', async () => {
    const metrics = createHeraldMetrics();
    await new Promise((resolve) => setTimeout(resolve, 250));
    // A synchronous stall of 400 ms: a sample falls due inside it and fires late.
    const until = Date.now() + 400;
    while (Date.now() < until);
    await new Promise((resolve) => setTimeout(resolve, 250));
    const text = await metrics.registry.metrics();
    const max = Number(/^nodejs_eventloop_lag_max_seconds (\S+)$/m.exec(text)?.[1]);
    expect(max).toBeGreaterThanOrEqual(0.25);
  });
});
