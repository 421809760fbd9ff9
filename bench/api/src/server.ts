/**
 * One server of the API benchmark, in a process of its own (so autocannon's CPU is not
 * the server's): `herald` = the api (buildApi: key check, GCRA rate limit, schema
 * validation, CloudEvents check, publish), `bare` = a fastify route that parses the
 * body and produces it to Kafka with kafkajs and nothing else. Prints `url <url>` once
 * listening; stops on SIGTERM.
 */
import Fastify from 'fastify';
import { Kafka, logLevel } from 'kafkajs';
import { buildApi, parseApiEnv } from '@herald/api';
import { silentLogger, topicNames } from '@herald/core';

const kind = process.argv[2];

if (kind === 'herald') {
  const api = buildApi(parseApiEnv(process.env), silentLogger);
  await api.start();
  process.stdout.write(`url ${api.url}\n`);
  process.once('SIGTERM', () => void api.stop().then(() => process.exit(0)));
} else {
  const topic = topicNames(process.env.HERALD_TOPIC_PREFIX ?? '').events;
  const kafka = new Kafka({
    clientId: 'bench-bare',
    brokers: process.env.KAFKA_BROKERS!.split(','),
    logLevel: logLevel.NOTHING,
  });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const server = Fastify({ logger: false, bodyLimit: 262_144 });
  server.post('/v1/events', async (req, reply) => {
    const events = (Array.isArray(req.body) ? req.body : [req.body]) as { id: string }[];
    await producer.send({
      topic,
      acks: -1,
      messages: events.map((e) => ({ key: e.id, value: JSON.stringify(e) })),
    });
    return reply.code(202).send({ accepted: events.length });
  });
  const url = await server.listen({ host: '127.0.0.1', port: 0 });
  process.stdout.write(`url ${url}\n`);
  process.once(
    'SIGTERM',
    () =>
      void server
        .close()
        .then(() => producer.disconnect())
        .then(() => process.exit(0)),
  );
}
