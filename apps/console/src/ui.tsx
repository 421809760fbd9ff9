import { useCallback, useEffect, useState } from 'preact/hooks';
import type { ComponentChildren } from 'preact';
import { ApiError } from './api.js';
import type { DiffLine } from './diff.js';

/** An API problem (or any error) with its detail and the fields it names. */
export function ErrorBox({ error }: { error: unknown }) {
  if (!error) return null;
  const problem = error instanceof ApiError ? error.problem : undefined;
  return (
    <div class="error" role="alert">
      <strong>
        {problem ? `${problem.status} ${problem.title}` : 'Error'}
        {problem?.code ? ` (${problem.code})` : ''}
      </strong>
      <div class="detail">{error instanceof Error ? error.message : String(error)}</div>
      {problem?.errors?.length ? (
        <ul>
          {problem.errors.map((e) => (
            <li key={e.field}>
              <code>{e.field}</code>: {e.message}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

export interface Loaded<T> {
  readonly data: T | undefined;
  readonly error: unknown;
  readonly loading: boolean;
  readonly reload: () => void;
}

/** Runs `load` now and whenever `deps` change (or reload() is called). */
export function useLoad<T>(load: () => Promise<T>, deps: readonly unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({
    loading: true,
  });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => live && setState({ data, loading: false }),
      (error: unknown) => live && setState({ error, loading: false }),
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}

export function Section({ title, children }: { title: string; children: ComponentChildren }) {
  return (
    <section>
      <h2>{title}</h2>
      {children}
    </section>
  );
}

export function DiffView({ lines }: { lines: readonly DiffLine[] }) {
  return (
    <pre class="diff" data-testid="diff">
      {lines.map((l, i) => (
        <div key={i} class={l.op === '+' ? 'add' : l.op === '-' ? 'del' : ''}>
          {l.op} {l.text}
        </div>
      ))}
    </pre>
  );
}

/** A date-time as the user's locale shows it (the API sends ISO strings). */
export const when = (iso: string | null | undefined) => (iso ? new Date(iso).toLocaleString() : '');
