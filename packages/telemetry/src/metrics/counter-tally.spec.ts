import { Registry } from 'prom-client';
import { talliedCounter } from './counter-tally.js';

describe('talliedCounter', () => {
  it('shows every increment to the next read, per series, and only once', async () => {
    const registry = new Registry();
    const planned = talliedCounter({
      name: 'x_planned_total',
      help: 'h',
      labelNames: ['channel'] as const,
      registers: [registry],
    });
    const suppressed = talliedCounter({
      name: 'x_suppressed_total',
      help: 'h',
      labelNames: ['channel', 'reason'] as const,
      registers: [registry],
    });
    planned.add('email');
    planned.add('email');
    planned.add('webhook');
    suppressed.add('email', 'silenced');
    suppressed.add('email', 'quiet_hours');
    suppressed.add('sms', 'silenced');
    const text = await registry.metrics();
    expect(text).toContain('x_planned_total{channel="email"} 2');
    expect(text).toContain('x_planned_total{channel="webhook"} 1');
    expect(text).toContain('x_suppressed_total{channel="email",reason="silenced"} 1');
    expect(text).toContain('x_suppressed_total{channel="email",reason="quiet_hours"} 1');
    expect(text).toContain('x_suppressed_total{channel="sms",reason="silenced"} 1');
    // Counted once: a second read without new increments shows the same values.
    expect(await registry.metrics()).toBe(text);
    planned.add('email');
    const values = (await planned.counter.get()).values;
    expect(values.map((v) => [v.labels.channel, v.value])).toEqual([
      ['email', 3],
      ['webhook', 1],
    ]);
  });

  it('keeps a collect of its own configuration', async () => {
    const registry = new Registry();
    let collected = 0;
    const tallied = talliedCounter({
      name: 'x_total',
      help: 'h',
      labelNames: ['mode'] as const,
      registers: [registry],
      collect() {
        collected += 1;
      },
    });
    tallied.add('binary');
    expect(await registry.metrics()).toContain('x_total{mode="binary"} 1');
    expect(collected).toBe(1);
  });

  it('takes one or two label names', () => {
    expect(() => talliedCounter({ name: 'x_total', help: 'h' })).toThrow(/one or two label/);
    expect(() =>
      talliedCounter({ name: 'y_total', help: 'h', labelNames: ['a', 'b', 'c'] as const }),
    ).toThrow(/one or two label/);
  });
});
