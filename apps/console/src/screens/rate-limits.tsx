import { useState } from 'preact/hooks';
import { call, channelNames } from '../api.js';
import { ErrorBox, Notice, Section, useLoad, useAction } from '../ui.js';

interface Policy {
  id: string;
  scope: string;
  channel: string | null;
  provider: string | null;
  limit: number;
  periodMs: number;
  burst: number;
  action: string;
  bypassCritical: boolean;
  enabled: boolean;
  description: string | null;
}

const blank: Policy = {
  id: '',
  scope: 'recipient',
  channel: null,
  provider: null,
  limit: 10,
  periodMs: 60_000,
  burst: 1,
  action: 'defer',
  bypassCritical: true,
  enabled: true,
  description: null,
};

/** "3 per 1 h" for a period in ms. */
function per(p: Policy): string {
  const units: [number, string][] = [
    [86_400_000, 'd'],
    [3_600_000, 'h'],
    [60_000, 'min'],
    [1_000, 's'],
  ];
  const [ms, unit] = units.find(([ms]) => p.periodMs % ms === 0) ?? [1, 'ms'];
  return `${p.limit} per ${p.periodMs / ms} ${unit}`;
}

/**
 * The tenant's rate-limit policies (workers apply them to the tenant's jobs): list,
 * create or update through one form (PUT replaces a policy), delete.
 */
export function RateLimits() {
  const list = useLoad(() => call<{ policies: Policy[] }>('GET', '/v1/rate-limit-policies'), []);
  const channels = useLoad(channelNames, []);
  const [draft, setDraft] = useState<Policy>(blank);
  const { error, notice, act } = useAction(list.reload);
  const set = <K extends keyof Policy>(k: K, v: Policy[K]) => setDraft((d) => ({ ...d, [k]: v }));

  const save = (e: Event) => {
    e.preventDefault();
    void act(async () => {
      const { id, ...body } = draft;
      const saved = await call<Policy>(
        'PUT',
        `/v1/rate-limit-policies/${encodeURIComponent(id.trim())}`,
        { ...body, channel: body.channel || null, provider: body.provider || null },
      );
      return `Saved policy ${saved.id}: ${per(saved)} per ${saved.scope}.`;
    });
  };
  const number = (k: 'limit' | 'periodMs' | 'burst') => (
    <label>
      {k}
      <input
        name={k}
        type="number"
        min="1"
        value={draft[k]}
        onInput={(e) => set(k, e.currentTarget.valueAsNumber)}
      />
    </label>
  );

  return (
    <Section title="Rate limits">
      <ErrorBox error={list.error ?? error} />
      <Notice text={notice} />
      <table data-testid="policies">
        <thead>
          <tr>
            <th>policy</th>
            <th>limit</th>
            <th>scope</th>
            <th>channel / provider</th>
            <th>burst</th>
            <th>over the limit</th>
            <th>critical</th>
            <th>state</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {list.data?.policies.map((p) => (
            <tr key={p.id} data-policy={p.id}>
              <td>
                {p.id}
                {p.description ? <div class="muted">{p.description}</div> : null}
              </td>
              <td>{per(p)}</td>
              <td>{p.scope}</td>
              <td>{[p.channel, p.provider].filter(Boolean).join(' / ') || 'any'}</td>
              <td>{p.burst}</td>
              <td>{p.action}</td>
              <td>{p.bypassCritical ? 'bypass' : 'limited'}</td>
              <td>{p.enabled ? 'enabled' : 'disabled'}</td>
              <td>
                <button onClick={() => setDraft(p)}>Edit</button>{' '}
                <button
                  onClick={() =>
                    act(async () => {
                      await call('DELETE', `/v1/rate-limit-policies/${encodeURIComponent(p.id)}`);
                      return `Deleted policy ${p.id}.`;
                    })
                  }
                >
                  Delete
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {list.data && list.data.policies.length === 0 ? <p>No rate-limit policies yet.</p> : null}
      <h3>
        {draft.id && list.data?.policies.some((p) => p.id === draft.id) ? 'Update' : 'New'} policy
      </h3>
      <form class="filters" onSubmit={save}>
        <label>
          id
          <input name="id" value={draft.id} onInput={(e) => set('id', e.currentTarget.value)} />
        </label>
        <label>
          scope
          <select
            name="scope"
            value={draft.scope}
            onChange={(e) => set('scope', e.currentTarget.value)}
          >
            {['recipient', 'channel', 'provider', 'tenant'].map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        {number('limit')}
        {number('periodMs')}
        {number('burst')}
        <label>
          channel
          <select
            name="channel"
            value={draft.channel ?? ''}
            onChange={(e) => set('channel', e.currentTarget.value || null)}
          >
            {['', ...(channels.data ?? [])].map((c) => (
              <option key={c} value={c}>
                {c || 'any'}
              </option>
            ))}
          </select>
        </label>
        <label>
          provider
          <input
            name="provider"
            value={draft.provider ?? ''}
            onInput={(e) => set('provider', e.currentTarget.value || null)}
            placeholder="any"
          />
        </label>
        <label>
          over the limit
          <select
            name="action"
            value={draft.action}
            onChange={(e) => set('action', e.currentTarget.value)}
          >
            <option>defer</option>
            <option>drop</option>
          </select>
        </label>
        <label>
          <span>
            <input
              type="checkbox"
              name="bypassCritical"
              checked={draft.bypassCritical}
              onChange={(e) => set('bypassCritical', e.currentTarget.checked)}
            />{' '}
            critical bypasses
          </span>
        </label>
        <label>
          <span>
            <input
              type="checkbox"
              name="enabled"
              checked={draft.enabled}
              onChange={(e) => set('enabled', e.currentTarget.checked)}
            />{' '}
            enabled
          </span>
        </label>
        <label>
          description
          <input
            name="description"
            value={draft.description ?? ''}
            onInput={(e) => set('description', e.currentTarget.value || null)}
          />
        </label>
        <button type="submit">Save policy</button>{' '}
        <button type="button" onClick={() => setDraft(blank)}>
          Clear
        </button>
      </form>
    </Section>
  );
}
