import { useState } from 'preact/hooks';
import { call, channelNames } from '../api.js';
import { ErrorBox, Section, useLoad } from '../ui.js';

interface Template {
  id: string;
  channel: string;
  locale: string;
  version: number;
}

/** What POST /v1/test-send answers: the provider's own answer, accepted or not. */
interface Answer {
  status: 'sent' | 'failed';
  provider?: string;
  providerMessageId?: string;
  providerStatus?: number;
  failureClass?: string;
  permanent?: boolean;
  reason?: string;
  template?: { id: string; version: number; locale?: string };
  content?: Record<string, unknown>;
}

/** Parses a JSON text field, naming it when it is not JSON. */
function json(name: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`${name} is not valid JSON: ${(err as Error).message}`);
  }
}

/**
 * Test send: one message rendered (a stored template of the tenant or inline parts)
 * with sample data and sent through the channel's real provider to one address; the
 * provider's answer is shown as it came (admin keys only: it reaches real addresses).
 */
export function TestSend() {
  const templates = useLoad(() => call<{ templates: Template[] }>('GET', '/v1/templates'), []);
  const channels = useLoad(channelNames, []);
  const [channel, setChannel] = useState('email');
  const [to, setTo] = useState('');
  const [template, setTemplate] = useState('');
  const [content, setContent] = useState('{\n  "text": "Hello {{name}}"\n}');
  const [data, setData] = useState('{\n  "name": "Ada"\n}');
  const [answer, setAnswer] = useState<Answer>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const usable = (templates.data?.templates ?? []).filter((t) => t.channel === channel);

  async function send(e: Event) {
    e.preventDefault();
    setError(undefined);
    setAnswer(undefined);
    setBusy(true);
    try {
      setAnswer(
        await call<Answer>('POST', '/v1/test-send', {
          channel,
          to: to.trim(),
          ...(template ? { template } : { content: json('content', content) }),
          data: json('sample data', data),
        }),
      );
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Section title="Test send">
      <ErrorBox error={templates.error ?? error} />
      <form class="stack" onSubmit={send}>
        <div class="filters">
          <label>
            channel
            <select
              name="channel"
              value={channel}
              onChange={(e) => {
                setChannel(e.currentTarget.value);
                setTemplate('');
              }}
            >
              {(channels.data ?? [channel]).map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
            </select>
          </label>
          <label>
            to (address)
            <input
              name="to"
              value={to}
              size={40}
              onInput={(e) => setTo(e.currentTarget.value)}
              placeholder="e-mail, +phone, https://…"
              required
            />
          </label>
          <label>
            template
            <select
              name="template"
              value={template}
              onChange={(e) => setTemplate(e.currentTarget.value)}
            >
              <option value="">inline content below</option>
              {usable.map((t) => (
                <option key={`${t.id}:${t.locale}`} value={t.id}>
                  {t.id} ({t.locale}, v{t.version})
                </option>
              ))}
            </select>
          </label>
        </div>
        {template ? null : (
          <label class="block">
            inline content: template parts (JSON)
            <textarea
              name="content"
              rows={5}
              value={content}
              onInput={(e) => setContent(e.currentTarget.value)}
            />
          </label>
        )}
        <label class="block">
          sample data (JSON)
          <textarea
            name="data"
            rows={5}
            value={data}
            onInput={(e) => setData(e.currentTarget.value)}
          />
        </label>
        <button type="submit" disabled={busy}>
          Send test
        </button>
      </form>
      {answer ? (
        <div data-testid="answer">
          <h3 class={answer.status === 'sent' ? 'up' : 'down'} role="status">
            {answer.status === 'sent' ? 'Sent' : 'Refused'} by {answer.provider ?? 'the provider'}
          </h3>
          <dl class="facts">
            {answer.providerMessageId ? (
              <>
                <dt>message id</dt>
                <dd>{answer.providerMessageId}</dd>
              </>
            ) : null}
            {answer.providerStatus !== undefined ? (
              <>
                <dt>HTTP status</dt>
                <dd>{answer.providerStatus}</dd>
              </>
            ) : null}
            {answer.failureClass ? (
              <>
                <dt>failure</dt>
                <dd>
                  {answer.failureClass}
                  {answer.permanent ? ' (permanent)' : ' (transient)'}
                </dd>
              </>
            ) : null}
            {answer.reason ? (
              <>
                <dt>reason</dt>
                <dd>{answer.reason}</dd>
              </>
            ) : null}
            {answer.template ? (
              <>
                <dt>template</dt>
                <dd>
                  {answer.template.id} v{answer.template.version}
                </dd>
              </>
            ) : null}
          </dl>
          <h3>Rendered</h3>
          <pre>{JSON.stringify(answer.content, null, 2)}</pre>
        </div>
      ) : null}
    </Section>
  );
}
