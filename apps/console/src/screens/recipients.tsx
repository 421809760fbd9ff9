import { useEffect, useState } from 'preact/hooks';
import { call } from '../api.js';
import { ErrorBox, Section, useLoad } from '../ui.js';

/** A recipient as /v1/recipients/{id} answers and PUT /v1/recipients takes it. */
type Recipient = Record<string, unknown> & { id: string };

const EDITABLE = ['addresses', 'locale', 'timezone', 'attributes', 'preferences'] as const;

/** Look a recipient up, see its addresses and preferences, edit them (PUT replaces it). */
export function Recipients({ selected }: { selected: string | undefined }) {
  const [id, setId] = useState(selected ?? '');
  return (
    <Section title="Recipients">
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          window.location.hash = `#/recipients/${encodeURIComponent(id.trim())}`;
        }}
      >
        <label>
          recipient id
          <input name="recipient" value={id} onInput={(e) => setId(e.currentTarget.value)} />
        </label>
        <button type="submit">Open</button>
      </form>
      {selected ? <Editor id={selected} /> : null}
    </Section>
  );
}

function Editor({ id }: { id: string }) {
  const loaded = useLoad(
    () => call<Recipient>('GET', `/v1/recipients/${encodeURIComponent(id)}`),
    [id],
  );
  const [draft, setDraft] = useState('');
  const [error, setError] = useState<unknown>();
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    const start: Recipient = loaded.data ?? { id, addresses: {}, preferences: {} };
    // Only what PUT takes (it refuses unknown fields); the id is the one opened.
    const editable = Object.fromEntries(
      EDITABLE.filter((k) => start[k] !== undefined).map((k) => [k, start[k]]),
    );
    setDraft(JSON.stringify(editable, null, 2));
  }, [loaded.data, id]);
  async function save() {
    setError(undefined);
    setSaved(false);
    try {
      const recipient = JSON.parse(draft) as Recipient;
      await call('PUT', '/v1/recipients', { recipients: [{ ...recipient, id }] });
      setSaved(true);
      loaded.reload();
    } catch (err) {
      setError(err);
    }
  }
  const missing = !loaded.loading && !loaded.data;
  return (
    <div>
      <h3>{id}</h3>
      {missing ? <p>Not found: saving creates it.</p> : null}
      {loaded.data ? (
        <dl class="facts">
          {Object.entries((loaded.data.addresses ?? {}) as Record<string, unknown>).map(
            ([ch, a]) => (
              <>
                <dt>{ch}</dt>
                <dd>{typeof a === 'string' ? a : JSON.stringify(a)}</dd>
              </>
            ),
          )}
          <dt>preferences</dt>
          <dd>
            <code>{JSON.stringify(loaded.data.preferences ?? {})}</code>
          </dd>
        </dl>
      ) : null}
      <label class="block">
        addresses, locale, timezone and preferences (JSON)
        <textarea rows={14} value={draft} onInput={(e) => setDraft(e.currentTarget.value)} />
      </label>
      <button onClick={save}>Save</button>
      {saved ? (
        <span class="notice" role="status">
          {' '}
          Saved.
        </span>
      ) : null}
      <ErrorBox error={error} />
    </div>
  );
}
