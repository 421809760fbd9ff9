import { useState } from 'preact/hooks';
import { call, query } from '../api.js';
import { ErrorBox, Section, useLoad, when } from '../ui.js';

interface Letter {
  offset: string;
  deadLetteredAt: string;
  notificationId: string | null;
  channel: string | null;
  kind: string;
  attempts: number;
  reason: string;
  replayed: boolean;
}

interface Replay {
  dryRun: boolean;
  replayed: number;
  notifications: unknown[];
  skippedWithoutJob: unknown[];
  refused: unknown[];
}

/** Dead letters of the tenant (herald.dlq), with a dry run and a replay of one. */
export function DeadLetters() {
  const [kind, setKind] = useState('');
  const [channel, setChannel] = useState('');
  const [result, setResult] = useState<{ id: string; replay: Replay }>();
  const [error, setError] = useState<unknown>();
  const list = useLoad(
    () =>
      call<{ items: Letter[] }>(
        'GET',
        `/v1/dead-letters${query({ kind, channel: channel.trim() })}`,
      ),
    [kind, channel],
  );
  async function replay(id: string, dryRun: boolean) {
    setError(undefined);
    setResult(undefined);
    try {
      const r = await call<Replay>('POST', '/v1/dead-letters/replay', { id, dryRun });
      setResult({ id, replay: r });
      if (!dryRun) list.reload();
    } catch (err) {
      setError(err);
    }
  }
  return (
    <Section title="Dead letters">
      <div class="filters">
        <label>
          kind
          <select value={kind} onChange={(e) => setKind(e.currentTarget.value)}>
            <option value="">any</option>
            {['permanent', 'exhausted', 'malformed', 'poison'].map((k) => (
              <option key={k}>{k}</option>
            ))}
          </select>
        </label>
        <label>
          channel
          <input value={channel} onChange={(e) => setChannel(e.currentTarget.value)} />
        </label>
      </div>
      <ErrorBox error={list.error ?? error} />
      {result ? (
        <p class="notice" role="status">
          {result.replay.dryRun
            ? `Dry run: ${result.replay.replayed} would be replayed`
            : `Replayed ${result.replay.replayed}`}{' '}
          ({result.id})
          {result.replay.refused.length ? `, ${result.replay.refused.length} refused` : ''}
          {result.replay.skippedWithoutJob.length
            ? `, ${result.replay.skippedWithoutJob.length} without a job`
            : ''}
        </p>
      ) : null}
      <table>
        <thead>
          <tr>
            <th>notification</th>
            <th>channel</th>
            <th>kind</th>
            <th>reason</th>
            <th>attempts</th>
            <th>dead-lettered</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {list.data?.items.map((l) => (
            <tr key={l.offset} data-notification={l.notificationId ?? ''}>
              <td>{l.notificationId}</td>
              <td>{l.channel}</td>
              <td>{l.kind}</td>
              <td>{l.reason}</td>
              <td>{l.attempts}</td>
              <td>{when(l.deadLetteredAt)}</td>
              <td>
                {l.replayed ? (
                  <span class="replayed">replayed</span>
                ) : l.notificationId ? (
                  <>
                    <button onClick={() => replay(l.notificationId!, true)}>Dry run</button>{' '}
                    <button onClick={() => replay(l.notificationId!, false)}>Replay</button>
                  </>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {list.data && list.data.items.length === 0 ? <p>No dead letters.</p> : null}
    </Section>
  );
}
