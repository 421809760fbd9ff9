import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '@herald/core';
import { buildRouter, parseRouterEnv } from '@herald/router';
import { stackEnv, uniquePrefix } from '@herald/testkit';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'herald-router-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('router start-up', () => {
  it('refuses to start on a rule that does not compile, naming the file, line and column', async () => {
    const file = join(dir, 'broken.yaml');
    await writeFile(
      file,
      [
        'rules:',
        '  - id: ok',
        '    when: event.type == "a"',
        '    channels: [{ type: webhook, url: "https://example.com/a" }]',
        '  - id: broken',
        '    when: event.type == ',
        '    channels: [{ type: webhook, url: "https://example.com/b" }]',
        '',
      ].join('\n'),
    );
    const router = buildRouter(
      parseRouterEnv({
        KAFKA_BROKERS: stackEnv().KAFKA_BROKERS,
        HERALD_TOPIC_PREFIX: uniquePrefix(),
        HERALD_RULES_FILE: file,
      }),
      silentLogger,
    );
    const failure = router.start();
    await expect(failure).rejects.toMatchObject({ code: 'HERALD_ERR_RULE_COMPILE' });
    await expect(failure).rejects.toThrow(
      new RegExp(`${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:6:\\d+`),
    );
    await expect(failure).rejects.toThrow(/broken/);
    await router.stop();
  });

  it('says which setting is missing and what it expects', () => {
    expect(() => parseRouterEnv({ KAFKA_BROKERS: '127.0.0.1:19092' })).toThrow(
      /HERALD_RULES_FILE: expected the path of a rules YAML file.*\(not set\)/,
    );
  });

  it('fails start-up with the path when the rules file is missing', async () => {
    const router = buildRouter(
      parseRouterEnv({
        KAFKA_BROKERS: stackEnv().KAFKA_BROKERS,
        HERALD_RULES_FILE: join(dir, 'nope.yaml'),
      }),
      silentLogger,
    );
    await expect(router.start()).rejects.toThrow(/nope\.yaml/);
    await router.stop();
  });
});
