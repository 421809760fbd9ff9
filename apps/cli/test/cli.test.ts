import { PassThrough } from 'node:stream';
import { Kafka, logLevel } from 'kafkajs';
import { buildCli, parseCliEnv } from '@herald/cli';
import { silentLogger, topicNames } from '@herald/core';
import { ensureTopics, heraldTopicSpecs, deleteTopicsWithPrefix } from '@herald/kafka';
import { stackEnv, uniquePrefix } from '@herald/testkit';

const prefix = uniquePrefix();
const topics = topicNames(prefix);
const kafka = new Kafka({
  clientId: 'cli-test',
  brokers: stackEnv().KAFKA_BROKERS.split(','),
  logLevel: logLevel.NOTHING,
});
const env = parseCliEnv({ KAFKA_BROKERS: stackEnv().KAFKA_BROKERS, HERALD_TOPIC_PREFIX: prefix });

async function herald(...args: string[]): Promise<string> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (d: Buffer) => (text += d.toString()));
  await buildCli(env, silentLogger, out).parseAsync(['node', 'herald', ...args]);
  return text;
}

beforeAll(() => ensureTopics(kafka, heraldTopicSpecs(topics, 1, 1)));
afterAll(() => deleteTopicsWithPrefix(kafka, prefix));

it('produces structured and binary events that tail reads back', async () => {
  expect(
    await herald('produce', '--type', 'order.shipped', '--data', '{"total":5}', '--tenant', 'acme'),
  ).toMatch(
    new RegExp(
      `^produced order.shipped [0-9a-f-]{36} to ${prefix.replace('.', '\\.')}herald.events\\n$`,
    ),
  );
  await herald('produce', '--type', 'node.down', '--binary', '--severity', 'critical');
  const lines = (await herald('tail', 'events', '--from-beginning', '--max', '2'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { value: unknown; headers: Record<string, string> });
  expect(lines[0]!.value).toMatchObject({
    specversion: '1.0',
    type: 'order.shipped',
    tenantid: 'acme',
    data: { total: 5 },
  });
  expect(lines[1]!.value).toEqual({});
  expect(lines[1]!.headers).toMatchObject({
    ce_type: 'node.down',
    ce_severity: 'critical',
    ce_specversion: '1.0',
  });
});

it('refuses an invalid event before publishing, naming the problem', async () => {
  await expect(herald('produce')).rejects.toThrow(/give --file <event.json> or --type <type>/);
  await expect(herald('tail', 'nope')).rejects.toThrow(
    /unknown topic "nope"; expected one of: status, events, rejected, dlq/,
  );
});
