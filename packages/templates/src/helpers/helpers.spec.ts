import { isHeraldError } from '@herald/core';
import { TemplateRegistry } from '../index.js';

const now = new Date('2025-03-10T12:00:00Z');

/** Renders one SMS text template: the simplest channel, no escaping. */
function render(source: string, data: unknown, locale = 'en-US', timezone = 'UTC'): string {
  const registry = new TemplateRegistry();
  registry.add({ id: 't', version: 1, channel: 'sms', locale: 'default', parts: { text: source } });
  return registry.render('t', 'sms', locale, data, { timezone, now }).text as string;
}

describe('date helpers', () => {
  const at = '2025-03-09T23:30:00Z';

  test('format in the recipient locale and time zone', () => {
    expect(render('{{formatDate at "long"}}', { at }, 'en-US', 'UTC')).toBe('March 9, 2025');
    // Already the 10th in Tokyo.
    expect(render('{{formatDate at "long"}}', { at }, 'en-US', 'Asia/Tokyo')).toBe(
      'March 10, 2025',
    );
    expect(render('{{formatDate at "full"}}', { at }, 'fr-FR', 'Europe/Paris')).toBe(
      'lundi 10 mars 2025',
    );
    expect(render('{{formatTime at}}', { at }, 'de-DE', 'Europe/Berlin')).toBe('00:30');
    expect(render('{{formatDateTime at "short"}}', { at }, 'en-GB', 'America/New_York')).toBe(
      '09/03/2025, 19:30',
    );
  });

  test('take single fields, epoch milliseconds and a time zone override', () => {
    expect(
      render('{{formatDate at weekday="long" day="numeric"}}', { at: Date.parse(at) }, 'en-US'),
    ).toBe('9 Sunday');
    expect(render('{{formatTime at timeZone="Asia/Kolkata"}}', { at }, 'en-US', 'UTC')).toBe(
      '5:00 AM',
    );
  });

  test('relativeTime is measured from the clock passed in', () => {
    expect(render('{{relativeTime at}}', { at: '2025-03-10T15:00:00Z' })).toBe('in 3 hours');
    expect(render('{{relativeTime at}}', { at: '2025-03-09T12:00:00Z' })).toBe('yesterday');
    expect(render('{{relativeTime at}}', { at: '2025-03-09T12:00:00Z' }, 'fr')).toBe('hier');
    expect(render('{{relativeTime at "minute"}}', { at: '2025-03-10T13:00:00Z' })).toBe(
      'in 60 minutes',
    );
  });

  test('a value that is not a date fails the render with the helper named', () => {
    expect(() => render('{{formatDate at}}', { at: 'soon' })).toThrow(
      /HERALD_ERR_TEMPLATE_RENDER.*formatDate: "soon" is not a date/,
    );
  });
});

describe('number helpers', () => {
  test('numbers, percentages and currencies follow the locale', () => {
    expect(render('{{formatNumber n}}', { n: 1234567.891 }, 'en-US')).toBe('1,234,567.891');
    expect(render('{{formatNumber n}}', { n: 1234567.891 }, 'de-DE')).toBe('1.234.567,891');
    expect(
      render('{{formatNumber r style="percent" maximumFractionDigits=1}}', { r: 0.1234 }, 'en-US'),
    ).toBe('12.3%');
    expect(render('{{formatCurrency total "EUR"}}', { total: 1234.5 }, 'fr-FR')).toBe(
      '1\u202f234,50\u00a0€',
    );
    expect(
      render('{{formatCurrency total currency}}', { total: '19.9', currency: 'usd' }, 'en-US'),
    ).toBe('$19.90');
    expect(render('{{formatCurrency total "JPY"}}', { total: 1500 }, 'ja-JP')).toBe('￥1,500');
  });

  test('bad numbers and currencies fail with a precise message', () => {
    expect(() => render('{{formatNumber n}}', { n: 'lots' })).toThrow(
      /formatNumber: "lots" is not a number/,
    );
    expect(() => render('{{formatCurrency n "euro"}}', { n: 1 })).toThrow(
      /currency "euro" is not an ISO 4217 code/,
    );
  });
});

