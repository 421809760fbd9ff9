import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestDatabase, stackEnv, type TestDatabase } from '@herald/testkit';
import { cliOn, writeTemp } from './cli-harness.js';

let testDb: TestDatabase;
let dir: string;
const example = fileURLToPath(
  new URL('../../../examples/templates/templates.yaml', import.meta.url),
);
const exampleData = fileURLToPath(
  new URL('../../../examples/templates/data.json', import.meta.url),
);

const herald = cliOn(() => testDb.url);

const file = (name: string, text: string) => writeTemp(dir, name, text);

beforeAll(async () => {
  testDb = await createTestDatabase(stackEnv().DATABASE_URL);
  dir = await mkdtemp(join(tmpdir(), 'herald-templates-cli-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await testDb?.drop();
});

describe('herald templates', () => {
  it('applies the example (dry run first), shows changes, lists and renders', async () => {
    const dry = await herald('templates', 'apply', '-f', example, '--dry-run');
    expect(dry).toContain('4 template(s), 2 partial(s), 1 layout(s) valid');
    expect(dry).toContain('  + order-shipped email fr  v1 (created)');
    expect(dry).toMatch(/dry run: nothing applied \(7 change\(s\) would be saved\)\n$/);
    expect(await herald('templates', 'list')).toBe('no templates\n');

    expect(await herald('templates', 'apply', '-f', example)).toMatch(
      /applied 7 change\(s\) as revision 1\n$/,
    );
    expect(await herald('templates', 'apply', '-f', example)).toMatch(/unchanged: revision 1\n$/);

    const list = await herald('templates', 'list');
    expect(list).toMatch(
      /^order-shipped {2}email {2}default {2}v1 \(1 version\) {2}ci-bot {2}\d{4}-/m,
    );
    expect(list.trim().split('\n')).toHaveLength(4);

    const rendered = await herald(
      'templates',
      'render',
      'order-shipped',
      '--channel',
      'email',
      '--locale',
      'fr-CA',
      '--data',
      exampleData,
      '--timezone',
      'Europe/Paris',
    );
    expect(rendered).toMatch(/^# order-shipped@1 \(channel email, locale fr\)\n/);
    const content = JSON.parse(rendered.slice(rendered.indexOf('\n') + 1)) as Record<
      string,
      string
    >;
    expect(content.subject).toBe('Votre commande A-2002 est en route');
    // 16:30 UTC is 18 h 30 in Paris in June, written the fr-CA way; the fr footer partial.
    expect(content.html!.replace(/\s/g, ' ')).toContain('le 3 juin 2025 à 18 h 30');
    expect(content.html).toContain("L'équipe Acme");
  });

  it('saves an edit as a new version and renders a pinned one', async () => {
    const edited = await file(
      'edited.yaml',
      `templates:
  - id: order-shipped
    channel: sms
    parts:
      text: 'Shipped: {{order.id}}'
`,
    );
    expect(await herald('templates', 'apply', '-f', edited)).toBe(
      `${edited}: 1 template(s), 0 partial(s), 0 layout(s) valid\n` +
        '  ~ order-shipped sms default  v1 → v2 (updated)\napplied 1 change(s) as revision 2\n',
    );
    const data = await file('d.json', '{"order":{"id":"Z-9"}}');
    expect(
      await herald('templates', 'render', 'order-shipped', '--channel', 'sms', '--data', data),
    ).toContain('"text": "Shipped: Z-9"');
    expect(
      await herald('templates', 'render', 'order-shipped@1', '--channel', 'sms', '--data', data),
    ).toContain('"text": "Order Z-9 has shipped."');
  });

  it('refuses a broken file with template, channel, locale and line, applying nothing', async () => {
    const broken = await file(
      'broken.yaml',
      `templates:
  - id: fine
    channel: sms
    parts: { text: ok }
  - id: welcome
    channel: email
    locale: fr-CA
    parts:
      subject: Bienvenue
      html: |
        <p>Bonjour</p>
        {{#if name}}
        <p>{{name}}</p>
`,
    );
    await expect(herald('templates', 'apply', '-f', broken)).rejects.toThrow(
      new RegExp(
        `^HERALD_ERR_TEMPLATE_INVALID: template ${broken} .* is invalid: 1 problem\\(s\\), nothing saved:\n {2}${broken}:14:\\d+ welcome \\(channel email, locale fr-CA\\) html: `,
      ),
    );
    expect(await herald('templates', 'list')).not.toContain('fine');
    const badShape = await file(
      'shape.yaml',
      'templates:\n  - id: x\n    channel: fax\n    parts: {}\n',
    );
    await expect(herald('templates', 'apply', '-f', badShape)).rejects.toThrow(
      /templates\.0 \(line 2\): "channel" must be a channel name, received "fax"/,
    );
  });

  it('reports every broken template at its line:column in the file', async () => {
    const twoBroken = await file(
      'two-broken.yaml',
      `templates:
  - id: first
    channel: email
    parts:
      subject: Hello
      html: |
        <p>fine</p>
        <p>{{#if x}}broken {{/each}}</p>
  - id: second
    channel: sms
    parts:
      text: "Hi {{name"
`,
    );
    const err = await herald('templates', 'apply', '-f', twoBroken, '--dry-run').catch(
      (e: Error) => e,
    );
    expect(err).toBeInstanceOf(Error);
    const lines = (err as Error).message.split('\n');
    expect(lines[0]).toMatch(/is invalid: 2 problem\(s\), nothing saved:$/);
    // Line 8 of the file, the second line of the html block, indented by 8.
    expect(lines[1]).toMatch(
      new RegExp(`^ {2}${twoBroken}:8:\\d+ first \\(channel email, locale default\\) html: `),
    );
    expect(lines[2]).toMatch(
      new RegExp(`^ {2}${twoBroken}:12:\\d+ second \\(channel sms, locale default\\) text: `),
    );
  });

  it('render prints the precise error', async () => {
    await expect(
      herald('templates', 'render', 'nope', '--channel', 'email', '--locale', 'fr-CA'),
    ).rejects.toThrow(
      /HERALD_ERR_TEMPLATE_NOT_FOUND: no template nope for channel email in locale fr-CA/,
    );
    await expect(
      herald(
        'templates',
        'render',
        'order-shipped',
        '--channel',
        'email',
        '--data',
        exampleData,
        '--timezone',
        'Mars/Olympus',
      ),
    ).rejects.toThrow(/HERALD_ERR_TEMPLATE_RENDER: .*Mars\/Olympus/);
  });
});
