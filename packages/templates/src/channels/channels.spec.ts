import { HeraldError } from '@herald/core';
import {
  severityColours,
  teamsMessage,
  TemplateRegistry,
  type TemplateDefinition,
} from '../index.js';

const now = new Date('2025-06-01T08:00:00Z');

function renderer(def: TemplateDefinition, limits = {}) {
  const registry = new TemplateRegistry({ limits });
  registry.add(def);
  return (data: unknown, locale = 'en') =>
    registry.render(def.id, def.channel, locale, data, { now });
}

function limitError(fn: () => unknown): HeraldError {
  try {
    fn();
  } catch (err) {
    if (err instanceof HeraldError && err.code === 'HERALD_ERR_TEMPLATE_LIMIT') return err;
    throw err;
  }
  throw new Error('expected HERALD_ERR_TEMPLATE_LIMIT');
}

describe('email', () => {
  const render = renderer({
    id: 'receipt',
    version: 3,
    channel: 'email',
    locale: 'default',
    parts: {
      subject: 'Receipt for {{name}}',
      html: '<p>Hello {{name}},</p><p>Total: <b>{{formatCurrency total "GBP"}}</b></p>',
    },
  });

  test('HTML escaped, subject on one line and not HTML-escaped, text derived from the HTML', () => {
    expect(render({ name: 'Tom & <Jerry>\r\nBcc: x@y', total: 5 }, 'en-GB')).toEqual({
      subject: 'Receipt for Tom & <Jerry> Bcc: x@y',
      html: '<p>Hello Tom &amp; &lt;Jerry&gt;\r\nBcc: x@y,</p><p>Total: <b>£5.00</b></p>',
      text: 'Hello Tom & <Jerry>\nBcc: x@y,\n\nTotal: £5.00',
    });
  });

  test('an explicit text part is used as written', () => {
    const r = renderer({
      id: 'e',
      version: 1,
      channel: 'email',
      locale: 'default',
      parts: { subject: 's', html: '<p>x</p>', text: 'Plain {{v}} & more' },
    });
    expect(r({ v: '<1>' }).text).toBe('Plain <1> & more');
  });

  test('a subject over the limit names template, channel, locale, limit, value and maximum', () => {
    const err = limitError(() => render({ name: 'x'.repeat(300), total: 1 }, 'fr'));
    expect(err.message).toBe(
      'HERALD_ERR_TEMPLATE_LIMIT: template receipt@3 (channel email, locale default, asked for fr) renders over the provider limit: subject: email subject is 312 chars, over the limit of 255 (emailSubjectChars)',
    );
    expect(err.retriable).toBe(false);
  });
});

describe('sms', () => {
  const render = renderer(
    { id: 'otp', version: 1, channel: 'sms', locale: 'default', parts: { text: '{{msg}}' } },
    { smsMaxSegments: 2 },
  );

  test('reports encoding and segments', () => {
    expect(render({ msg: 'Code 1234 €' })).toEqual({
      text: 'Code 1234 €',
      encoding: 'GSM-7',
      segments: 1,
    });
    expect(render({ msg: 'Код 1234' })).toEqual({
      text: 'Код 1234',
      encoding: 'UCS-2',
      segments: 1,
    });
  });

  test('the configured maximum of segments is enforced', () => {
    expect(render({ msg: 'a'.repeat(306) }).segments).toBe(2);
    expect(limitError(() => render({ msg: 'a'.repeat(307) })).message).toContain(
      'text: SMS (GSM-7, 307 septets) is 3 segments, over the limit of 2 (smsMaxSegments)',
    );
    expect(limitError(() => render({ msg: 'ж'.repeat(135) })).message).toContain(
      'SMS (UCS-2, 135 UTF-16 units) is 3 segments',
    );
  });
});

describe('push', () => {
  const render = renderer({
    id: 'p',
    version: 1,
    channel: 'push',
    locale: 'default',
    parts: {
      title: '{{title}}',
      body: 'Order {{id}} shipped',
      data: { orderId: { $value: 'id' }, meta: { $value: 'meta' }, link: 'app://o/{{id}}' },
    },
  });

  test('FCM data values are strings', () => {
    expect(render({ title: 'T', id: 42, meta: { a: 1 } })).toEqual({
      title: 'T',
      body: 'Order 42 shipped',
      data: { orderId: '42', meta: '{"a":1}', link: 'app://o/42' },
    });
  });

  test('the whole payload is held to 4096 bytes', () => {
    expect(limitError(() => render({ title: 'é'.repeat(2100), id: 1 })).message).toMatch(
      /\(payload\): FCM notification and data payload is 42\d\d bytes, over the limit of 4096 \(pushPayloadBytes\)/,
    );
  });
});