describe('plural', () => {
  const template = '{{plural n zero="no messages" one="# message" other="# messages"}}';

  test('English: zero override, one, other, with the count formatted', () => {
    expect(render(template, { n: 0 })).toBe('no messages');
    expect(render(template, { n: 1 })).toBe('1 message');
    expect(render(template, { n: 1500 })).toBe('1,500 messages');
  });

  test('Polish has few and many', () => {
    const pl = '{{plural n one="# plik" few="# pliki" many="# plików" other="# pliku"}}';
    expect([1, 2, 5, 22, 1.5].map((n) => render(pl, { n }, 'pl'))).toEqual([
      '1 plik',
      '2 pliki',
      '5 plików',
      '22 pliki',
      '1,5 pliku',
    ]);
  });

  test('Arabic picks two; French puts 0 and 1 in one', () => {
    expect(render('{{plural n one="واحد" two="اثنان" other="#"}}', { n: 2 }, 'ar')).toBe('اثنان');
    expect(render('{{plural n one="# fichier" other="# fichiers"}}', { n: 0 }, 'fr')).toBe(
      '0 fichier',
    );
  });

  test('ordinals', () => {
    const ord = '{{plural n ordinal=true one="#st" two="#nd" few="#rd" other="#th"}}';
    expect([1, 2, 3, 4, 11, 22].map((n) => render(ord, { n }))).toEqual([
      '1st',
      '2nd',
      '3rd',
      '4th',
      '11th',
      '22nd',
    ]);
  });
});

describe('text helpers', () => {
  test('truncate counts code points and appends an ellipsis', () => {
    expect(render('{{truncate s 5}}', { s: 'abcdefgh' })).toBe('abcd…');
    expect(render('{{truncate s 3}}', { s: '😀😀😀😀' })).toBe('😀😀…');
    expect(render('{{truncate s 10}}', { s: 'short' })).toBe('short');
    expect(render('{{truncate s 6 suffix="..."}}', { s: 'abcdefgh' })).toBe('abc...');
  });

  test('comparisons and defaults', () => {
    expect(render('{{#if (eq status "open")}}O{{else}}C{{/if}}', { status: 'open' })).toBe('O');
    expect(render('{{#if (and a (not b))}}yes{{/if}}', { a: 1, b: 0 })).toBe('yes');
    expect(render('{{#if (gt n 10)}}big{{/if}}', { n: 11 })).toBe('big');
    expect(render('{{default nick name}}', { nick: '', name: 'Ann' })).toBe('Ann');
    expect(render('{{upper (join tags "/")}}', { tags: ['a', 'b'] })).toBe('A/B');
  });

  test('data frame exposes the render locale and time zone', () => {
    expect(render('{{@locale}} {{@timezone}}', {}, 'pt-BR', 'America/Sao_Paulo')).toBe(
      'pt-BR America/Sao_Paulo',
    );
  });

  test('an unknown helper is refused when the template is added', () => {
    const registry = new TemplateRegistry();
    try {
      registry.add({
        id: 't',
        version: 1,
        channel: 'sms',
        locale: 'default',
        parts: { text: 'x\n{{shout name}}' },
      });
      throw new Error('not refused');
    } catch (err) {
      expect(isHeraldError(err, 'HERALD_ERR_TEMPLATE_INVALID')).toBe(true);
      expect((err as Error).message).toContain(
        'text, line 2, column 1: You specified knownHelpersOnly, but used the unknown helper shout',
      );
    }
  });

  test('the log helper is not available: templates do not write to the console', () => {
    const registry = new TemplateRegistry();
    expect(() =>
      registry.add({
        id: 't',
        version: 1,
        channel: 'sms',
        locale: 'default',
        parts: { text: '{{log "x"}}' },
      }),
    ).toThrow(/unknown helper log/);
  });

  test('custom helpers passed to the registry are known', () => {
    const registry = new TemplateRegistry({ helpers: { shout: (s: unknown) => `${String(s)}!` } });
    registry.add({
      id: 't',
      version: 1,
      channel: 'sms',
      locale: 'default',
      parts: { text: '{{shout name}}' },
    });
    expect(registry.render('t', 'sms', 'en', { name: 'hi' }, { now }).text).toBe('hi!');
  });
});
