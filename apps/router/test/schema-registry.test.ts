/**
 * Schema-registry encoded events through the real router and a real
 * Confluent-compatible registry (Apicurio Registry from deploy/local/stack.sh):
 * Avro, JSON Schema and Protobuf events are planned like JSON ones, an unknown
 * schema id is rejected with its code, and a registry that is down holds the chunk
 * (nothing rejected) until it is back.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { jest } from '@jest/globals';
import type { Consumer, Producer } from 'kafkajs';
import { topicNames, type Logger } from '@herald/core';
import { ensureTopics } from '@herald/kafka';
import { buildRouter, parseRouterEnv } from '@herald/router';
import { freePort, testRun, waitFor } from '@herald/testkit';

jest.setTimeout(180_000);

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const stack = join(repo, 'deploy/local/stack.sh');

interface Seen {
  topic: string;
  eventId?: string;
  rejectCode?: string;
}

const run = testRun('router-schema-registry-test');
const { kafka, prefix } = run;
const topics = topicNames(prefix);
let dir: string;
let producer: Producer;
let observer: Consumer;
const seen: Seen[] = [];

const avroEnvelope = JSON.stringify({
  type: 'record',
  name: 'Alert',
  namespace: 'test.herald',
  fields: [
    { name: 'specversion', type: 'string' },
    { name: 'id', type: 'string' },
    { name: 'source', type: 'string' },
    { name: 'type', type: 'string' },
    { name: 'tenantid', type: ['null', 'string'], default: null },
    {
      name: 'data',
      type: { type: 'record', name: 'AlertData', fields: [{ name: 'level', type: 'int' }] },
    },
  ],
});

const protoEnvelope = `syntax = "proto3";
package test.herald;
message Alert {
  string specversion = 1;
  string id = 2;
  string source = 3;
  string type = 4;
  AlertData data = 5;
}
message AlertData {
  int32 level = 1;
}`;

const jsonData = JSON.stringify({
  type: 'object',
  properties: { level: { type: 'integer' } },
  required: ['level'],
});

function stackEnvOutput(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const out = execFileSync('bash', [stack, 'env'], { encoding: 'utf8', env });
  return Object.fromEntries(
    [...out.matchAll(/^export (\w+)=(.*)$/gm)].map((m) => [m[1]!, m[2]!] as const),
  );
}

/** The shared registry of the local stack (started if it is not running). */
function sharedRegistryUrl(): string {
  execFileSync('bash', [stack, 'up', 'registry'], { stdio: ['ignore', 'ignore', 'inherit'] });
  return stackEnvOutput().SCHEMA_REGISTRY_URL!;
}

async function deleteSubjects(url: string): Promise<void> {
  const subjects = (await (await fetch(`${url}/subjects`)).json()) as string[];
  for (const subject of subjects.filter((s) => s.startsWith(prefix))) {
    const path = `${url}/subjects/${encodeURIComponent(subject)}`;
    await (await fetch(path, { method: 'DELETE' })).arrayBuffer();
    await (await fetch(`${path}?permanent=true`, { method: 'DELETE' })).arrayBuffer();
  }
}

async function writeRules(): Promise<string> {
  const file = join(dir, 'rules.yaml');
  await writeFile(
    file,
    `rules:
  - id: alerts
    when: event.type == "t.alert" && event.data.level >= 2
    channels: [{ type: webhook, url: "https://hooks.example.com/alerts" }]
`,
  );
  return file;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'herald-router-registry-'));
  run.defer(() => rm(dir, { recursive: true, force: true }));
  producer = kafka.producer();
  run.defer(() => producer.disconnect());
  await producer.connect();
  await ensureTopics(
    kafka,
    [topics.events, topics.deliveries('webhook'), topics.rejected].map((topic) => ({
      topic,
      partitions: 1,
      replicationFactor: 1,
    })),
  );
  observer = kafka.consumer({ groupId: `${prefix}observer` });
  run.defer(() => observer.disconnect());
  await observer.connect();
  await observer.subscribe({
    topics: [topics.deliveries('webhook'), topics.rejected],
    fromBeginning: true,
  });
  await observer.run({
    eachMessage: async ({ topic, message }) => {
      const code = message.headers?.['herald-reject-code']?.toString();
      let eventId: string | undefined;
      try {
        eventId = (JSON.parse(message.value?.toString() ?? '') as { event?: { id: string } }).event
          ?.id;
      } catch {
        eventId = undefined;
      }
      seen.push({
        topic,
        ...(eventId === undefined ? {} : { eventId }),
        ...(code === undefined ? {} : { rejectCode: code }),
      });
    },
  });
});
afterAll(() => run.stop());

const planned = (eventId: string) =>
  seen.some((s) => s.topic === topics.deliveries('webhook') && s.eventId === eventId);

