import { HeraldError } from '@herald/core';
import { TemplateRegistry, validateTemplate, type TemplateDefinition } from './index.js';

const email = (html: string, extra: Record<string, string> = {}): TemplateDefinition => ({
  id: 'welcome',
  version: 2,
  channel: 'email',
  locale: 'fr-CA',
  parts: { subject: 'Bienvenue {{name}}', html, ...extra },
});

describe('validateTemplate', () => {
  test('a good template has no problems', () => {
    expect(validateTemplate(email('<p>{{name}}</p>'), { name: 'Ann' })).toEqual([]);
  });

  test('a parse error gives template, channel, locale, part and line', () => {
    expect(validateTemplate(email('<p>\n{{#if vip}}VIP\n</p>'), { name: 'Ann' })).toEqual([
      {
        code: 'HERALD_ERR_TEMPLATE_INVALID',
        template: 'welcome@2',
        channel: 'email',
        locale: 'fr-CA',
        part: 'html',
        line: 3,
        message: expect.stringMatching(
          /^near ".*": Expecting 'OPEN_INVERSE_CHAIN', 'INVERSE', 'OPEN_ENDBLOCK', got 'EOF'$/,
        ),
      },
    ]);
  });

  test('every broken part is reported, not only the first', () => {
    const problems = validateTemplate(
      email('{{#each items}}{{/if}}', { subject: 'Hi {{name}', text: '{{shout x}}' }),
      {},
    );
    expect(problems.map((p) => [p.part, p.line, p.column])).toEqual([
      ['subject', 1, undefined],
      ['html', 1, 4],
      ['text', 1, 1],
    ]);
    expect(problems[1]!.message).toBe("each doesn't match if");
    expect(problems[2]!.message).toBe(
      'You specified knownHelpersOnly, but used the unknown helper shout',
    );
  });

  test('missing partials and layouts are found before rendering, with their line', () => {
    const problems = validateTemplate(
      email('<p>x</p>\n  {{> footer}}', { layout: 'main' }),
      { name: 'A' },
      { partials: [{ name: 'header', source: 'h' }] },
    );
    expect(problems).toEqual([
      expect.objectContaining({
        part: 'html',
        line: 2,
        column: 3,
        message: 'partial "footer" is not defined for this locale or "default"',
      }),
      expect.objectContaining({
        part: 'layout',
        message: 'layout "main" is not defined for this locale or "default"',
      }),
    ]);
  });

  test('the shape is checked: id, version, locale, channel, parts', () => {
    const def = {
      id: 'a@b',
      version: 0,
      channel: 'fax',
      locale: 'fr_ca',
      parts: {},
    } as unknown as TemplateDefinition;
    expect(validateTemplate(def, {}).map((p) => p.message)).toEqual([
      expect.stringContaining('id "a@b" must be'),
      'version 0 must be a positive integer',
      'locale "fr_ca" must be written in canonical form: "fr-CA"',
      expect.stringContaining('channel "fax" is not one of email, sms, push'),
    ]);
    const sms = {
      id: 'a',
      version: 1,
      channel: 'sms',
      locale: 'default',
      parts: { txt: 'x' },
    } as unknown as TemplateDefinition;
    expect(validateTemplate(sms, {}).map((p) => [p.part, p.message])).toEqual([
      ['txt', 'unknown part for sms; expected text'],
      ['text', 'sms templates need a "text" part'],
    ]);
  });

  test('structured leaves report their path and line', () => {
    const def: TemplateDefinition = {
      id: 'alert',
      version: 1,
      channel: 'slack',
      locale: 'default',
      parts: {
        text: 'x',
        blocks: [
          { type: 'section', text: { type: 'mrkdwn', text: 'a\nb {{oops' } },
          { $each: 3, $template: 'x' },
        ],
      },
    };
    expect(validateTemplate(def, {}).map((p) => [p.part, p.line])).toEqual([
      ['blocks[0].text.text', 2],
      ['blocks[1]', undefined],
    ]);
  });

  test('the sample data is rendered: runtime errors and limits are problems too', () => {
    const def: TemplateDefinition = {
      id: 'otp',
      version: 1,
      channel: 'sms',
      locale: 'default',
      parts: { text: '{{formatDate at}} {{msg}}' },
    };
    expect(validateTemplate(def, { at: 'soon', msg: '' })).toEqual([
      expect.objectContaining({
        part: 'text',
        message:
          'rendering the sample data failed: formatDate: "soon" is not a date; pass an ISO 8601 string, epoch milliseconds or a Date',
      }),
    ]);
    const [limit] = validateTemplate(def, { at: 0, msg: 'x'.repeat(2000) });
    expect(limit).toMatchObject({
      code: 'HERALD_ERR_TEMPLATE_LIMIT',
      part: 'text',
      limit: { limit: 'smsMaxSegments', actual: 14, max: 10, unit: 'segments' },
    });
  });

  test('Mattermost and Google Chat need text or attachments/cards', () => {
    const mm: TemplateDefinition = {
      id: 'mm',
      version: 1,
      channel: 'mattermost',
      locale: 'default',
      parts: { text: '{{msg}}' },
    };
    expect(validateTemplate(mm, { msg: '' }).map((p) => p.message)).toEqual([
      "Mattermost needs text or attachments; both rendered empty (in the sample's rendered output)",
    ]);
    expect(validateTemplate(mm, { msg: 'hi' })).toEqual([]);
    const gc: TemplateDefinition = {
      id: 'gc',
      version: 1,
      channel: 'googlechat',
      locale: 'default',
      parts: { cardsV2: [{ cardId: 'a' }] },
    };
    expect(validateTemplate(gc, {}).map((p) => p.message)).toEqual([
      'a cardsV2 entry needs a "card" object (in the sample\'s rendered output)',
    ]);
  });

  test('Telegram literal text must be valid MarkdownV2', () => {
    const def: TemplateDefinition = {
      id: 'tg',
      version: 1,
      channel: 'telegram',
      locale: 'default',
      parts: { text: '*{{title}}*\nAll good.' },
    };
    expect(validateTemplate(def, { title: 'v1.0 shipped!' })).toEqual([
      expect.objectContaining({
        part: 'text',
        line: 2,
        column: 9,
        message: expect.stringContaining('unescaped "."'),
      }),
    ]);
    expect(
      validateTemplate(
        { ...def, parts: { text: '*{{title}}*\nAll good\\.' } },
        { title: 'v1.0 shipped!' },
      ),
    ).toEqual([]);
  });

  test('PagerDuty action and severity must be values the Events API knows', () => {
    const def: TemplateDefinition = {
      id: 'pd',
      version: 1,
      channel: 'pagerduty',
      locale: 'default',
      parts: { summary: 's', action: 'open', severity: '{{sev}}' },
    };
    expect(validateTemplate(def, { sev: 'urgent' }).map((p) => [p.part, p.message])).toEqual([
      [
        'action',
        expect.stringContaining('action "open" is not one of trigger, acknowledge, resolve'),
      ],
      [
        'severity',
        expect.stringContaining('severity "urgent" is not one of critical, error, warning, info'),
      ],
    ]);
  });

  test('Discord with nothing to send, Teams card without a body', () => {
    const discord: TemplateDefinition = {
      id: 'd',
      version: 1,
      channel: 'discord',
      locale: 'default',
      parts: { content: '{{maybe}}' },
    };
    expect(validateTemplate(discord, {}).map((p) => p.message)).toEqual([
      expect.stringContaining('Discord needs content or at least one embed'),
    ]);
    const teams: TemplateDefinition = {
      id: 't',
      version: 1,
      channel: 'teams',
      locale: 'default',
      parts: { card: { actions: [] } },
    };
    expect(validateTemplate(teams, {}).map((p) => p.part)).toEqual(['card.body']);
  });
});

