import { useState } from 'preact/hooks';
import { call } from '../api.js';
import { lineDiff } from '../diff.js';
import { DiffView, ErrorBox, Section, useLoad, when, useAction } from '../ui.js';

interface Rule {
  id: string;
  revision: number;
  setVersion: number;
  createdAt: string;
  definition: Record<string, unknown>;
}
interface RuleSet {
  version: number;
  rules: Rule[];
}
interface Diff {
  added: string[];
  changed: string[];
  removed: string[];
}
interface Version {
  version: number;
  kind: string;
  rolledBackFrom: number | null;
  appliedBy: string;
  appliedAt: string;
  diff: Diff;
}
interface ApplyResult {
  applied: boolean;
  dryRun: boolean;
  previousVersion: number;
  version: number;
  diff: Diff;
}

const text = (set: RuleSet | undefined) =>
  (set?.rules ?? []).map((r) => JSON.stringify({ id: r.id, ...r.definition }, null, 2)).join('\n');

const summary = (d: Diff) =>
  [
    d.added.length ? `+ ${d.added.join(', ')}` : '',
    d.changed.length ? `~ ${d.changed.join(', ')}` : '',
    d.removed.length ? `− ${d.removed.join(', ')}` : '',
  ]
    .filter(Boolean)
    .join('  ') || 'no change';

/** The tenant's rules: the current set, its versions with their diffs, compare and roll back. */
export function Rules() {
  const current = useLoad(() => call<RuleSet>('GET', '/v1/rules'), []);
  const history = useLoad(() => call<{ versions: Version[] }>('GET', '/v1/rules/history'), []);
  const [compare, setCompare] = useState<{ version: number; set: RuleSet }>();
  const [plan, setPlan] = useState<{ version: number; result: ApplyResult }>();
  const [done, setDone] = useState<ApplyResult>();
  const { error, act } = useAction();
  const showDiff = (version: number) =>
    act(async () =>
      setCompare({ version, set: await call<RuleSet>('GET', `/v1/rules?version=${version}`) }),
    );
  const planRollback = (version: number) =>
    act(async () => {
      setDone(undefined);
      const result = await call<ApplyResult>('POST', '/v1/rules/rollback', {
        version,
        dryRun: true,
      });
      setPlan({ version, result });
    });
  const rollback = (version: number) =>
    act(async () => {
      setDone(await call<ApplyResult>('POST', '/v1/rules/rollback', { version }));
      setPlan(undefined);
      setCompare(undefined);
      current.reload();
      history.reload();
    });

  return (
    <Section title="Rules">
      <ErrorBox error={current.error ?? history.error ?? error} />
      {done ? (
        <p class="notice" role="status">
          Rolled back: version {done.version} now holds the rules of the chosen version (
          {summary(done.diff)}).
        </p>
      ) : null}
      <h3>Current rules {current.data ? `(version ${current.data.version})` : ''}</h3>
      <table data-testid="rules">
        <thead>
          <tr>
            <th>rule</th>
            <th>set version</th>
            <th>definition</th>
          </tr>
        </thead>
        <tbody>
          {current.data?.rules.map((r) => (
            <tr key={r.id}>
              <td>{r.id}</td>
              <td>{r.setVersion}</td>
              <td>
                <pre>{JSON.stringify(r.definition)}</pre>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {current.data && current.data.rules.length === 0 ? <p>No rules yet.</p> : null}
      <h3>Versions</h3>
      <table data-testid="rule-history">
        <thead>
          <tr>
            <th>version</th>
            <th>kind</th>
            <th>change</th>
            <th>by</th>
            <th>at</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {history.data?.versions.map((v) => (
            <tr key={v.version} data-version={v.version}>
              <td>v{v.version}</td>
              <td>
                {v.kind}
                {v.rolledBackFrom ? ` of v${v.rolledBackFrom}` : ''}
              </td>
              <td>{summary(v.diff)}</td>
              <td>{v.appliedBy}</td>
              <td>{when(v.appliedAt)}</td>
              <td>
                <button onClick={() => showDiff(v.version)}>Diff with current</button>{' '}
                {v.version !== current.data?.version ? (
                  <button onClick={() => planRollback(v.version)}>Roll back to v{v.version}</button>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {plan ? (
        <div class="confirm">
          <p>
            Rolling back to v{plan.version} makes version {plan.result.version}:{' '}
            {summary(plan.result.diff)}
          </p>
          <button onClick={() => rollback(plan.version)}>
            Confirm rollback to v{plan.version}
          </button>{' '}
          <button onClick={() => setPlan(undefined)}>Cancel</button>
        </div>
      ) : null}
      {compare ? (
        <>
          <h3>
            v{compare.version} → current (v{current.data?.version})
          </h3>
          <DiffView lines={lineDiff(text(compare.set), text(current.data))} />
        </>
      ) : null}
    </Section>
  );
}
