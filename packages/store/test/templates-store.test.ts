import type { Kysely } from 'kysely';
import { HeraldError } from '@herald/core';
import { buildTemplateRegistry, LiveTemplates, validateTemplate } from '@herald/templates';
import { TemplateStore, type HeraldDatabase, type TemplateBundle } from '@herald/store';
import { migratedDatabase } from './migrated-database.js';

let db: Kysely<HeraldDatabase>;
let store: TemplateStore;
const now = new Date('2025-06-01T08:00:00Z');

migratedDatabase((created) => {
  db = created;
  store = new TemplateStore(db, {
    validate: (def, sample, ctx) => validateTemplate(def as never, sample, ctx),
  });
});

const bundle = (subject: string, footer = '<p>Acme</p>'): TemplateBundle => ({
  layouts: [{ name: 'main', source: '<html><body>{{body}}{{> footer}}</body></html>' }],
  partials: [{ name: 'footer', source: footer }],
  templates: [
    {
      id: 'order-shipped',
      channel: 'email',
      locale: 'default',
      parts: { subject, html: '<p>Order {{order.id}}</p>', layout: 'main' },
      sampleData: { order: { id: 'A-1' } },
    },
    {
      id: 'order-shipped',
      channel: 'sms',
      locale: 'fr',
      parts: { text: 'Commande {{order.id}} expédiée' },
    },
  ],
});

describe('TemplateStore', () => {
  it('versions changed definitions only, atomically, and loads them into a registry', async () => {
    expect(await store.revision()).toBe('0');

    const dry = await store.apply(bundle('Shipped {{order.id}}'), { actor: 'alice', dryRun: true });
    expect(dry.applied).toBe(false);
    expect(dry.changes.map((c) => `${c.kind}:${c.name}:${c.action}:${c.version}`)).toEqual([
      'partial:footer:created:1',
      'layout:main:created:1',
      'template:order-shipped:created:1',
      'template:order-shipped:created:1',
    ]);
    expect(await store.revision()).toBe('0');

    const first = await store.apply(bundle('Shipped {{order.id}}'), { actor: 'alice' });
    expect(first).toMatchObject({ applied: true, revision: '1' });

    const same = await store.apply(bundle('Shipped {{order.id}}'), { actor: 'bob' });
    expect(same.applied).toBe(false);
    expect(same.changes.every((c) => c.action === 'unchanged')).toBe(true);

    const second = await store.apply(bundle('On its way: {{order.id}}'), { actor: 'bob' });
    expect(second).toMatchObject({ applied: true, revision: '2' });
    expect(second.changes.filter((c) => c.action !== 'unchanged')).toEqual([
      {
        kind: 'template',
        name: 'order-shipped',
        channel: 'email',
        locale: 'default',
        action: 'updated',
        version: 2,
        previousVersion: 1,
      },
    ]);

    const snapshot = await store.load();
    expect(snapshot.revision).toBe('2');
    expect(snapshot.templates.map((t) => `${t.channel}/${t.locale}@${t.version}`)).toEqual([
      'email/default@1',
      'email/default@2',
      'sms/fr@1',
    ]);
    const registry = buildTemplateRegistry(snapshot);
    const data = { order: { id: 'B-2' } };
    expect(registry.render('order-shipped', 'email', 'en', data, { now })).toMatchObject({
      subject: 'On its way: B-2',
      html: '<html><body><p>Order B-2</p><p>Acme</p></body></html>',
    });
    expect(registry.render('order-shipped@1', 'email', 'en', data, { now }).subject).toBe(
      'Shipped B-2',
    );
    expect(registry.render('order-shipped', 'sms', 'fr-CA', data, { now }).text).toBe(
      'Commande B-2 expédiée',
    );

    const list = await store.list();
    expect(
      list.map(
        (t) => `${t.id} ${t.channel} ${t.locale} v${t.version}/${t.versions} ${t.updatedBy}`,
      ),
    ).toEqual(['order-shipped email default v2/2 bob', 'order-shipped sms fr v1/1 alice']);
  });

  it('refuses a broken template with its name, channel, locale and line, and saves nothing', async () => {
    const before = await store.revision();
    const broken: TemplateBundle = {
      templates: [
        { id: 'fine', channel: 'sms', locale: 'default', parts: { text: 'ok' } },
        {
          id: 'broken',
          channel: 'email',
          locale: 'fr-CA',
          parts: { subject: 'x', html: '<p>\n{{#if a}}\n</p>' },
        },
      ],
    };
    let error: unknown;
    try {
      await store.apply(broken, { actor: 'carol' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(HeraldError);
    expect((error as Error).message).toMatch(
      /^HERALD_ERR_TEMPLATE_INVALID: template broken@1 \(channel email, locale fr-CA\) is invalid: .*html, line \d/,
    );
    expect(await store.revision()).toBe(before);
    expect((await store.list()).map((t) => t.id)).not.toContain('fine');
  });

  it('refuses a partial change that breaks a stored template it was not given', async () => {
    await expect(
      store.apply(
        {
          templates: [],
          partials: [{ name: 'footer', source: '{{formatTime order.id timeZone="Mars/Olympus"}}' }],
        },
        { actor: 'dave' },
      ),
    ).rejects.toThrow(/order-shipped@2 \(channel email, locale default\).*Mars\/Olympus/);
  });

  it('is a TemplateSource: LiveTemplates reloads after an apply', async () => {
    const live = new LiveTemplates({ source: store, intervalMs: 60_000 });
    await live.start();
    try {
      const subject = () =>
        live.registry.render('order-shipped', 'email', 'en', { order: { id: 'C' } }, { now })
          .subject;
      expect(subject()).toBe('On its way: C');
      await store.apply(bundle('Dispatched {{order.id}}'), { actor: 'erin' });
      expect(await live.refresh()).toBe(true);
      expect(subject()).toBe('Dispatched C');
    } finally {
      await live.stop();
    }
  });
});
