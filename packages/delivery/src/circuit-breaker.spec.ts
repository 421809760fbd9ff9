import { BreakerRegistry, CircuitBreaker, endpointOf } from './circuit-breaker.js';

const config = {
  windowMs: 10_000,
  minRequests: 4,
  failureRatio: 0.5,
  openMs: 5_000,
  halfOpenProbes: 1,
};

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

it('stays closed below the minimum number of requests', () => {
  const c = clock();
  const b = new CircuitBreaker('h', config, c.now);
  for (let i = 0; i < 3; i++) b.record(false);
  expect(b.state).toBe('closed');
});

it('opens on the failure ratio, defers until openMs, then lets one probe through', () => {
  const c = clock();
  const changes: string[] = [];
  const b = new CircuitBreaker('h', config, c.now, (_e, from, to) => changes.push(`${from}>${to}`));
  b.record(true);
  b.record(true);
  b.record(false);
  expect(b.state).toBe('closed');
  b.record(false);
  expect(b.state).toBe('open');
  expect(b.allow()).toEqual({ allowed: false, retryAt: 1_000_000 + 5_000 });
  c.advance(5_000);
  expect(b.state).toBe('half_open');
  expect(b.allow()).toEqual({ allowed: true, probe: true });
  expect(b.allow()).toMatchObject({ allowed: false });
  b.record(true, true);
  expect(b.state).toBe('closed');
  expect(b.allow()).toEqual({ allowed: true, probe: false });
  expect(changes).toEqual(['closed>open', 'open>half_open', 'half_open>closed']);
});

it('a failed probe opens it again', () => {
  const c = clock();
  const b = new CircuitBreaker('h', config, c.now);
  for (let i = 0; i < 4; i++) b.record(false);
  c.advance(5_000);
  expect(b.allow()).toEqual({ allowed: true, probe: true });
  b.record(false, true);
  expect(b.state).toBe('open');
  expect(b.snapshot()).toMatchObject({ state: 'open', openedAt: 1_005_000, changes: 3 });
});

it('forgets results older than the window', () => {
  const c = clock();
  const b = new CircuitBreaker('h', config, c.now);
  for (let i = 0; i < 3; i++) b.record(false);
  c.advance(11_000);
  b.record(false);
  expect(b.state).toBe('closed');
  expect(b.snapshot()).toMatchObject({ requests: 1, failures: 1 });
});

it('the registry keeps one breaker per endpoint and snapshots them', () => {
  const c = clock();
  const r = new BreakerRegistry(config, c.now);
  expect(r.for('a')).toBe(r.for('a'));
  r.for('b').record(true);
  expect(r.snapshot().map((s) => [s.endpoint, s.state, s.requests])).toEqual([
    ['a', 'closed', 0],
    ['b', 'closed', 1],
  ]);
});

it('endpointOf: URL host, else the provider', () => {
  expect(endpointOf('webhook', 'https://hooks.example.com:8443/x?token=secret')).toBe(
    'webhook:hooks.example.com:8443',
  );
  expect(endpointOf('twilio', '+15551234567')).toBe('twilio');
  expect(endpointOf('slack', 'C0123')).toBe('slack');
});

it('endpointOf: the same answer when asked again (kept per provider), past the cache size too', () => {
  const url = 'https://hooks.example.com/a';
  for (let i = 0; i < 3; i++) {
    expect(endpointOf('webhook', url)).toBe('webhook:hooks.example.com');
    expect(endpointOf('slack', url)).toBe('slack:hooks.example.com');
    expect(endpointOf('webhook', 'https://exa mple.com/')).toBe('webhook');
    expect(endpointOf('webhook', 'HTTP://Other.example.com:80/x')).toBe(
      'webhook:other.example.com',
    );
  }
  // More receivers than it keeps: each still gets its own host.
  for (let i = 0; i < 10_050; i++)
    expect(endpointOf('webhook', `https://h${i}.example.com/x`)).toBe(`webhook:h${i}.example.com`);
  expect(endpointOf('webhook', url)).toBe('webhook:hooks.example.com');
});
