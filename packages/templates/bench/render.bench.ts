/**
 * Template rendering benchmark (not a timed test): renders/s on one core for
 * 1. an HTML email with a layout and partials (dates, currency, plurals, a list of items,
 *    plain-text alternative derived from the HTML), and
 * 2. a Slack Block Kit message (header, mrkdwn section, fields from a list, context,
 *    button), with mrkdwn escaping and the provider limit checks,
 * both through TemplateRegistry.render with its compiled-template cache, over 1,000
 * distinct data sets and four recipient locales and time zones. Target: ≥ 20,000/s each.
 *
 * Run: npm run bench -w @herald/templates   (compiles with tsc, runs with plain node)
 * BENCH_SECONDS sets the measured time per case (default 3).
 */
import { performance } from 'node:perf_hooks';
import { cpuUsage } from 'node:process';
import { TemplateRegistry, type TemplateDefinition } from '../src/index.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const TARGET = 20_000;
const DATASETS = 1_000;
const now = new Date('2025-06-01T08:00:00Z');
const recipients = [
  { locale: 'en-US', timezone: 'America/New_York' },
  { locale: 'fr-CA', timezone: 'America/Toronto' },
  { locale: 'de-DE', timezone: 'Europe/Berlin' },
  { locale: 'ja-JP', timezone: 'Asia/Tokyo' },
];

const registry = new TemplateRegistry({
  partials: [
    {
      name: 'button',
      source:
        '<a class="btn" href="{{url}}" style="background:#1a73e8;color:#fff;padding:12px 20px;border-radius:4px">{{label}}</a>',
    },
    {
      name: 'item',
      source:
        '<tr><td>{{name}}</td><td>{{plural qty one="# item" other="# items"}}</td><td align="right">{{formatCurrency price @root.currency}}</td></tr>',
    },
    {
      name: 'footer',
      source:
        '<p style="color:#888">{{brand}} · {{address}} · <a href="{{unsubscribeUrl}}">Unsubscribe</a></p>',
    },
  ],
  layouts: [
    {
      name: 'main',
      source:
        '<!doctype html><html><head><meta charset="utf-8"><title>{{brand}}</title><style>body{font-family:sans-serif}</style></head>' +
        '<body><table width="100%"><tr><td><h1>{{brand}}</h1></td></tr><tr><td>{{body}}</td></tr><tr><td>{{> footer}}</td></tr></table></body></html>',
    },
  ],
});

const email: TemplateDefinition = {
  id: 'order-shipped',
  version: 1,
  channel: 'email',
  locale: 'default',
  parts: {
    subject: 'Your order {{order.id}} has shipped',
    layout: 'main',
    html:
      '<p>Hi {{customer.firstName}},</p>' +
      '<p>Good news: order <b>{{order.id}}</b>, placed on {{formatDate order.placedAt "long"}}, left our warehouse at {{formatTime order.shippedAt}}.</p>' +
      '<table>{{#each order.items}}{{> item}}{{/each}}</table>' +
      '<p>Total: <b>{{formatCurrency order.total currency}}</b> ({{plural order.itemCount one="# item" other="# items"}})</p>' +
      '{{#if order.express}}<p>Express delivery: expected {{relativeTime order.eta}}.</p>{{/if}}' +
      '<p>{{> button url=order.trackingUrl label="Track your parcel"}}</p>',
  },
};

const slack: TemplateDefinition = {
  id: 'incident',
  version: 1,
  channel: 'slack',
  locale: 'default',
  parts: {
    text: '[{{upper severity}}] {{title}} on {{service}}',
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: '{{truncate title 140}}' } },
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: '*{{service}}* is {{status}} since {{formatTime startedAt}}\n{{summary}}',
        },
      },
      {
        type: 'section',
        fields: { $each: 'labels', $template: { type: 'mrkdwn', text: '*{{key}}*\n{{value}}' } },
      },
      {
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: '{{plural affected one="# customer affected" other="# customers affected"}} · started {{relativeTime startedAt}}',
          },
        ],
      },
      {
        type: 'actions',
        elements: [
          {
            type: 'button',
            text: { type: 'plain_text', text: 'Open incident' },
            url: '{{url}}',
            style: 'danger',
          },
        ],
      },
    ],
  },
};