describe('slack', () => {
  const render = renderer({
    id: 'incident',
    version: 1,
    channel: 'slack',
    locale: 'default',
    parts: {
      text: '{{title}}',
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: '{{title}}' } },
        {
          type: 'section',
          text: { type: 'mrkdwn', text: '*{{title}}*\n{{body}}' },
          fields: { $each: 'fields', $template: { type: 'mrkdwn', text: '*{{k}}*: {{v}}' } },
        },
        {
          type: 'actions',
          elements: [
            { type: 'button', text: { type: 'plain_text', text: 'Open' }, url: '{{url}}' },
          ],
        },
        { $each: 'extra', $template: { type: 'divider' } },
      ],
    },
  });

  test('mrkdwn values are escaped, plain_text and URLs are not', () => {
    const out = render({
      title: '<!channel> A&B',
      body: '<https://evil|click>',
      url: 'https://x.test/?a=1&b=2',
      fields: [{ k: 'env', v: 'prod' }],
    });
    expect(out.text).toBe('&lt;!channel&gt; A&amp;B');
    expect(out.blocks).toEqual([
      { type: 'header', text: { type: 'plain_text', text: '<!channel> A&B' } },
      {
        type: 'section',
        text: { type: 'mrkdwn', text: '*&lt;!channel&gt; A&amp;B*\n&lt;https://evil|click&gt;' },
        fields: [{ type: 'mrkdwn', text: '*env*: prod' }],
      },
      {
        type: 'actions',
        elements: [
          {
            type: 'button',
            text: { type: 'plain_text', text: 'Open' },
            url: 'https://x.test/?a=1&b=2',
          },
        ],
      },
    ]);
  });

  test('section text over 3,000 characters', () => {
    expect(
      limitError(() => render({ title: 't', body: 'x'.repeat(3000), url: 'u' })).message,
    ).toContain(
      'blocks[1].text.text: Slack section text is 3004 chars, over the limit of 3000 (slackSectionTextChars)',
    );
  });

  test('more than 50 blocks, header over 150, more than 10 fields, all reported', () => {
    const err = limitError(() =>
      render({
        title: 'h'.repeat(151),
        body: '',
        url: 'u',
        extra: Array(48).fill(0),
        fields: Array.from({ length: 11 }, (_, i) => ({ k: i, v: i })),
      }),
    );
    expect(err.message).toContain(
      'blocks[0].text.text: Slack header text is 151 chars, over the limit of 150',
    );
    expect(err.message).toContain(
      'blocks: Slack block count is 51 items, over the limit of 50 (slackBlocks)',
    );
    expect(err.message).toContain(
      'blocks[1].fields: Slack section field count is 11 items, over the limit of 10',
    );
  });

  test('message text over 40,000 characters', () => {
    const r = renderer({
      id: 's',
      version: 1,
      channel: 'slack',
      locale: 'default',
      parts: { text: '{{t}}' },
    });
    expect(limitError(() => r({ t: 'x'.repeat(40_001) })).message).toContain(
      'text: Slack message text is 40001 chars, over the limit of 40000',
    );
  });
});

