/**
 * Property-based (fast-check) checks of templates: any template text (Handlebars-like
 * fragments mixed with noise) with any sample data is accepted or answered with
 * problems that each carry a code; compiling and rendering never throw out of
 * validateTemplate. Seeded; a failure prints its seed and path.
 */
import fc from 'fast-check';
import { errorCodes } from '@herald/core';
import { validateTemplate, type TemplateDefinition } from './index.js';

const FUZZ = { seed: 18_2026, numRuns: 200 };

const fragment = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom(
    '{{name}}',
    '{{{name}}}',
    '{{#if vip}}',
    '{{/if}}',
    '{{#each items}}',
    '{{/each}}',
    '{{else}}',
    '{{> footer}}',
    '{{formatNumber n}}',
    '{{formatDate when "long"}}',
    '{{lookup a b}}',
    '{{!-- c --}}',
    '{{',
    '}}',
    '{{#with x}}',
    '{{/with}}',
    '{{@root.x}}',
    '{{../x}}',
    '{{this}}',
    '<p>',
    '</p>',
    '*bold*',
  ),
);
const text = fc.array(fragment, { maxLength: 12 }).map((parts) => parts.join(''));
const channel = fc.constantFrom('sms', 'email', 'telegram', 'slack');

function definition(kind: string, body: string, subject: string): TemplateDefinition {
  const base = { id: 'fuzz', version: 1, locale: 'default' };
  if (kind === 'email') return { ...base, channel: 'email', parts: { subject, html: body } };
  if (kind === 'telegram')
    return { ...base, channel: 'telegram', parts: { text: body } } as TemplateDefinition;
  if (kind === 'slack')
    return { ...base, channel: 'slack', parts: { text: body } } as TemplateDefinition;
  return { ...base, channel: 'sms', parts: { text: body } };
}

it('any template and data: valid, or problems that each carry a code; never a throw', () => {
  fc.assert(
    fc.property(channel, text, text, fc.jsonValue(), (kind, body, subject, data) => {
      const problems = validateTemplate(definition(kind, body, subject), data);
      for (const problem of problems) expect(Object.keys(errorCodes)).toContain(problem.code);
    }),
    FUZZ,
  );
});