const emailData = Array.from({ length: DATASETS }, (_, i) => ({
  brand: 'Acme & Co',
  address: '1 Main St, Springfield',
  unsubscribeUrl: `https://acme.test/u/${i}`,
  currency: ['USD', 'CAD', 'EUR', 'JPY'][i % 4],
  customer: { firstName: ['Ann', 'Zoë', 'Jürgen', '<script>'][i % 4] },
  order: {
    id: `A-${100000 + i}`,
    placedAt: new Date(Date.UTC(2025, 4, 1 + (i % 28), 10, 30)).toISOString(),
    shippedAt: new Date(Date.UTC(2025, 4, 30, i % 24, 15)).toISOString(),
    eta: new Date(now.getTime() + (1 + (i % 5)) * 86_400_000).toISOString(),
    express: i % 2 === 0,
    total: 19.99 * (1 + (i % 7)),
    itemCount: 1 + (i % 5),
    trackingUrl: `https://track.test/${i}?c=acme&o=${i}`,
    items: Array.from({ length: 1 + (i % 5) }, (_, j) => ({
      name: `Item ${j} "deluxe"`,
      qty: 1 + (j % 3),
      price: 9.99 + j,
    })),
  },
}));

const slackData = Array.from({ length: DATASETS }, (_, i) => ({
  severity: ['critical', 'high', 'warning'][i % 3],
  title: `Error rate above 5% <${i}> & rising`,
  service: `checkout-${i % 10}`,
  status: 'degraded',
  summary:
    'p99 latency 2.3s; 5xx at 7.1% of requests. Runbook: <https://runbooks.test/checkout|checkout>',
  startedAt: new Date(now.getTime() - (i % 120) * 60_000).toISOString(),
  affected: i % 50,
  url: `https://incidents.test/${i}?tab=timeline&from=slack`,
  labels: [
    { key: 'region', value: ['eu-west-1', 'us-east-1'][i % 2] },
    { key: 'team', value: 'payments' },
    { key: 'alert', value: `HighErrorRate-${i}` },
    { key: 'version', value: `v2.${i % 30}.0` },
  ],
}));

registry.add(email, emailData[0]);
registry.add(slack, slackData[0]);

interface Run {
  readonly ops: number;
  readonly ms: number;
  readonly cpuMs: number;
}

function runFor(seconds: number, once: (i: number) => void): Run {
  const cpu0 = cpuUsage();
  const t0 = performance.now();
  let ops = 0;
  const deadline = t0 + seconds * 1000;
  while (performance.now() < deadline) {
    // Batches keep the clock reads out of the measurement.
    for (let k = 0; k < 200; k++) once(ops++);
  }
  const ms = performance.now() - t0;
  const cpu = cpuUsage(cpu0);
  return { ops, ms, cpuMs: (cpu.user + cpu.system) / 1000 };
}

let sink = 0;
const renderEmail = (i: number): void => {
  const r = recipients[i % recipients.length]!;
  const out = registry.render('order-shipped', 'email', r.locale, emailData[i % DATASETS], {
    timezone: r.timezone,
    now,
  });
  sink += (out.html as string).length;
};
const renderSlack = (i: number): void => {
  const r = recipients[i % recipients.length]!;
  const out = registry.render('incident', 'slack', r.locale, slackData[i % DATASETS], {
    timezone: r.timezone,
    now,
  });
  sink += (out.blocks as unknown[]).length;
};

// BENCH_ONLY=email|slack runs one case (for profiling); the other reports 0.
const only = process.env.BENCH_ONLY;
const skipped: Run = { ops: 0, ms: 1, cpuMs: 1 };
if (only !== 'slack') runFor(1, renderEmail); // warm-up: JIT, Intl formatters, compiled-template cache
if (only !== 'email') runFor(1, renderSlack);
const emailRun = only === 'slack' ? skipped : runFor(SECONDS, renderEmail);
const slackRun = only === 'email' ? skipped : runFor(SECONDS, renderSlack);

const perCpuSecond = (run: Run): number => Math.round((run.ops * 1000) / run.cpuMs);
const perWallSecond = (run: Run): number => Math.round((run.ops * 1000) / run.ms);
const fmt = (n: number): string => n.toLocaleString('en-US');
const sample = registry.render('order-shipped', 'email', 'fr-CA', emailData[1], {
  timezone: 'America/Toronto',
  now,
});
console.log(
  `herald templates bench — node ${process.version}, ${DATASETS} data sets, ${recipients.length} locales/time zones, ${SECONDS}s per case`,
);
for (const [name, run] of [
  ['HTML email (layout + partials + text alternative)', emailRun],
  ['Slack Block Kit message', slackRun],
] as const) {
  const rate = perCpuSecond(run);
  console.log(
    `  ${name.padEnd(50)} ${fmt(rate).padStart(9)} renders/s per CPU-second (${fmt(perWallSecond(run))}/s wall, ${(1e6 / rate).toFixed(1)} µs each) ${rate >= TARGET ? 'OK' : 'BELOW'} target ≥ ${fmt(TARGET)}`,
  );
}
console.log(
  `  email size: ${(sample.html as string).length} bytes HTML, ${(sample.text as string).length} chars text (checksum ${sink % 997})`,
);
