import { useEffect } from 'preact/hooks';
import { call } from '../api.js';
import { ErrorBox, Section, useLoad, when } from '../ui.js';

interface Report {
  services: { name: string; address: string; up: boolean; error?: string }[];
  consumerGroups:
    | { group: string; state: string; members: number; topic: string | null; lag: number | null }[]
    | { error: string };
  dlq: { topic: string; messages: number } | { error: string };
  breakers:
    | {
        state: string;
        requests: number;
        failures: number;
        worker: string;
        channels: string[];
        updatedAt: number;
      }[]
    | { error: string };
}

const POLL_MS = 5_000;

const failed = (x: unknown): x is { error: string } =>
  typeof x === 'object' && x !== null && !Array.isArray(x) && 'error' in x;

/** GET /v1/status every 5 s: services, consumer lag, DLQ backlog, breakers. */
export function Status() {
  const report = useLoad(() => call<Report>('GET', '/v1/status'), []);
  useEffect(() => {
    const timer = setInterval(report.reload, POLL_MS);
    return () => clearInterval(timer);
  }, [report.reload]);
  const r = report.data;
  return (
    <Section title="Live status">
      <p class="muted">
        Refreshed every {POLL_MS / 1000} s{report.loading ? ' (loading…)' : ''}.
      </p>
      <ErrorBox error={report.error} />
      {r ? (
        <>
          <h3>Services</h3>
          <ul class="list">
            {r.services.map((s) => (
              <li key={s.name} class={s.up ? 'up' : 'down'}>
                {s.name} {s.up ? 'up' : `down: ${s.error ?? ''}`} <small>{s.address}</small>
              </li>
            ))}
          </ul>
          <h3>Consumer lag</h3>
          {failed(r.consumerGroups) ? (
            <p class="error">{r.consumerGroups.error}</p>
          ) : (
            <table data-testid="lag">
              <thead>
                <tr>
                  <th>group</th>
                  <th>state</th>
                  <th>members</th>
                  <th>topic</th>
                  <th>lag</th>
                </tr>
              </thead>
              <tbody>
                {r.consumerGroups.map((g) => (
                  <tr key={`${g.group} ${g.topic ?? ''}`}>
                    <td>{g.group}</td>
                    <td>{g.state}</td>
                    <td>{g.members}</td>
                    <td>{g.topic ?? '—'}</td>
                    <td>{g.lag ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <h3>Dead-letter backlog</h3>
          <p>
            {failed(r.dlq) ? r.dlq.error : `${r.dlq.messages} on ${r.dlq.topic}`}{' '}
            <a href="#/dead-letters">dead letters →</a>
          </p>
          <h3>Circuit breakers</h3>
          {failed(r.breakers) ? (
            <p class="error">{r.breakers.error}</p>
          ) : r.breakers.length === 0 ? (
            <p>No breaker reported (all closed or no worker publishing).</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th>state</th>
                  <th>channels</th>
                  <th>requests</th>
                  <th>failures</th>
                  <th>worker</th>
                  <th>updated</th>
                </tr>
              </thead>
              <tbody>
                {r.breakers.map((b, i) => (
                  <tr key={i} class={b.state}>
                    <td>{b.state}</td>
                    <td>{b.channels.join(', ')}</td>
                    <td>{b.requests}</td>
                    <td>{b.failures}</td>
                    <td>{b.worker}</td>
                    <td>{when(new Date(b.updatedAt).toISOString())}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      ) : null}
    </Section>
  );
}