describe('router with a schema registry', () => {
  it('plans deliveries from Avro, JSON Schema and Protobuf events, keeps JSON working, rejects unknown ids', async () => {
    const url = sharedRegistryUrl();
    run.defer(() => deleteSubjects(url));
    const registry = new SchemaRegistry({ host: url });
    const avro = await registry.register(
      { type: SchemaType.AVRO, schema: avroEnvelope },
      { subject: `${prefix}avro-value` },
    );
    const json = await registry.register(
      { type: SchemaType.JSON, schema: jsonData },
      { subject: `${prefix}json-value` },
    );
    const proto = await registry.register(
      { type: SchemaType.PROTOBUF, schema: protoEnvelope },
      { subject: `${prefix}proto-value` },
    );
    const envelope = (id: string) => ({
      specversion: '1.0',
      id,
      source: 'test/registry',
      type: 't.alert',
    });
    const protoEncoded = await registry.encode(proto.id, {
      ...envelope('proto-1'),
      data: { level: 3 },
    });
    await producer.send({
      topic: topics.events,
      messages: [
        // structured: the decoded Avro record is the CloudEvent
        {
          value: await registry.encode(avro.id, {
            ...envelope('avro-1'),
            tenantid: 'acme',
            data: { level: 2 },
          }),
        },
        // binary: ce_ headers, the JSON Schema value is `data`
        {
          value: await registry.encode(json.id, { level: 5 }),
          headers: {
            ce_specversion: '1.0',
            ce_id: 'json-1',
            ce_source: 'test/registry',
            ce_type: 't.alert',
            'content-type': 'application/json',
          },
        },
        // Protobuf as Confluent serializers frame it: message index [0] after the id
        {
          value: Buffer.concat([
            protoEncoded.subarray(0, 5),
            Buffer.from([0]),
            protoEncoded.subarray(5),
          ]),
        },
        // below the rule's threshold: decoded, matched by no rule, not rejected
        { value: await registry.encode(avro.id, { ...envelope('avro-low'), data: { level: 1 } }) },
        // plain JSON next to encoded events
        { value: JSON.stringify({ ...envelope('plain-1'), data: { level: 4 } }) },
        // a schema id this registry never issued
        { key: 'unknown-id', value: Buffer.from([0, 0x7f, 0xff, 0xff, 0xf1, 0x02, 0x08]) },
      ],
    });
    const env = parseRouterEnv(
      run.settings({ HERALD_RULES_FILE: await writeRules(), HERALD_SCHEMA_REGISTRY_URL: url }),
    );
    const router = await run.start(buildRouter(env, quietLogger([])));
    await waitFor(
      'jobs for every encoded and plain event',
      () => ['avro-1', 'json-1', 'proto-1', 'plain-1'].every(planned),
      60_000,
    );
    await waitFor('the rejected record', () => seen.some((s) => s.topic === topics.rejected));
    expect(seen.filter((s) => s.topic === topics.rejected)).toEqual([
      { topic: topics.rejected, rejectCode: 'HERALD_ERR_EVENT_SCHEMA_UNKNOWN' },
    ]);
    expect(planned('avro-low')).toBe(false);
    const ready = await fetch(`${router.opsUrl()}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.text()).toContain('schemaRegistry');
    await router.stop();
  });

  it('holds encoded events while its registry is down and plans them once it is back', async () => {
    // An own registry instance (own port and journal topic) on the shared Kafka, so the
    // shared one is never stopped; it reuses the shared installation.
    const shared = stackEnvOutput();
    const own = join(dir, 'stack');
    await mkdir(join(own, 'cache'), { recursive: true });
    const registryHome = join(repo, '.local/cache/apicurio-registry-3.0.9');
    await symlink(registryHome, join(own, 'cache/apicurio-registry-3.0.9'));
    const port = await freePort();
    const ownEnv = {
      ...process.env,
      HERALD_STACK_DIR: own,
      HERALD_STACK_KAFKA_PORT: shared.KAFKA_BROKERS!.split(':').pop()!,
      HERALD_STACK_REGISTRY_PORT: String(port),
      HERALD_STACK_REGISTRY_TOPIC: `${prefix}registry-journal`,
    };
    const registryCommand = (command: 'up' | 'down') =>
      execFileSync('bash', [stack, command, 'registry'], { env: ownEnv, stdio: 'ignore' });
    run.defer(() => registryCommand('down'));
    registryCommand('up');
    const url = stackEnvOutput(ownEnv).SCHEMA_REGISTRY_URL!;
    expect(url).toBe(`http://127.0.0.1:${port}/apis/ccompat/v7`);
    const registry = new SchemaRegistry({ host: url });
    const { id } = await registry.register(
      { type: SchemaType.AVRO, schema: avroEnvelope },
      { subject: `${prefix}outage-value` },
    );
    const value = await registry.encode(id, {
      specversion: '1.0',
      id: 'outage-1',
      source: 'test/registry',
      type: 't.alert',
      data: { level: 9 },
    });
    registryCommand('down');

    const warnings: string[] = [];
    const env = parseRouterEnv(
      run.settings({
        HERALD_RULES_FILE: await writeRules(),
        HERALD_SCHEMA_REGISTRY_URL: url,
        HERALD_SCHEMA_REGISTRY_TIMEOUT_MS: '1000',
      }),
    );
    const before = seen.length;
    await run.start(buildRouter(env, quietLogger(warnings)));
    await producer.send({ topic: topics.events, messages: [{ value }] });
    // The chunk fails and is retried: no rejection, no job, while the registry is down.
    await waitFor(
      'retries of the chunk while the registry is down',
      () =>
        warnings.filter((w) => w.includes('HERALD_ERR_SCHEMA_REGISTRY_UNAVAILABLE')).length >= 2,
      60_000,
    );
    expect(seen.slice(before)).toEqual([]);

    registryCommand('up'); // same journal topic: the schema and its id are back
    await waitFor('the job once the registry is back', () => planned('outage-1'), 90_000);
    expect(seen.slice(before).filter((s) => s.topic === topics.rejected)).toEqual([]);
  });
});

/** A logger that keeps the messages of warnings (with their error) and drops the rest. */
function quietLogger(warnings: string[]): Logger {
  const logger: Logger = {
    debug: () => undefined,
    info: () => undefined,
    warn: (fields, message) => {
      const err = (fields as { err?: unknown }).err;
      warnings.push(`${message} ${err instanceof Error ? err.message : ''}`);
    },
    error: () => undefined,
    child: () => logger,
  };
  return logger;
}
