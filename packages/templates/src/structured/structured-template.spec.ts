import { TemplateRegistry, type StructuredTemplate } from '../index.js';

const now = new Date('2025-06-01T08:00:00Z');

/** Renders a structured template as a webhook body (no escaping, no limits). */
function body(template: StructuredTemplate, data: unknown): unknown {
  const registry = new TemplateRegistry();
  registry.add({
    id: 'w',
    version: 1,
    channel: 'webhook',
    locale: 'default',
    parts: { body: template },
  });
  return registry.render('w', 'webhook', 'en', data, { now }).body;
}

const hostile = 'quote " backslash \\ newline \n brace } "},{"injected":true,"x":"';

describe('structured templates', () => {
  test('values stay inside their string, whatever they contain', () => {
    const out = body(
      { text: 'Alert: {{msg}}', nested: ['{{msg}}', { deep: '[{{msg}}]' }] },
      { msg: hostile },
    );
    expect(out).toEqual({ text: `Alert: ${hostile}`, nested: [hostile, { deep: `[${hostile}]` }] });
    const wire = JSON.parse(JSON.stringify(out)) as Record<string, unknown>;
    expect(Object.keys(wire)).toEqual(['text', 'nested']);
  });

  test('literals pass through with their types', () => {
    expect(body({ n: 3, b: false, z: null, s: 'plain' }, {})).toEqual({
      n: 3,
      b: false,
      z: null,
      s: 'plain',
    });
  });

  test('$each repeats a node per item, splicing into arrays, with @index, @first, @last and @root', () => {
    const template: StructuredTemplate = {
      rows: [
        'header',
        {
          $each: 'items',
          $template: {
            i: '{{@index}}',
            name: '{{name}}',
            first: '{{@first}}',
            last: '{{@last}}',
            of: '{{@root.order}}',
          },
        },
        'footer',
      ],
      all: { $each: 'items', $template: '{{name}}' },
    };
    expect(body(template, { order: 'A1', items: [{ name: 'x' }, { name: 'y' }] })).toEqual({
      rows: [
        'header',
        { i: '0', name: 'x', first: 'true', last: 'false', of: 'A1' },
        { i: '1', name: 'y', first: 'false', last: 'true', of: 'A1' },
        'footer',
      ],
      all: ['x', 'y'],
    });
    expect(body(template, { order: 'A1' })).toEqual({ rows: ['header', 'footer'], all: [] });
  });

  test('$each nests, and an inner loop sees its own item', () => {
    const template: StructuredTemplate = {
      $each: 'groups',
      $template: {
        group: '{{name}}',
        members: { $each: 'members', $template: '{{this}}@{{@root.domain}}' },
      },
    };
    expect(
      body({ out: template }, { domain: 'd', groups: [{ name: 'g', members: ['a', 'b'] }] }),
    ).toEqual({
      out: [{ group: 'g', members: ['a@d', 'b@d'] }],
    });
  });

  test('$if keeps $then, or $else, or drops the key / item', () => {
    const template: StructuredTemplate = {
      a: { $if: 'flag', $then: 'yes', $else: 'no' },
      b: { $if: '!flag', $then: 'negated' },
      list: [
        { $if: 'flag', $then: 'kept' },
        { $if: 'missing', $then: 'dropped' },
      ],
    };
    expect(body(template, { flag: true })).toEqual({ a: 'yes', list: ['kept'] });
    expect(body(template, { flag: false })).toEqual({ a: 'no', b: 'negated', list: [] });
  });

  test('$value inserts the data value itself; a missing one drops the key', () => {
    expect(
      body(
        {
          total: { $value: 'order.total' },
          tags: { $value: 'order.tags' },
          none: { $value: 'nope' },
        },
        { order: { total: 12.5, tags: ['a'] } },
      ),
    ).toEqual({
      total: 12.5,
      tags: ['a'],
    });
  });

  test('$value cannot read inherited properties', () => {
    expect(
      body({ c: { $value: 'x.constructor' }, p: { $value: 'x.__proto__' } }, { x: {} }),
    ).toEqual({});
  });

  test('$each over something that is not an array is a render error naming the path', () => {
    expect(() =>
      body({ rows: { $each: 'items', $template: '{{this}}' } }, { items: 'nope' }),
    ).toThrow(/HERALD_ERR_TEMPLATE_RENDER.*body.rows: \$each "items" is string, not an array/);
  });
});
