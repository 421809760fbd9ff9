import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '@herald/core';
import { createDatabase, RecipientStore } from '@herald/store';
import { createTestDatabase, stackEnv, type TestDatabase } from '@herald/testkit';
import { cliOn, writeTemp } from './cli-harness.js';

let testDb: TestDatabase;
let dir: string;

const herald = cliOn(() => testDb.url);

const file = (name: string, text: string) => writeTemp(dir, name, text);

const v1 = `rules:
  - id: big-order
    when: event.type == "order.created" && event.data.total > 1000
    recipients: '["alice", "ghost"]'
    channels: [{ type: email, template: big-order }, { type: sms, template: big-order }]
  - id: refunds
    when: event.type == "order.refunded"
    recipients: '["alice"]'
    channels: [{ type: email, template: refund }]
`;

beforeAll(async () => {
  testDb = await createTestDatabase(stackEnv().DATABASE_URL);
  dir = await mkdtemp(join(tmpdir(), 'herald-rules-cli-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await testDb?.drop();
});

describe('herald rules', () => {
  it('applies with a diff, refuses invalid files with positions, keeps history, rolls back', async () => {
    const f1 = await file('v1.yaml', v1);
    expect(await herald('rules', 'apply', '-f', f1, '--dry-run')).toBe(
      `${f1}: 2 rule(s) valid\n  + big-order  (added)\n  + refunds  (added)\n` +
        'dry run: nothing applied (current version 0; applying would make version 1)\n',
    );
    expect(await herald('rules', 'apply', '-f', f1)).toMatch(/applied version 1 \(was 0\)\n$/);
    expect(await herald('rules', 'apply', '-f', f1)).toMatch(
      /\(no rule changed\)\nunchanged: version 1 already has these rules\n$/,
    );

    const f2 = await file(
      'v2.yaml',
      v1
        .replace('total > 1000', 'total > 500')
        .replace(/ {2}- id: refunds[\s\S]*$/, '')
        .concat(
          '  - id: shipped\n    when: event.type == "order.shipped"\n    channels: [{ type: webhook, url: "https://hooks.example.com/s" }]\n',
        ),
    );
    expect(await herald('rules', 'apply', '-f', f2)).toBe(
      `${f2}: 2 rule(s) valid\n  + shipped  (added)\n  ~ big-order  (changed)\n  - refunds  (removed)\n` +
        'applied version 2 (was 1)\n',
    );

    const bad = await file(
      'bad.yaml',
      v1.replace('event.data.total > 1000', 'event.data.total > 1000 && evnt.x'),
    );
    await expect(herald('rules', 'apply', '-f', bad)).rejects.toThrow(
      /HERALD_ERR_RULE_COMPILE: .*bad\.yaml:3:\d+.*Unknown variable: evnt/s,
    );

    expect(await herald('rules', 'list')).toBe(
      'version 2: 2 rule(s)\n  big-order  revision 2 (since version 2)\n  shipped  revision 1 (since version 2)\n',
    );
    const history = await herald('rules', 'history');
    expect(history).toMatch(
      /^v2 .* ci-bot {2}apply {2}.*v2\.yaml {2}\+1 ~1 -1\nv1 .* ci-bot {2}apply .*\+2 ~0 -0\n$/,
    );
    expect(await herald('rules', 'history', 'refunds')).toMatch(
      /^v1 .* ci-bot {2}revision 1 .*\nv2 .* ci-bot {2}removed\n$/,
    );

    expect(await herald('rules', 'rollback', '1')).toMatch(
      /\+ refunds {2}\(added\)\n {2}~ big-order {2}\(changed\)\n {2}- shipped {2}\(removed\)\nrolled back to the rules of version 1 as version 3 \(was 2\)\n$/,
    );
    expect(await herald('rules', 'history')).toMatch(/^v3 .* rollback to v1 /);
    await expect(herald('rules', 'rollback', '9')).rejects.toThrow(
      /HERALD_ERR_RULES_VERSION_NOT_FOUND: rule set version 9 does not exist \(latest is 3\)/,
    );
  });

  it('tests a file against an event: matches, exact jobs, suppressions', async () => {
    const db = createDatabase({ url: testDb.url, poolSize: 1, logger: silentLogger });
    try {
      await new RecipientStore(db).upsert({
        tenant: 'acme',
        id: 'alice',
        addresses: { email: 'alice@example.com' },
      });
    } finally {
      await db.destroy();
    }
    const rules = await file('t.yaml', v1);
    const e = await file(
      'e.json',
      JSON.stringify({
        specversion: '1.0',
        id: 'evt-1',
        source: '/shop',
        type: 'order.created',
        time: '2026-01-10T12:00:00Z',
        tenantid: 'acme',
        data: { total: 2000 },
      }),
    );
    const out = await herald('rules', 'test', '-f', rules, '--event', e);
    const lines = out.split('\n');
    expect(lines[0]).toBe('event order.created evt-1: 1 rule(s) match');
    expect(lines[1]).toBe('  ✓ big-order (priority 0)');
    expect(lines[2]).toBe(
      '  ✗ refunds: type not indexed: the rule sees order.refunded, the event is order.created',
    );
    expect(lines[3]).toBe('jobs (1):');
    expect(JSON.parse(lines[4]!)).toMatchObject({
      event: { id: 'evt-1', type: 'order.created' },
      tenant: 'acme',
      rule: { id: 'big-order', version: 1 },
      channel: 'email',
      recipient: { ref: 'alice', address: 'alice@example.com' },
      template: { ref: 'big-order' },
    });
    expect(lines.slice(5)).toEqual([
      'suppressed (3):',
      '  big-order email ghost: unknown_recipient (no recipient "ghost" in tenant acme)',
      '  big-order sms ghost: unknown_recipient (no recipient "ghost" in tenant acme)',
      '  big-order sms alice: no_address (no sms address)',
      '',
    ]);
  });

  it('says per rule why it did not match: type, condition false or error, tenant, disabled', async () => {
    const rules = await file(
      'why.yaml',
      `rules:
  - id: refunds
    when: event.type == "order.refunded"
    recipients: '["alice"]'
    channels: [{ type: email, template: t }]
  - id: huge
    when: event.type == "order.created" && event.data.total > 5000
    recipients: '["alice"]'
    channels: [{ type: email, template: t }]
  - id: broken
    when: event.type == "order.created" && event.data.missing.deep > 1
    recipients: '["alice"]'
    channels: [{ type: email, template: t }]
  - id: globex-only
    tenant: globex
    when: event.type == "order.created"
    recipients: '["alice"]'
    channels: [{ type: email, template: t }]
  - id: off
    enabled: false
    when: event.type == "order.created"
    recipients: '["alice"]'
    channels: [{ type: email, template: t }]
`,
    );
    const e = await file(
      'why.json',
      JSON.stringify({
        specversion: '1.0',
        id: 'evt-2',
        source: '/shop',
        type: 'order.created',
        time: '2026-01-10T12:00:00Z',
        tenantid: 'acme',
        data: { total: 2000 },
      }),
    );
    const lines = (await herald('rules', 'test', '-f', rules, '--event', e, '--no-database')).split(
      '\n',
    );
    expect(lines[0]).toBe('event order.created evt-2: 0 rule(s) match');
    expect(lines[1]).toBe(
      '  ✗ refunds: type not indexed: the rule sees order.refunded, the event is order.created',
    );
    expect(lines[2]).toBe(
      '  ✗ huge: condition false: event.type == "order.created" && event.data.total > 5000',
    );
    expect(lines[3]).toMatch(/^ {2}✗ broken: condition error: .+ \(counted as no match\)$/);
    expect(lines[4]).toBe("  ✗ globex-only: tenant: the rule is for globex, the event's is acme");
    expect(lines[5]).toBe('  ✗ off: disabled (enabled: false)');
    expect(lines[6]).toBe('jobs (0):');
  });
});
