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

/**
 * A screen's actions: `act(what)` clears the last error and notice, runs `what`, shows
 * the text it resolves to (if any) as the notice and calls `after` (e.g. reload the
 * list); a failure is kept as `error` for <ErrorBox>.
 */
export function useAction(after?: () => void) {
  const [error, setError] = useState<unknown>();
  const [notice, setNotice] = useState('');
  async function act(what: () => Promise<unknown>): Promise<void> {
    setError(undefined);
    setNotice('');
    try {
      const result = await what();
      if (typeof result === 'string') setNotice(result);
      after?.();
    } catch (err) {
      setError(err);
    }
  }
  return { error, setError, notice, setNotice, act };
}

/** A screen's last success message, announced to screen readers; nothing when empty. */
export function Notice({ text }: { text: string }) {
  return text ? (
    <p class="notice" role="status">
      {text}
    </p>
  ) : null;
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
