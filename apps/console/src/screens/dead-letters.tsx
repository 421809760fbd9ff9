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
  notifications: { notificationId: string; attempt: number; topic: string }[];
  skippedWithoutJob: number;
  refused: unknown[];
}

/** An ISO time of a datetime-local input's value (the browser's time zone), else undefined. */
const iso = (local: string) => (local ? new Date(local).toISOString() : undefined);

/**
 * Dead letters of the tenant (herald.dlq): the list with filters, a dry run and a
 * replay of one, and a replay of every letter the filter matches (a dry run first
 * shows how many and which, then the replay is confirmed).
 */
export function DeadLetters() {
  const [kind, setKind] = useState('');
  const [channel, setChannel] = useState('');
  const [reason, setReason] = useState('');
  const [since, setSince] = useState('');
  const [until, setUntil] = useState('');
  const [result, setResult] = useState<{ id: string; replay: Replay }>();
  const [plan, setPlan] = useState<Replay>();
  const [error, setError] = useState<unknown>();
  const filter = {
    kind: kind || undefined,
    channel: channel.trim() || undefined,
    reason: reason.trim() || undefined,
    since: iso(since),
    until: iso(until),
  };
  const list = useLoad(
    () => call<{ items: Letter[] }>('GET', `/v1/dead-letters${query(filter)}`),
    [kind, channel, reason, since, until],
  );
  async function replay(id: string, dryRun: boolean) {
    setError(undefined);
    setResult(undefined);
    setPlan(undefined);
    try {
      const r = await call<Replay>('POST', '/v1/dead-letters/replay', { id, dryRun });
      setResult({ id, replay: r });
      if (!dryRun) list.reload();
    } catch (err) {
      setError(err);
    }
  }
  // No filter at all means every letter of the tenant not replayed yet (all: true).
  const filtered = Object.values(filter).some((v) => v !== undefined);
  async function replayMatching(dryRun: boolean) {
    setError(undefined);
    setResult(undefined);
    try {
      const body = { ...JSON.parse(JSON.stringify(filter)), ...(filtered ? {} : { all: true }) };
      const r = await call<Replay>('POST', '/v1/dead-letters/replay', { ...body, dryRun });
      if (dryRun) setPlan(r);
      else {
        setPlan(undefined);
        setResult({ id: filtered ? 'filter' : 'all', replay: r });
        list.reload();
      }
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
          <input
            name="channel"
            value={channel}
            onChange={(e) => setChannel(e.currentTarget.value)}
          />
        </label>
        <label>
          reason contains
          <input name="reason" value={reason} onChange={(e) => setReason(e.currentTarget.value)} />
        </label>
        <label>
          since
          <input
            name="since"
            type="datetime-local"
            value={since}
            onChange={(e) => setSince(e.currentTarget.value)}
          />
        </label>
        <label>
          until
          <input
            name="until"
            type="datetime-local"
            value={until}
            onChange={(e) => setUntil(e.currentTarget.value)}
          />
        </label>
        <button type="button" onClick={() => replayMatching(true)}>
          Dry run: replay matching
        </button>
      </div>
      {plan ? (
        <div class="confirm" data-testid="replay-plan">
          <p>
            {plan.replayed} dead letter(s) {filtered ? 'match the filter' : 'not replayed yet'} and
            would be replayed
            {plan.skippedWithoutJob ? `, ${plan.skippedWithoutJob} without a job skipped` : ''}
            {plan.refused.length ? `, ${plan.refused.length} refused` : ''}:
          </p>
          <ul class="list">
            {plan.notifications.map((n) => (
              <li key={n.notificationId}>
                <code>{n.notificationId}</code> → {n.topic} (attempt {n.attempt})
              </li>
            ))}
          </ul>
          {plan.replayed > 0 ? (
            <button onClick={() => replayMatching(false)}>Replay {plan.replayed} matching</button>
          ) : null}{' '}
          <button onClick={() => setPlan(undefined)}>Cancel</button>
        </div>
      ) : null}
      <ErrorBox error={list.error ?? error} />
      {result ? (
        <p class="notice" role="status">
          {result.replay.dryRun
            ? `Dry run: ${result.replay.replayed} would be replayed`
            : `Replayed ${result.replay.replayed}`}{' '}
          ({result.id})
          {result.replay.refused.length ? `, ${result.replay.refused.length} refused` : ''}
          {result.replay.skippedWithoutJob
            ? `, ${result.replay.skippedWithoutJob} without a job`
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
