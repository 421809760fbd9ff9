import { HeraldError, isHeraldError } from '@herald/core';
import { parseTemplateRef, TemplateRegistry, type TemplateDefinition } from './index.js';

const now = new Date('2025-06-01T08:00:00Z');

function sms(locale: string, text: string, version = 1, id = 'welcome'): TemplateDefinition {
  return { id, version, channel: 'sms', locale, parts: { text } };
}

function thrown(fn: () => unknown): HeraldError {
  try {
    fn();
  } catch (err) {
    if (err instanceof HeraldError) return err;
    throw err;
  }
  throw new Error('expected a HeraldError');
}

describe('locale fallback', () => {
  const registry = new TemplateRegistry();
  registry.add(sms('default', 'Welcome {{name}}'));
  registry.add(sms('fr', 'Bienvenue {{name}}'));
  registry.add(sms('fr-CA', 'Bienvenue au Canada {{name}}'));

  test('fr-CA → fr → default', () => {
    expect(registry.render('welcome', 'sms', 'fr-CA', { name: 'A' }, { now }).text).toBe(
      'Bienvenue au Canada A',
    );
    expect(registry.render('welcome', 'sms', 'fr-BE', { name: 'A' }, { now }).text).toBe(
      'Bienvenue A',
    );
    expect(registry.render('welcome', 'sms', 'fr_ca', { name: 'A' }, { now }).text).toBe(
      'Bienvenue au Canada A',
    );
    expect(registry.render('welcome', 'sms', 'de', { name: 'A' }, { now }).text).toBe('Welcome A');
    expect(registry.render('welcome', 'sms', undefined, { name: 'A' }, { now }).text).toBe(
      'Welcome A',
    );
  });

  test('resolve says which definition a render uses', () => {
    expect(registry.resolve('welcome', 'sms', 'fr-BE')).toMatchObject({ locale: 'fr', version: 1 });
  });

  test('the fallback locale is tried after default', () => {
    const en = new TemplateRegistry({ fallbackLocale: 'en' });
    en.add(sms('en', 'Hello'));
    expect(en.render('welcome', 'sms', 'ja', {}, { now }).text).toBe('Hello');
  });

  test('no template in any locale of the chain: HERALD_ERR_TEMPLATE_NOT_FOUND listing the chain', () => {
    const err = thrown(() => registry.render('welcome', 'email', 'fr-CA', {}, { now }));
    expect(err.code).toBe('HERALD_ERR_TEMPLATE_NOT_FOUND');
    expect(err.retriable).toBe(false);
    expect(err.message).toBe(
      'HERALD_ERR_TEMPLATE_NOT_FOUND: no template welcome for channel email in locale fr-CA (tried fr-CA → fr → default → en)',
    );
  });
});

describe('versions', () => {
  const registry = new TemplateRegistry();
  registry.add(sms('default', 'v1', 1, 'promo'));
  registry.add(sms('default', 'v2', 2, 'promo'));
  registry.add(sms('fr', 'fr v1', 1, 'promo'));

  test('latest by default, exact with id@version or the object form', () => {
    expect(registry.render('promo', 'sms', 'default', {}, { now }).text).toBe('v2');
    expect(registry.render('promo@1', 'sms', 'default', {}, { now }).text).toBe('v1');
    expect(registry.render({ id: 'promo', version: 2 }, 'sms', 'fr', {}, { now }).text).toBe('v2');
    expect(registry.render('promo', 'sms', 'fr', {}, { now }).text).toBe('fr v1');
    expect(() => registry.render('promo@3', 'sms', 'fr', {}, { now })).toThrow(
      /no template promo@3/,
    );
  });

  test('re-adding a version replaces it and its compiled form', () => {
    const r = new TemplateRegistry();
    r.add(sms('default', 'before'));
    expect(r.render('welcome', 'sms', 'en', {}, { now }).text).toBe('before');
    r.add(sms('default', 'after'));
    expect(r.render('welcome', 'sms', 'en', {}, { now }).text).toBe('after');
  });

  test('parseTemplateRef', () => {
    expect(parseTemplateRef('a@7')).toEqual({ id: 'a', version: 7 });
    expect(parseTemplateRef('a')).toEqual({ id: 'a', version: undefined });
    expect(parseTemplateRef('a@latest')).toEqual({ id: 'a@latest', version: undefined });
  });
});

