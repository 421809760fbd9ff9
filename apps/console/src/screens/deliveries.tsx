import { useState } from 'preact/hooks';
import { call, query } from '../api.js';
import { ErrorBox, Section, useLoad, when } from '../ui.js';

interface Notification {
  id: string;
  eventId: string;
  eventType: string;
  eventTime: string;
  ruleId: string;
  ruleVersion: number;
  channel: string;
  recipient: string;
  state: string;
  reason: string | null;
  attempt: number;
  provider: string | null;
  providerStatus: number | null;
  lastStatusAt: string;
}

const fields = ['recipient', 'event', 'state', 'channel'] as const;
type Filter = Partial<Record<(typeof fields)[number] | 'since' | 'until', string>>;

/** datetime-local gives local wall time without a zone; the API wants an instant. */
const instant = (local: string | undefined) => (local ? new Date(local).toISOString() : undefined);

/** Notifications of the tenant, newest first, a page at a time (the API's keyset cursor). */
export function Deliveries() {
  const [draft, setDraft] = useState<Filter>({});
  const [filter, setFilter] = useState<Filter>({});
  // Cursors of the pages before this one, to go back without the API keeping state.
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors[cursors.length - 1];
  const page = useLoad(
    () =>
      call<{ items: Notification[]; nextCursor?: string }>(
        'GET',
        `/v1/notifications${query({
          ...filter,
          since: instant(filter.since),
          until: instant(filter.until),
          limit: '25',
          cursor,
        })}`,
      ),
    [JSON.stringify(filter), cursor],
  );
  const set = (name: keyof Filter) => (e: { currentTarget: HTMLInputElement }) =>
    setDraft({ ...draft, [name]: e.currentTarget.value });
  return (
    <Section title="Deliveries">
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          setCursors([]);
          setFilter(draft);
        }}
      >
        {fields.map((f) => (
          <label key={f}>
            {f}
            <input name={f} value={draft[f] ?? ''} onInput={set(f)} />
          </label>
        ))}
        <label>
          since
          <input
            name="since"
            type="datetime-local"
            value={draft.since ?? ''}
            onInput={set('since')}
          />
        </label>
        <label>
          until
          <input
            name="until"
            type="datetime-local"
            value={draft.until ?? ''}
            onInput={set('until')}
          />
        </label>
        <button type="submit">Search</button>
      </form>
      <ErrorBox error={page.error} />
      <table>
        <thead>
          <tr>
            <th>notification</th>
            <th>event</th>
            <th>recipient</th>
            <th>channel</th>
            <th>state</th>
            <th>event time</th>
          </tr>
        </thead>
        <tbody>
          {page.data?.items.map((n) => (
            <tr key={n.id}>
              <td>
                <a href={`#/notifications/${n.id}`}>{n.id.slice(0, 8)}…</a>
              </td>
              <td>
                {n.eventType} <small>{n.eventId}</small>
              </td>
              <td>{n.recipient}</td>
              <td>{n.channel}</td>
              <td class={`state ${n.state}`}>{n.state}</td>
              <td>{when(n.eventTime)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {page.data && page.data.items.length === 0 ? <p>No notifications match.</p> : null}
      <div class="pager">
        <button disabled={cursors.length === 0} onClick={() => setCursors(cursors.slice(0, -1))}>
          Previous
        </button>
        <button
          disabled={!page.data?.nextCursor}
          onClick={() => setCursors([...cursors, page.data!.nextCursor!])}
        >
          Next
        </button>
      </div>
    </Section>
  );
}

interface History {
  notification: Notification;
  timeline: {
    at: string;
    state: string;
    reason: string | null;
    attempt: number;
    providerStatus: number | null;
    providerMessage: string | null;
  }[];
  attempts: Record<string, unknown>[];
}

/** One notification: its row and the timeline of every status and attempt. */
export function NotificationView({ id }: { id: string }) {
  const loaded = useLoad(() => call<History>('GET', `/v1/notifications/${id}`), [id]);
  const n = loaded.data?.notification;
  return (
    <Section title={`Notification ${id}`}>
      <a href="#/deliveries">← deliveries</a>
      <ErrorBox error={loaded.error} />
      {n ? (
        <dl class="facts">
          <dt>event</dt>
          <dd>
            {n.eventType} ({n.eventId}) at {when(n.eventTime)}
          </dd>
          <dt>rule</dt>
          <dd>
            {n.ruleId} v{n.ruleVersion}
          </dd>
          <dt>recipient</dt>
          <dd>{n.recipient}</dd>
          <dt>channel</dt>
          <dd>
            {n.channel} {n.provider ? `via ${n.provider}` : ''}
          </dd>
          <dt>state</dt>
          <dd class={`state ${n.state}`}>
            {n.state} {n.reason ? `: ${n.reason}` : ''} (attempt {n.attempt})
          </dd>
        </dl>
      ) : null}
      {loaded.data ? (
        <>
          <h3>Timeline</h3>
          <ol class="timeline">
            {loaded.data.timeline.map((t, i) => (
              <li key={i}>
                <time>{when(t.at)}</time> <strong class={`state ${t.state}`}>{t.state}</strong>{' '}
                attempt {t.attempt}
                {t.reason ? ` — ${t.reason}` : ''}
                {t.providerStatus ? ` (provider ${t.providerStatus})` : ''}
              </li>
            ))}
          </ol>
          <h3>Attempts</h3>
          <pre>{JSON.stringify(loaded.data.attempts, null, 2)}</pre>
        </>
      ) : null}
    </Section>
  );
}
