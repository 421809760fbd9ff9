/**
 * The CLI side of fallback, inhibition and silences (issue 16, items 3, 5 and 6):
 * `rules apply --dry-run` refuses a fallback to a channel the rule has no template
 * for, a bad `after` and bad inhibition matchers with file:line:column and writes
 * nothing; `rules test` shows the fallback chain and the inhibition rules; `herald
 * silences` refuses a silence without an end, with an end in the past or a bad
 * matcher, and creates, lists and expires good ones (with a config_audit_log row).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { silentLogger } from '@herald/core';
import { createDatabase, migrateToLatest } from '@herald/store';
import { createTestDatabase, stackEnv, type TestDatabase } from '@herald/testkit';
import { cliOn, writeTemp } from './cli-harness.js';

let testDb: TestDatabase;
let dir: string;

const herald = cliOn(() => testDb.url);

const file = (name: string, text: string) => writeTemp(dir, name, text);

const good = `rules:
  - id: paged
    when: event.type == "order.failed"
    recipients: '[{"id": "ada", "email": "ada@example.com", "sms": "+4915112345678"}]'
    channels:
      - type: email
        template: failed-email
        fallback: { channels: [sms], after: 10m }
      - type: sms
        template: failed-sms
inhibit:
  - source: [severity=critical]
    target: ['severity=~"warning|info"']
    equal: [service]
    window: 30m
`;

beforeAll(async () => {
  testDb = await createTestDatabase(stackEnv().DATABASE_URL);
  const db = createDatabase({ url: testDb.url, poolSize: 1, logger: silentLogger });
  await migrateToLatest(db);
  await db.destroy();
  dir = await mkdtemp(join(tmpdir(), 'herald-steps-cli-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await testDb?.drop();
});

describe('rules with fallback and inhibition', () => {
  it('refuses bad fallbacks and inhibition matchers with positions, writing nothing', async () => {
    const bad = await file(
      'bad.yaml',
      `rules:
  - id: paged
    when: event.type == "order.failed"
    recipients: '["ada"]'
    channels:
      - type: email
        template: failed-email
        fallback: [push]
      - type: slack
        template: failed-slack
        fallback: { channels: [email], after: soon }
inhibit:
  - source: ['service=~"db-("']
    target: [severity!=critical]
    window: 30m
`,
    );
    const err = (await herald('rules', 'apply', '-f', bad, '--dry-run').catch(
      (e: unknown) => e,
    )) as Error;
    expect(err.message).toMatch(/HERALD_ERR_RULES_INVALID/);
    expect(err.message).toContain(
      `${bad}:8:20: rule paged: channels.0.fallback.0: fallback to push: the rule has no push channel with a template`,
    );
    expect(err.message).toMatch(
      new RegExp(`${bad}:11:47: rule paged: channels.1.fallback.after: must be a duration`),
    );
    expect(err.message).toMatch(
      new RegExp(`${bad}:13:14: inhibit\\[0\\]\\.source\\.0: .*not a valid regular expression`),
    );
    expect(err.message).toMatch(
      new RegExp(
        `${bad}:14:13: inhibit\\[0\\]\\.target: every matcher also matches an empty label`,
      ),
    );
    const db = createDatabase({ url: testDb.url, poolSize: 1, logger: silentLogger });
    try {
      const { rows } = await sql<{
        n: string;
      }>`select count(*) as n from rule_set_versions`.execute(db);
      expect(Number(rows[0]!.n)).toBe(0);
    } finally {
      await db.destroy();
    }
  });

  it('refuses `after` on a channel without receipts', async () => {
    const noReceipts = await file(
      'slack.yaml',
      good.replace(
        'type: email\n        template: failed-email',
        'type: slack\n        address: C1\n        template: failed-slack',
      ),
    );
    await expect(herald('rules', 'apply', '-f', noReceipts, '--dry-run')).rejects.toThrow(
      /slack\.yaml:9:45: rule paged: channels\.0\.fallback\.after: "after" needs delivery receipts, which slack has none of/,
    );
  });

  it('applies fallback and inhibition (versioned as @inhibit), and `rules test` shows what they would do', async () => {
    const rules = await file('good.yaml', good);
    expect(await herald('rules', 'apply', '-f', rules, '--dry-run')).toContain(
      '  + paged  (added)\n  + @inhibit  (added)\n',
    );
    const event = await file(
      'event.json',
      JSON.stringify({
        specversion: '1.0',
        id: 'e-1',
        source: '/shop',
        type: 'order.failed',
        tenantid: 'acme',
        severity: 'warning',
        service: 'checkout',
        data: {},
      }),
    );
    const out = await herald('rules', 'test', '-f', rules, '--event', event);
    expect(out).toMatch(/jobs \(1\):\n\{[^\n]*"channel":"email"/);
    expect(out).toMatch(
      /fallback \(1\):\n {2}email [0-9a-f-]{36} → sms [0-9a-f-]{36} \(ada\), on a dead letter, or when not delivered 600000 ms after it was sent\n/,
    );
    expect(out).toContain(
      'inhibit-1: not a source; target: held while a {severity=critical} event with service="checkout" is active (30m)\n',
    );
    expect(out).not.toContain('silences');
  });
});

describe('herald silences', () => {
  it('refuses a silence without an end, with an end in the past, or with bad matchers', async () => {
    await expect(
      herald('silences', 'create', '-m', 'service=db', '-c', 'maintenance'),
    ).rejects.toThrow(/HERALD_ERR_SILENCE_INVALID: .*a silence needs an end/);
    await expect(
      herald('silences', 'create', '-m', 'service=db', '--ends', '2020-01-01T00:00:00Z', '-c', 'x'),
    ).rejects.toThrow(/--ends 2020-01-01T00:00:00.000Z is in the past/);
    await expect(
      herald('silences', 'create', '-m', 'service=~(', '--ends', '1h', '-c', 'x'),
    ).rejects.toThrow(/not a valid regular expression/);
    await expect(
      herald('silences', 'create', '-m', 'service!=db', '--ends', '1h', '-c', 'x'),
    ).rejects.toThrow(/would match nearly everything/);
    expect(await herald('silences', 'list', '--all')).toBe('0 silence(s)\n');
  });

  it('creates, lists and expires a silence, each change in the config audit log', async () => {
    const created = await herald(
      'silences',
      'create',
      '-m',
      'service=~"db-.*"',
      'tenant=acme',
      '--ends',
      '2h',
      '-c',
      'db maintenance',
    );
    const id = /created silence ([0-9a-f-]{36})/.exec(created)![1]!;
    expect(created).toMatch(
      /active .* \{service=~db-\.\*, tenant=acme\} {2}by ci-bot: db maintenance\n$/,
    );
    expect(await herald('silences', 'list')).toContain(`${id}  active`);
    // `rules test` names the silence that would hold the event's jobs now.
    const rules = await file('alerts.yaml', good);
    const alert = (service: string) =>
      file(
        `${service}.json`,
        JSON.stringify({
          specversion: '1.0',
          id: `e-${service}`,
          source: '/mon',
          type: 'order.failed',
          tenantid: 'acme',
          service,
          data: {},
        }),
      );
    expect(await herald('rules', 'test', '-f', rules, '--event', await alert('db-1'))).toMatch(
      new RegExp(
        `silences \\(1 in force or pending\\): \\n {2}${id} silences 1 job\\(s\\): [0-9a-f-]{36}\\n`,
      ),
    );
    expect(await herald('rules', 'test', '-f', rules, '--event', await alert('web'))).toContain(
      'silences (1 in force or pending): none matches now\n',
    );
    expect(await herald('silences', 'expire', id)).toContain(`${id}  expired by ci-bot`);
    expect(await herald('silences', 'list')).toBe('0 silence(s)\n');
    expect(await herald('silences', 'list', '--all')).toContain(`${id}  expired by ci-bot`);
    await expect(herald('silences', 'expire', 'nope')).rejects.toThrow(
      /HERALD_ERR_SILENCE_NOT_FOUND: no silence with id nope/,
    );
    const db = createDatabase({ url: testDb.url, poolSize: 1, logger: silentLogger });
    try {
      const { rows } = await sql<{ action: string }>`
        select action from config_audit_log where entity_id = ${id} order by id`.execute(db);
      expect(rows.map((r) => r.action)).toEqual(['silence.create', 'silence.expire']);
    } finally {
      await db.destroy();
    }
  });
});