describe('discord', () => {
  const render = renderer({
    id: 'd',
    version: 1,
    channel: 'discord',
    locale: 'default',
    parts: {
      content: '{{content}}',
      embeds: [
        {
          title: '{{title}}',
          description: '{{desc}}',
          fields: { $each: 'fields', $template: { name: '{{n}}', value: '{{v}}', inline: true } },
        },
        { $if: 'second', $then: { title: 'fixed colour', color: 1234 } },
      ],
    },
  });

  test('embeds take the colour of the severity; an explicit colour wins', () => {
    const out = render({ severity: 'Critical', title: 'T', desc: 'D', second: true, content: '' });
    expect(out).toEqual({
      embeds: [
        { title: 'T', description: 'D', fields: [], color: severityColours.critical },
        { title: 'fixed colour', color: 1234 },
      ],
    });
    expect(render({ severity: 'warning', title: 'T', desc: 'D', content: 'hi' })).toEqual({
      content: 'hi',
      embeds: [{ title: 'T', description: 'D', fields: [], color: 0xfee75c }],
    });
  });

  test('the severity part overrides the data', () => {
    const r = renderer({
      id: 'd2',
      version: 1,
      channel: 'discord',
      locale: 'default',
      parts: { embeds: { title: 'x' }, severity: '{{#if ok}}resolved{{else}}error{{/if}}' },
    });
    expect(r({ ok: true, severity: 'critical' }).embeds).toEqual([{ title: 'x', color: 0x57f287 }]);
  });

  test('title 256, description 4096, 25 fields, content 2000 and 6000 in total', () => {
    const fields = Array.from({ length: 26 }, () => ({ n: 'n', v: 'v' }));
    const err = limitError(() =>
      render({ title: 't'.repeat(257), desc: 'd'.repeat(4097), fields, content: 'c'.repeat(2001) }),
    );
    for (const expected of [
      'content: Discord message content is 2001 chars, over the limit of 2000',
      'embeds[0].title: Discord embed title is 257 chars, over the limit of 256',
      'embeds[0].description: Discord embed description is 4097 chars, over the limit of 4096',
      'embeds[0].fields: Discord embed field count is 26 items, over the limit of 25',
    ]) {
      expect(err.message).toContain(expected);
    }
    const total = limitError(() =>
      render({
        title: 't'.repeat(200),
        desc: 'd'.repeat(4000),
        fields: Array.from({ length: 20 }, () => ({ n: 'n', v: 'v'.repeat(100) })),
      }),
    );
    expect(total.message).toContain(
      'embeds: Discord embeds total text is 6220 chars, over the limit of 6000 (discordEmbedsTotalChars)',
    );
  });
});

describe('teams', () => {
  const render = renderer({
    id: 't',
    version: 1,
    channel: 'teams',
    locale: 'default',
    parts: {
      summary: '{{title}}',
      card: {
        body: [
          { type: 'TextBlock', text: '{{title}}', wrap: true },
          { type: 'TextBlock', text: '{{body}}' },
        ],
      },
    },
  });

  test('Adaptive Card defaults are filled in; the webhook message wraps it', () => {
    const out = render({ title: 'Deploy "done"', body: 'ok' });
    expect(out).toEqual({
      summary: 'Deploy "done"',
      card: {
        $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
        type: 'AdaptiveCard',
        version: '1.5',
        body: [
          { type: 'TextBlock', text: 'Deploy "done"', wrap: true },
          { type: 'TextBlock', text: 'ok' },
        ],
      },
    });
    expect(teamsMessage(out)).toMatchObject({
      type: 'message',
      attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', content: out.card }],
    });
  });

  test('payload over ~28 KB', () => {
    expect(limitError(() => render({ title: 't', body: 'x'.repeat(29_000) })).message).toMatch(
      /\(message\): Teams message with its Adaptive Card is 29\d\d\d bytes, over the limit of 28672 \(teamsPayloadBytes\)/,
    );
  });
});

describe('telegram', () => {
  const render = renderer({
    id: 'tg',
    version: 1,
    channel: 'telegram',
    locale: 'default',
    parts: { text: '*{{title}}*\n[open]({{mdUrl url}}) `{{mdCode code}}` {{formatNumber n}}' },
  });

  test('values are MarkdownV2-escaped per context', () => {
    expect(
      render({ title: 'v1.2 - done!', url: 'https://x.test/a_(b)', code: 'a`b', n: 1.5 }),
    ).toEqual({
      text: '*v1\\.2 \\- done\\!*\n[open](https://x.test/a_(b\\)) `a\\`b` 1\\.5',
      parseMode: 'MarkdownV2',
    });
  });

  test('4096 characters counted after parsing, so escapes do not count', () => {
    expect(() => render({ title: '.'.repeat(4000), url: 'u', code: 'c', n: 1 })).not.toThrow();
    expect(
      limitError(() => render({ title: '.'.repeat(4096), url: 'u', code: 'c', n: 1 })).message,
    ).toContain(
      'text: Telegram message text (after MarkdownV2 parsing) is 4105 chars, over the limit of 4096',
    );
  });
});

