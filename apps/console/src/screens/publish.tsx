import { useState } from 'preact/hooks';
import { ApiError, call } from '../api.js';
import { ErrorBox, Section } from '../ui.js';

/** One event's verdict, as POST /v1/events answers (the router's codes). */
interface Verdict {
  index: number;
  id?: string;
  status: 'accepted' | 'rejected';
  code?: string;
  message?: string;
}

const sample = () =>
  JSON.stringify(
    {
      specversion: '1.0',
      id: crypto.randomUUID(),
      source: '/console',
      type: 'order.shipped',
      subject: 'order-1',
      data: { order: 'A-1', recipient: 'alice' },
    },
    null,
    2,
  );

/**
 * Publish: a CloudEvent (or a JSON array of them) pasted or edited here goes to
 * herald.events through POST /v1/events (publish or admin key); each event is answered
 * accepted or rejected with the router's code. The tenant is the key's.
 */
export function Publish() {
  const [text, setText] = useState(sample);
  const [idempotencyKey, setIdempotencyKey] = useState('');
  const [verdicts, setVerdicts] = useState<Verdict[]>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  async function publish(e: Event) {
    e.preventDefault();
    setError(undefined);
    setVerdicts(undefined);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (err) {
      setError(new Error(`the event is not valid JSON: ${(err as Error).message}`));
      return;
    }
    setBusy(true);
    try {
      const answer = await call<{ results: Verdict[] }>(
        'POST',
        '/v1/events',
        body,
        undefined,
        idempotencyKey.trim() ? { 'idempotency-key': idempotencyKey.trim() } : {},
      );
      setVerdicts(answer.results);
    } catch (err) {
      // No event accepted: the problem still lists each event's verdict.
      const results = err instanceof ApiError ? err.problem.results : undefined;
      if (results) setVerdicts(results as Verdict[]);
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  const accepted = verdicts?.filter((v) => v.status === 'accepted').length ?? 0;
  return (
    <Section title="Publish an event">
      <form class="stack" onSubmit={publish}>
        <label class="block">
          CloudEvent JSON (one event or an array)
          <textarea
            name="event"
            rows={14}
            value={text}
            onInput={(e) => setText(e.currentTarget.value)}
          />
        </label>
        <div class="filters">
          <label>
            Idempotency-Key (optional)
            <input
              name="idempotency-key"
              value={idempotencyKey}
              onInput={(e) => setIdempotencyKey(e.currentTarget.value)}
            />
          </label>
          <button type="submit" disabled={busy}>
            Publish
          </button>
          <button type="button" onClick={() => setText(sample())}>
            New sample
          </button>
        </div>
      </form>
      <ErrorBox error={error} />
      {verdicts ? (
        <>
          <p class="notice" role="status">
            {accepted} accepted, {verdicts.length - accepted} rejected
          </p>
          <table data-testid="verdicts">
            <thead>
              <tr>
                <th>#</th>
                <th>event id</th>
                <th>result</th>
                <th>code</th>
                <th>message</th>
              </tr>
            </thead>
            <tbody>
              {verdicts.map((v) => (
                <tr key={v.index} data-index={v.index} class={v.status}>
                  <td>{v.index}</td>
                  <td>{v.id ?? ''}</td>
                  <td class={v.status === 'accepted' ? 'up' : 'down'}>{v.status}</td>
                  <td>{v.code ?? ''}</td>
                  <td>{v.message ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
    </Section>
  );
}
