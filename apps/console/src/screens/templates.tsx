import { useState } from 'preact/hooks';
import { call } from '../api.js';
import { lineDiff } from '../diff.js';
import { DiffView, ErrorBox, Section, useLoad, useAction } from '../ui.js';

interface Template {
  id: string;
  version: number;
  channel: string;
  locale: string;
  parts: unknown;
}

interface Change {
  kind: string;
  name: string;
  channel?: string;
  locale: string;
  action: string;
  version: number;
}

interface RollbackResult {
  applied: boolean;
  revision: string;
  rollbackOf: number;
  changes: Change[];
}

const changed = (r: RollbackResult) =>
  r.changes
    .filter((c) => c.action !== 'unchanged')
    .map((c) => `${c.channel ?? c.kind} ${c.locale} → v${c.version}`)
    .join(', ') || 'no change';

const variant = (t: Template) => `${t.channel} ${t.locale}`;
const body = (t: Template | undefined) => (t ? JSON.stringify(t.parts, null, 2) : '');

/** The tenant's templates: the latest of each, a template's versions, a diff of two, rollback. */
export function Templates({ selected }: { selected: string | undefined }) {
  const list = useLoad(() => call<{ templates: Template[] }>('GET', '/v1/templates'), []);
  const ids = [...new Set(list.data?.templates.map((t) => t.id))];
  return (
    <Section title="Templates">
      <ErrorBox error={list.error} />
      <ul class="list">
        {ids.map((id) => (
          <li key={id}>
            <a
              href={`#/templates/${encodeURIComponent(id)}`}
              class={id === selected ? 'current' : ''}
            >
              {id}
            </a>
          </li>
        ))}
      </ul>
      {list.data && ids.length === 0 ? <p>No templates yet.</p> : null}
      {selected ? <Versions id={selected} /> : null}
    </Section>
  );
}

function Versions({ id }: { id: string }) {
  const loaded = useLoad(
    () => call<{ versions: Template[] }>('GET', `/v1/templates/${encodeURIComponent(id)}/versions`),
    [id],
  );
  const versions = loaded.data?.versions ?? [];
  const variants = [...new Set(versions.map(variant))];
  const [chosen, setChosen] = useState<string>();
  const shown = chosen ?? variants[0];
  const of = versions.filter((t) => variant(t) === shown).sort((a, b) => b.version - a.version);
  const [pair, setPair] = useState<[number, number]>();
  const [to, from] = pair ?? [of[0]?.version ?? 0, of[1]?.version ?? of[0]?.version ?? 0];
  const pick = (v: number) => of.find((t) => t.version === v);
  // Rollback: a dry run first shows what it would save, then the user confirms.
  const [plan, setPlan] = useState<RollbackResult>();
  const [done, setDone] = useState<RollbackResult>();
  const { error, act } = useAction();
  const rollbackUrl = `/v1/templates/${encodeURIComponent(id)}/rollback`;
  const planRollback = (version: number) =>
    act(async () => {
      setDone(undefined);
      setPlan(await call<RollbackResult>('POST', rollbackUrl, { version, dryRun: true }));
    });
  const rollback = (version: number) =>
    act(async () => {
      setDone(await call<RollbackResult>('POST', rollbackUrl, { version }));
      setPlan(undefined);
      setPair(undefined);
      loaded.reload();
    });
  return (
    <div>
      <h3>{id}</h3>
      <ErrorBox error={loaded.error ?? error} />
      {done ? (
        <p class="notice" role="status">
          Rolled back to v{done.rollbackOf}: {changed(done)}.
        </p>
      ) : null}
      {variants.length > 1 ? (
        <label>
          variant{' '}
          <select
            value={shown}
            onChange={(e) => (setChosen(e.currentTarget.value), setPair(undefined))}
          >
            {variants.map((v) => (
              <option key={v}>{v}</option>
            ))}
          </select>
        </label>
      ) : null}
      <table>
        <thead>
          <tr>
            <th>version</th>
            <th>parts</th>
            <th></th>
          </tr>
        </thead>
        <tbody>
          {of.map((t) => (
            <tr key={t.version}>
              <td>v{t.version}</td>
              <td>
                <pre>{body(t)}</pre>
              </td>
              <td>
                {t.version !== of[0]?.version ? (
                  <button onClick={() => planRollback(t.version)}>Roll back to v{t.version}</button>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {plan ? (
        <div class="confirm">
          <p>
            Rolling back to v{plan.rollbackOf} saves: {changed(plan)}
          </p>
          <button onClick={() => rollback(plan.rollbackOf)}>
            Confirm rollback to v{plan.rollbackOf}
          </button>{' '}
          <button onClick={() => setPlan(undefined)}>Cancel</button>
        </div>
      ) : null}
      {of.length > 1 ? (
        <>
          <p>
            Diff from{' '}
            <select value={from} onChange={(e) => setPair([to, Number(e.currentTarget.value)])}>
              {of.map((t) => (
                <option key={t.version} value={t.version}>
                  v{t.version}
                </option>
              ))}
            </select>{' '}
            to{' '}
            <select value={to} onChange={(e) => setPair([Number(e.currentTarget.value), from])}>
              {of.map((t) => (
                <option key={t.version} value={t.version}>
                  v{t.version}
                </option>
              ))}
            </select>
          </p>
          <DiffView lines={lineDiff(body(pick(from)), body(pick(to)))} />
        </>
      ) : null}
    </div>
  );
}
