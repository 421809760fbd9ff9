import type { CloudEvent } from '@herald/core';
import { loadRules, planDeliveries, type Silence } from '@herald/rules';
import { holdBack } from './hold-step.js';
import type { InhibitionPort } from './ports.js';
import type { Routed } from './routed.js';

// The Redis behind InhibitionPort is tested in apps/router (silences-inhibition.test.ts).

const now = new Date('2026-03-01T12:00:00Z');
const rules = loadRules(
  `rules:
  - id: alerts
    types: [alert.fired]
    channels: [{ type: webhook, url: "https://hooks.example.com/a" }]
inhibit:
  - source: [severity=critical]
    target: [severity=warning]
    equal: [service]
    window: 10m
`,
  'rules.yaml',
);

function item(id: string, severity: string, service: string): Routed {
  const event: CloudEvent = {
    specversion: '1.0',
    id,
    source: '/mon',
    type: 'alert.fired',
    tenantid: 'acme',
    severity,
    service,
    data: {},
  };
  return {
    record: {
      topic: 't',
      partition: 0,
      offset: '0',
      key: null,
      value: null,
      headers: {},
      timestamp: now.getTime(),
    },
    event,
    producedAt: now.toISOString(),
    headers: undefined,
    duplicate: false,
    matches: rules.match(event, now),
    tenants: new Map(),
    dropped: [],
  };
}

class FakeMarks implements InhibitionPort {
  readonly values = new Map<string, string>();
  down = false;
  async mark(marks: readonly { key: string; value: string }[]) {
    if (!this.down) for (const m of marks) this.values.set(m.key, m.value);
  }
  async read(keys: readonly string[]) {
    return keys.map((k) => (this.down ? null : (this.values.get(k) ?? null)));
  }
}

async function hold(items: Routed[], marks: FakeMarks, silences: Silence[] = []) {
  const plans = items.map((i) => planDeliveries(i.event, i.matches, { now }));
  return holdBack(items, plans, now, {
    inhibitions: rules.inhibitions,
    silences: { current: silences },
    inhibition: marks,
    defaultTenant: 'default',
    keyPrefix: 'p.',
  });
}

describe('holdBack', () => {
  it('inhibits a target of the same chunk with equal labels, keeping the others', async () => {
    const marks = new FakeMarks();
    const [crit, warn, other] = await hold(
      [item('c', 'critical', 'api'), item('w', 'warning', 'api'), item('o', 'warning', 'web')],
      marks,
    );
    expect(crit!.jobs).toHaveLength(1);
    expect(warn!.jobs).toEqual([]);
    expect(warn!.suppressed).toMatchObject([
      { reason: 'inhibited', inhibitedBy: 'c', detail: 'c' },
    ]);
    expect(other!.jobs).toHaveLength(1);
    expect([...marks.values.keys()][0]).toMatch(/^p\.herald:inhibit:acme:inhibit-1:/);
  });

  it('fails open: with the marks store down nothing is inhibited', async () => {
    const marks = new FakeMarks();
    marks.down = true;
    const [, warn] = await hold([item('c', 'critical', 'api'), item('w', 'warning', 'api')], marks);
    expect(warn!.jobs).toHaveLength(1);
  });

  it('a silence wins over an inhibition and names itself', async () => {
    const silence: Silence = {
      id: 's-1',
      matchers: [{ name: 'service', op: '=', value: 'api' }],
      startsAt: new Date(now.getTime() - 1),
      endsAt: new Date(now.getTime() + 60_000),
      createdBy: 'ops',
      comment: 'maintenance',
    };
    const [crit, warn] = await hold(
      [item('c', 'critical', 'api'), item('w', 'warning', 'api')],
      new FakeMarks(),
      [silence],
    );
    expect(crit!.suppressed).toMatchObject([{ reason: 'silenced', silenceId: 's-1' }]);
    expect(warn!.suppressed).toMatchObject([{ reason: 'silenced', silenceId: 's-1' }]);
  });
});