describe('mattermost', () => {
  const render = renderer({
    id: 'mm',
    version: 1,
    channel: 'mattermost',
    locale: 'default',
    parts: {
      text: '#### {{title}}',
      attachments: { color: '#ff0000', text: '{{detail}}' },
      username: 'Herald',
    },
  });

  test('text, a single attachment made a list, username; values not escaped', () => {
    expect(render({ title: 'A & <b>', detail: 'x_y' })).toEqual({
      text: '#### A & <b>',
      attachments: [{ color: '#ff0000', text: 'x_y' }],
      username: 'Herald',
    });
  });

  test('text over the server default of 16383 characters', () => {
    expect(limitError(() => render({ title: 'x'.repeat(16_400), detail: '' })).message).toContain(
      'text: Mattermost message text is 16405 chars, over the limit of 16383',
    );
  });
});

describe('googlechat', () => {
  const render = renderer({
    id: 'gc',
    version: 1,
    channel: 'googlechat',
    locale: 'default',
    parts: {
      text: '*{{title}}*',
      cardsV2: {
        cardId: 'alert',
        card: { header: { title: '{{title}}' }, sections: [{ widgets: [] }] },
      },
    },
  });

  test('text and cardsV2 as a list', () => {
    expect(render({ title: 'Disk full' })).toEqual({
      text: '*Disk full*',
      cardsV2: [
        {
          cardId: 'alert',
          card: { header: { title: 'Disk full' }, sections: [{ widgets: [] }] },
        },
      ],
    });
  });

  test('text over 4096 characters, message over 32,000 bytes', () => {
    expect(limitError(() => render({ title: 'x'.repeat(5000) })).message).toContain(
      'text: Google Chat message text is 5002 chars, over the limit of 4096',
    );
    expect(
      limitError(() => render({ title: 'x'.repeat(4000) + 'é'.repeat(14_000) })).message,
    ).toMatch(
      /\(message\): Google Chat message is \d+ bytes, over the limit of 32000 \(googlechatMessageBytes\)/,
    );
  });
});

describe('pagerduty and inapp', () => {
  test('pagerduty summary is one line, at most 1024 characters', () => {
    const render = renderer({
      id: 'pd',
      version: 1,
      channel: 'pagerduty',
      locale: 'default',
      parts: {
        summary: '{{s}}\non {{host}}',
        customDetails: { host: '{{host}}', n: { $value: 'n' } },
      },
    });
    expect(render({ s: 'disk full', host: 'db1', n: 3 })).toEqual({
      summary: 'disk full on db1',
      customDetails: { host: 'db1', n: 3 },
    });
    expect(limitError(() => render({ s: 's'.repeat(1020), host: 'h' })).message).toContain(
      'PagerDuty summary is 1025 chars, over the limit of 1024',
    );
  });

  test('pagerduty action and severity follow the data', () => {
    const render = renderer({
      id: 'pd2',
      version: 1,
      channel: 'pagerduty',
      locale: 'default',
      parts: {
        summary: '{{s}}',
        action: '{{#if resolved}}resolve{{else}}trigger{{/if}}',
        severity: '{{level}}',
      },
    });
    expect(render({ s: 'x', resolved: true, level: 'Warning' })).toEqual({
      summary: 'x',
      action: 'resolve',
      severity: 'warning',
    });
  });

  test('inapp', () => {
    const render = renderer({
      id: 'i',
      version: 1,
      channel: 'inapp',
      locale: 'default',
      parts: { title: '{{t}}', body: '<{{b}}>' },
    });
    expect(render({ t: 'T', b: 'B' })).toEqual({ title: 'T', body: '<B>' });
  });

  test('inapp with action URL, avatar, category, tags and collapse key', () => {
    const render = renderer({
      id: 'i',
      version: 1,
      channel: 'inapp',
      locale: 'default',
      parts: {
        title: 'Task {{id}}',
        body: '{{pct}}%',
        actionUrl: 'https://app.example/tasks/{{id}}',
        avatar: ' ',
        category: 'tasks',
        tags: 'tasks, {{project}}, ,tasks',
        collapseKey: 'task-{{id}}',
        data: { percent: '{{pct}}' },
      },
    });
    expect(render({ id: '7', pct: 40, project: 'apollo' })).toEqual({
      title: 'Task 7',
      body: '40%',
      actionUrl: 'https://app.example/tasks/7',
      category: 'tasks',
      tags: ['tasks', 'apollo'],
      collapseKey: 'task-7',
      data: { percent: '40' },
    });
  });
});