describe('TemplateRegistry.add', () => {
  test('refuses a broken template with every problem in one error and keeps the previous version', () => {
    const registry = new TemplateRegistry();
    registry.add(email('<p>{{name}}</p>'), { name: 'A' });
    let error: unknown;
    try {
      registry.add(email('<p>\n{{#if x}}', { subject: '{{bad' }), { name: 'A' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(HeraldError);
    expect((error as HeraldError).message).toBe(
      [
        'HERALD_ERR_TEMPLATE_INVALID: template welcome@2 (channel email, locale fr-CA) is invalid: 2 problem(s):',
        "  - subject, line 1: near \"{{bad\": Expecting 'ID', 'STRING', 'NUMBER', 'BOOLEAN', 'UNDEFINED', 'NULL', 'DATA', got 'INVALID'",
        "  - html, line 2: near \"<p>{{#if x}}\": Expecting 'COMMENT', 'CONTENT', 'OPEN_RAW_BLOCK', 'OPEN_BLOCK', 'OPEN_INVERSE', 'OPEN_INVERSE_CHAIN', 'INVERSE', 'OPEN_ENDBLOCK', 'OPEN', 'OPEN_UNESCAPED', 'OPEN_PARTIAL', 'OPEN_PARTIAL_BLOCK', got 'EOF'",
      ].join('\n'),
    );
    expect(
      registry.render('welcome@2', 'email', 'fr-CA', { name: 'B' }, { now: new Date(0) }).html,
    ).toBe('<p>B</p>');
  });
});
