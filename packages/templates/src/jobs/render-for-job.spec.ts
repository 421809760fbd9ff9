import type { DeliveryJob } from '@herald/core';
import {
  buildTemplateRegistry,
  LiveTemplates,
  renderForJob,
  TemplateRegistry,
  type TemplateSource,
} from '../index.js';

const now = new Date('2025-06-01T08:00:00Z');

function job(overrides: Partial<DeliveryJob> = {}): DeliveryJob {
  return {
    notificationId: 'ntf-1',
    event: { id: 'evt-1', source: 'shop', type: 'order.shipped' },
    tenant: 'acme',
    rule: { id: 'r', version: 1 },
    channel: 'email',
    recipient: { ref: 'u-1', address: 'ada@example.test' },
    template: { ref: 'order-shipped' },
    locale: 'fr-CA',
    priority: 'normal',
    attempt: 1,
    payload: { order: { id: 'A-7', total: 1234.5, at: '2025-06-01T20:30:00Z' } },
    plannedAt: now.toISOString(),
    ...overrides,
  };
}

const registry = new TemplateRegistry();
registry.add({
  id: 'order-shipped',
  version: 1,
  channel: 'email',
  locale: 'default',
  parts: {
    subject: 'Order {{order.id}}',
    html: '<p>{{formatCurrency order.total "CAD"}} at {{formatTime order.at "short"}}</p>',
  },
});
registry.add({
  id: 'order-shipped',
  version: 1,
  channel: 'email',
  locale: 'fr',
  parts: {
    subject: 'Commande {{order.id}}',
    html: '<p>{{formatCurrency order.total "CAD"}} à {{formatTime order.at "short"}}</p>',
  },
});
registry.add({
  id: 'alert',
  version: 1,
  channel: 'sms',
  locale: 'default',
  parts: { text: '{{formatDate at}}' },
});

describe('renderForJob', () => {
  test('renders the job template in the job locale and time zone', () => {
    const result = renderForJob(registry, job({ timezone: 'Europe/Paris' }), { now });
    expect(result.status).toBe('rendered');
    const content = result.status === 'rendered' ? result.content : undefined;
    expect(content?.subject).toBe('Commande A-7');
    // Intl separates with (narrow) no-break spaces.
    expect(String(content?.html).replace(/\s/g, ' ')).toBe('<p>1 234,50 $ à 22 h 30</p>');
  });

  test('the job time zone wins over the default given by the worker; UTC without either', () => {
    const paris = renderForJob(registry, job({ timezone: 'Europe/Paris' }), {
      now,
      timezone: 'Asia/Tokyo',
    });
    const tokyo = renderForJob(registry, job(), { now, timezone: 'Asia/Tokyo' });
    const utc = renderForJob(registry, job(), { now });
    const html = (r: ReturnType<typeof renderForJob>) =>
      r.status === 'rendered' ? r.content?.html : r.reason;
    expect(html(paris)).toMatch(/22\sh\s30/);
    expect(html(tokyo)).toMatch(/5\sh\s30/);
    expect(html(utc)).toMatch(/20\sh\s30/);
  });

  test('a job without a template renders nothing: webhooks send the payload', () => {
    expect(
      renderForJob(registry, job({ channel: 'webhook', template: undefined }), { now }),
    ).toEqual({ status: 'rendered', content: undefined });
  });

  test('explicit data replaces the payload', () => {
    const result = renderForJob(registry, job({ locale: 'en' }), {
      now,
      data: { order: { id: 'B-1', total: 1, at: now.toISOString() } },
    });
    expect(result.status === 'rendered' && result.content?.subject).toBe('Order B-1');
  });

  test('a missing template is a permanent failure naming the chain', () => {
    const result = renderForJob(registry, job({ template: { ref: 'nope' } }), { now });
    expect(result).toMatchObject({ status: 'failed', permanent: true });
    expect(result.status === 'failed' && result.reason).toMatch(
      /^HERALD_ERR_TEMPLATE_NOT_FOUND: no template nope for channel email in locale fr-CA \(tried fr-CA → fr → default/,
    );
  });

  test('data that does not fit is a permanent failure with the precise render error', () => {
    const result = renderForJob(
      registry,
      job({ channel: 'sms', template: { ref: 'alert' }, payload: { at: 'soon' } }),
      { now },
    );
    expect(result).toMatchObject({ status: 'failed', permanent: true });
    expect(result.status === 'failed' && result.reason).toMatch(
      /^HERALD_ERR_TEMPLATE_RENDER: template alert@1 \(channel sms, locale default.*formatDate: "soon" is not a date/,
    );
  });

  test('an unknown time zone is a permanent failure, not a silent UTC', () => {
    const result = renderForJob(registry, job({ timezone: 'Mars/Olympus' }), { now });
    expect(result.status === 'failed' && result.reason).toMatch(
      /^HERALD_ERR_TEMPLATE_RENDER.*Mars\/Olympus/,
    );
  });

  test('over a provider limit is a permanent HERALD_ERR_TEMPLATE_LIMIT', () => {
    const small = new TemplateRegistry({ limits: { smsMaxSegments: 1 } });
    small.add({
      id: 'long',
      version: 1,
      channel: 'sms',
      locale: 'default',
      parts: { text: '{{t}}' },
    });
    const result = renderForJob(
      small,
      job({ channel: 'sms', template: { ref: 'long' }, payload: { t: 'x'.repeat(200) } }),
      { now },
    );
    expect(result.status === 'failed' && result.reason).toMatch(/^HERALD_ERR_TEMPLATE_LIMIT/);
  });
});

describe('buildTemplateRegistry and LiveTemplates', () => {
  const sms = (text: string, version: number) => ({
    id: 'hello',
    version,
    channel: 'sms' as const,
    locale: 'default',
    parts: { text },
  });

  test('builds a registry from stored definitions, partials included', () => {
    const built = buildTemplateRegistry({
      templates: [sms('v1 {{> sig}}', 1), sms('v2 {{> sig}}', 2)],
      partials: [{ name: 'sig', source: '-- Acme' }],
    });
    expect(built.render('hello', 'sms', 'en', {}, { now }).text).toBe('v2 -- Acme');
    expect(built.render('hello@1', 'sms', 'en', {}, { now }).text).toBe('v1 -- Acme');
  });

  test('a stored definition that no longer compiles is refused by name', () => {
    expect(() => buildTemplateRegistry({ templates: [sms('{{nohelper x}}', 3)] })).toThrow(
      /HERALD_ERR_TEMPLATE_INVALID: template hello@3 \(channel sms, locale default\)/,
    );
  });

  test('reloads when the revision moves, keeps the last good registry when a reload fails', async () => {
    let revision = '1';
    let text = 'first';
    let broken = false;
    const source: TemplateSource = {
      revision: async () => revision,
      load: async () => {
        if (broken) throw new Error('database down');
        return { revision, templates: [sms(text, Number(revision))] };
      },
    };
    const live = new LiveTemplates({ source, intervalMs: 60_000 });
    await live.start();
    const render = () => live.registry.render('hello', 'sms', 'en', {}, { now }).text;
    expect(render()).toBe('first');
    expect(await live.refresh()).toBe(false);
    revision = '2';
    text = 'second';
    expect(await live.refresh()).toBe(true);
    expect(render()).toBe('second');
    expect(live.revision).toBe('2');
    revision = '3';
    broken = true;
    await expect(live.refresh()).rejects.toThrow('database down');
    expect(render()).toBe('second');
    await live.stop();
    await live.stop();
  });
});
