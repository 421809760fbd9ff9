import { ReadinessState } from './readiness-state.js';

const at = (iso: string) => Date.parse(iso);

it('names each failing check with the time of its first failing round, until it passes', () => {
  let now = at('2026-03-01T10:00:00.000Z');
  const state = new ReadinessState(() => now);
  expect(state.observe({ kafka: { ok: true }, redis: { ok: true } })).toEqual({
    status: 'ok',
    checks: { kafka: { ok: true }, redis: { ok: true } },
  });

  now = at('2026-03-01T10:02:00.000Z');
  const down = { kafka: { ok: true }, redis: { ok: false, error: 'connect ECONNREFUSED' } };
  expect(state.observe(down)).toEqual({
    status: 'unavailable',
    checks: {
      kafka: { ok: true },
      redis: { ok: false, error: 'connect ECONNREFUSED', since: '2026-03-01T10:02:00.000Z' },
    },
    since: '2026-03-01T10:02:00.000Z',
  });

  // Still down ten seconds later, and Postgres too: each keeps its own start.
  now = at('2026-03-01T10:02:10.000Z');
  const report = state.observe({ ...down, postgres: { ok: false, error: 'timeout' } });
  expect(report.checks.redis?.since).toBe('2026-03-01T10:02:00.000Z');
  expect(report.checks.postgres?.since).toBe('2026-03-01T10:02:10.000Z');
  expect(report.since).toBe('2026-03-01T10:02:00.000Z');

  // Back: ready, and a later failure starts a new streak.
  now = at('2026-03-01T10:03:00.000Z');
  expect(state.observe({ kafka: { ok: true }, redis: { ok: true } }).status).toBe('ok');
  now = at('2026-03-01T10:05:00.000Z');
  expect(state.observe(down).checks.redis?.since).toBe('2026-03-01T10:05:00.000Z');
});

it('forgets a check that is no longer reported (a start-up attempt got past it)', () => {
  let now = at('2026-03-01T10:00:00.000Z');
  const state = new ReadinessState(() => now);
  state.observe({ redis: { ok: false, error: 'refused' } });
  now = at('2026-03-01T10:00:30.000Z');
  state.observe({ postgres: { ok: false, error: 'refused' } });
  now = at('2026-03-01T10:01:00.000Z');
  // Redis fails again: a new streak, not the one from 10:00:00.
  expect(state.observe({ redis: { ok: false } }).checks.redis).toEqual({
    ok: false,
    since: '2026-03-01T10:01:00.000Z',
  });
});
