import { useState } from 'preact/hooks';
import { call } from '../api.js';
import { ErrorBox, Notice, Section, useLoad, useAction } from '../ui.js';

interface TopicSummary {
  topic: string;
  subscribers: number;
}
interface Subscribers {
  topic: string;
  subscribers: string[];
}

/** Recipient ids typed as "alice, bob" or one per line. */
const ids = (text: string) =>
  text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);

const path = (key: string) => `/v1/topics/${encodeURIComponent(key)}`;

/**
 * The tenant's topics (named subscriber groups rules reach as `topic:<key>`): list,
 * create with first subscribers, delete, and one topic's subscribers to add or remove.
 * A topic exists while it has subscribers (the API and `herald topics` say the same).
 */
export function Topics({ selected }: { selected: string | undefined }) {
  const list = useLoad(() => call<{ topics: TopicSummary[] }>('GET', '/v1/topics'), []);
  const [key, setKey] = useState('');
  const [first, setFirst] = useState('');
  const { error, notice, setNotice, act } = useAction(list.reload);
  const create = (e: Event) => {
    e.preventDefault();
    void act(async () => {
      const created = await call<Subscribers>('POST', '/v1/topics', {
        key: key.trim(),
        subscribers: ids(first),
      });
      setKey('');
      setFirst('');
      window.location.hash = `#/topics/${encodeURIComponent(created.topic)}`;
      return `Created topic ${created.topic} with ${created.subscribers.length} subscriber(s).`;
    });
  };
  const remove = (topic: string) =>
    act(async () => {
      await call('DELETE', path(topic));
      if (topic === selected) window.location.hash = '#/topics';
      return `Deleted topic ${topic}.`;
    });

  return (
    <Section title="Topics">
      <ErrorBox error={list.error ?? error} />
      <Notice text={notice} />
      <table data-testid="topics">
        <thead>
          <tr>
            <th>topic</th>
            <th>subscribers</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {list.data?.topics.map((t) => (
            <tr key={t.topic} data-topic={t.topic}>
              <td>
                <a href={`#/topics/${encodeURIComponent(t.topic)}`}>{t.topic}</a>
              </td>
              <td>{t.subscribers}</td>
              <td>
                <button onClick={() => remove(t.topic)}>Delete</button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {list.data && list.data.topics.length === 0 ? <p>No topics yet.</p> : null}
      <h3>New topic</h3>
      <form class="filters" onSubmit={create}>
        <label>
          key
          <input
            name="topic"
            value={key}
            onInput={(e) => setKey(e.currentTarget.value)}
            placeholder="on-call"
          />
        </label>
        <label>
          first subscribers (recipient ids)
          <input
            name="subscribers"
            value={first}
            onInput={(e) => setFirst(e.currentTarget.value)}
            placeholder="alice, bob"
          />
        </label>
        <button type="submit">Create topic</button>
      </form>
      {selected ? (
        <SubscriberList
          topic={selected}
          onChange={() => {
            setNotice('');
            list.reload();
          }}
        />
      ) : null}
    </Section>
  );
}

function SubscriberList({ topic, onChange }: { topic: string; onChange: () => void }) {
  const subs = useLoad(() => call<Subscribers>('GET', `${path(topic)}/subscribers`), [topic]);
  const [add, setAdd] = useState('');
  const { error, act } = useAction(() => {
    subs.reload();
    onChange();
  });
  return (
    <div data-testid="subscribers">
      <h3>Subscribers of {topic}</h3>
      <p class="muted">
        Rules reach them as <code>recipients: ["topic:{topic}"]</code>.
      </p>
      <ErrorBox error={subs.error ?? error} />
      <ul class="list">
        {subs.data?.subscribers.map((r) => (
          <li key={r} data-subscriber={r}>
            <a href={`#/recipients/${encodeURIComponent(r)}`}>{r}</a>{' '}
            <button
              onClick={() =>
                act(async () => {
                  await call('DELETE', `${path(topic)}/subscribers/${encodeURIComponent(r)}`);
                  // The last one gone, the topic is gone too (it exists while it has subscribers).
                  if (subs.data?.subscribers.length === 1) window.location.hash = '#/topics';
                })
              }
            >
              Remove
            </button>
          </li>
        ))}
      </ul>
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          void act(async () => {
            await call('POST', `${path(topic)}/subscribers`, { recipients: ids(add) });
            setAdd('');
          });
        }}
      >
        <label>
          add subscribers (recipient ids)
          <input name="add" value={add} onInput={(e) => setAdd(e.currentTarget.value)} />
        </label>
        <button type="submit">Add</button>
      </form>
    </div>
  );
}