describe('partials and layouts', () => {
  const registry = new TemplateRegistry({
    partials: [
      { name: 'sign', source: 'The {{team}} team' },
      { name: 'sign', locale: 'fr', source: "L'équipe {{team}}" },
      { name: 'item', source: '<li>{{name}}</li>' },
    ],
    layouts: [
      {
        name: 'main',
        source: '<html><body><h1>{{brand}}</h1>{{body}}<footer>{{> sign}}</footer></body></html>',
      },
      {
        name: 'main',
        locale: 'fr',
        source: '<html lang="fr"><body>{{{body}}}<footer>{{> sign}}</footer></body></html>',
      },
    ],
  });
  const email = (locale: string): TemplateDefinition => ({
    id: 'order',
    version: 1,
    channel: 'email',
    locale,
    parts: {
      subject: 'Order {{id}}',
      html: '<ul>{{#each items}}{{> item}}{{/each}}</ul>',
      layout: 'main',
    },
  });
  registry.add(email('default'));
  registry.add(email('fr'));
  const data = { id: 7, brand: 'A&B', team: '<Ops>', items: [{ name: 'x<y' }] };

  test('the layout wraps the HTML; partials and layout follow the template locale; values are escaped', () => {
    const out = registry.render('order', 'email', 'en', data, { now });
    expect(out.html).toBe(
      '<html><body><h1>A&amp;B</h1><ul><li>x&lt;y</li></ul><footer>The &lt;Ops&gt; team</footer></body></html>',
    );
    const fr = registry.render('order', 'email', 'fr-CA', data, { now });
    expect(fr.html).toBe(
      '<html lang="fr"><body><ul><li>x&lt;y</li></ul><footer>L\'équipe &lt;Ops&gt;</footer></body></html>',
    );
  });

  test('a partial used from a text part is not HTML-escaped', () => {
    const r = new TemplateRegistry({ partials: [{ name: 'sign', source: '-- {{team}}' }] });
    r.add({
      id: 's',
      version: 1,
      channel: 'sms',
      locale: 'default',
      parts: { text: 'Hi\n{{> sign}}' },
    });
    expect(r.render('s', 'sms', 'en', { team: 'R&D' }, { now }).text).toBe('Hi\n-- R&D');
  });

  test('redefining a partial takes effect on the next render', () => {
    const r = new TemplateRegistry({ partials: [{ name: 'p', source: 'one' }] });
    r.add({ id: 's', version: 1, channel: 'sms', locale: 'default', parts: { text: '{{> p}}' } });
    expect(r.render('s', 'sms', 'en', {}, { now }).text).toBe('one');
    r.definePartial({ name: 'p', source: 'two' });
    expect(r.render('s', 'sms', 'en', {}, { now }).text).toBe('two');
  });

  test('a partial that does not parse is refused with its line', () => {
    const err = thrown(() =>
      new TemplateRegistry().definePartial({ name: 'bad', source: 'a\nb {{#if x}}' }),
    );
    expect(err.code).toBe('HERALD_ERR_TEMPLATE_INVALID');
    expect(err.message).toMatch(/partial bad .* line 2: near/);
    const unknown = thrown(() =>
      new TemplateRegistry().defineLayout({ name: 'main', source: '<p>\n  {{shout x}}</p>' }),
    );
    expect(unknown.message).toBe(
      'HERALD_ERR_TEMPLATE_INVALID: template layout main (channel -, locale default) is invalid: line 2, column 3: You specified knownHelpersOnly, but used the unknown helper shout',
    );
  });
});

describe('render', () => {
  const registry = new TemplateRegistry({ cacheSize: 2 });
  for (const id of ['a', 'b', 'c'])
    registry.add(sms('default', `${id} {{formatDateTime at}}`, 1, id));

  test('content is frozen and identical across renders through a small cache', () => {
    const first = registry.render('a', 'sms', 'en', { at: now }, { now });
    registry.render('b', 'sms', 'en', { at: now }, { now });
    registry.render('c', 'sms', 'en', { at: now }, { now });
    expect(Object.isFrozen(first)).toBe(true);
    expect(registry.render('a', 'sms', 'en', { at: now }, { now })).toEqual(first);
  });

  test('an unknown time zone is a render error that names it', () => {
    const err = thrown(() =>
      registry.render('a', 'sms', 'en', { at: now }, { now, timezone: 'Mars/Olympus' }),
    );
    expect(err.code).toBe('HERALD_ERR_TEMPLATE_RENDER');
    expect(err.message).toContain('timezone "Mars/Olympus" is not an IANA time zone');
  });

  test('render errors name template, channel, locale and part', () => {
    const err = thrown(() => registry.render('a', 'sms', 'fr', { at: 'never' }, { now }));
    expect(err.message).toBe(
      'HERALD_ERR_TEMPLATE_RENDER: template a@1 (channel sms, locale default, asked for fr) failed to render: part text: formatDateTime: "never" is not a date; pass an ISO 8601 string, epoch milliseconds or a Date',
    );
    expect(isHeraldError(err, 'HERALD_ERR_TEMPLATE_RENDER')).toBe(true);
  });

  test('templates cannot reach prototypes', () => {
    const r = new TemplateRegistry();
    r.add(sms('default', '[{{constructor.name}}][{{__proto__}}][{{lookup this "constructor"}}]'));
    expect(r.render('welcome', 'sms', 'en', {}, { now }).text).toBe('[][][]');
  });
});

describe('TemplateDefinition types', () => {
  test('parts are checked per channel at compile time', () => {
    const base = { id: 'c', version: 1, locale: 'default' } as const;
    const ok: TemplateDefinition[] = [
      { ...base, channel: 'email', parts: { subject: 's', html: 'h' } },
      { ...base, channel: 'slack', parts: { text: 't', blocks: [{ $each: 'x', $template: 'y' }] } },
    ];
    // @ts-expect-error an email needs a subject
    const noSubject: TemplateDefinition = { ...base, channel: 'email', parts: { html: 'h' } };
    // @ts-expect-error SMS parts are { text }, not email parts
    const wrongParts: TemplateDefinition = { ...base, channel: 'sms', parts: { subject: 's' } };
    // @ts-expect-error not a channel core knows
    const fax: TemplateDefinition = { ...base, channel: 'fax', parts: { text: 't' } };
    // The same mistakes are refused at run time, for definitions read from YAML or a database.
    const refused = [...ok, noSubject, wrongParts, fax].map(
      (def) => new TemplateRegistry().validate(def).length > 0,
    );
    expect(refused).toEqual([false, false, true, true, true]);
  });
});
