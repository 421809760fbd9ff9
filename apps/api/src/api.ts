import cors from '@fastify/cors';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { sql, type Kysely } from 'kysely';
import { HeraldError, topicNames, type Logger } from '@herald/core';
import {
  connectAdmin,
  createKafkaClient,
  ensureTopics,
  heraldTopicOptions,
  heraldTopicSpecs,
  MessagePublisher,
  kafkaSecurity,
  type AppAdmin,
} from '@herald/kafka';
import { AuditQueries, createDatabase, type HeraldDatabase } from '@herald/store';
import { appLifecycle } from '@herald/runtime';
import { createRedisClient } from '@herald/delivery';
import type { Cluster, Redis } from 'ioredis';
import { startOpsServer, type OpsServer } from '@herald/telemetry';
import { createApiMetrics, type ReceiptOutcome } from './api-telemetry.js';
import type { ApiEnv } from './env.js';
import { ReceiptRecorder, type Receipt } from './receipts/receipt.js';
import { answer, outcomeOf } from './receipts/receipt-answers.js';
import { mailgunReceipt } from './receipts/mailgun-receipts.js';
import { vonageParams, vonageReceipt } from './receipts/vonage-receipts.js';
import { postmarkReceipt, verifyPostmarkAuth } from './receipts/postmark-receipts.js';
import { sendgridReceipts, verifySendgridSignature } from './receipts/sendgrid-receipts.js';
import { sesReceipt } from './receipts/ses-receipts.js';
import { SnsVerifier, type SnsMessage } from './receipts/sns-verifier.js';
import { twilioReceipt, verifyTwilioSignature } from './receipts/twilio-receipts.js';
import { webhookReceipt } from './receipts/webhook-receipts.js';
import { registerV1 } from './v1/register-v1.js';
import { consoleDir, registerConsole } from './console.js';

export interface Api {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Resolves when a dependency was away longer than HERALD_DEPENDENCY_OUTAGE_MS (runMain exits 1). */
  readonly failed: Promise<Error>;
  /** The address it listens on, once started (e.g. http://127.0.0.1:8080). */
  readonly url: string;
  /** The ops server's address once started (`/metrics`, `/healthz`, `/readyz`; HERALD_METRICS_PORT). */
  readonly opsUrl: string;
}

/**
 * Herald's HTTP API: provider delivery receipts become status events on
 * herald.status. Endpoints:
 * - `POST /v1/receipts/ses`: SES events through an SNS HTTPS subscription (signature
 *   verified, subscriptions confirmed)
 * - `POST /v1/receipts/twilio`: Twilio status callbacks (`X-Twilio-Signature` verified)
 * - `POST /v1/receipts/mailgun`: Mailgun webhooks (HMAC-SHA256 signature in the body verified)
 * - `POST /v1/receipts/postmark`: Postmark webhooks (basic auth from the webhook URL checked)
 * - `POST /v1/receipts/sendgrid`: SendGrid signed Event Webhook batches (ECDSA verified)
 * - `GET|POST /v1/receipts/vonage`: Vonage SMS delivery receipts (`sig` verified)
 * - `POST /v1/receipts/webhook/:provider`: any provider, Standard Webhooks signed
 * - `GET /healthz`: 200 when Postgres answers
 *
 * Metrics and probes are on a second port, the ops server (HERALD_METRICS_PORT, 9464):
 * `/metrics`, `/healthz`, `/readyz` (Kafka producer started and brokers reachable,
 * Postgres reachable). Providers reach the API port; only the cluster reaches the
 * ops port.
 *
 * Fastify because it gives raw bodies per content type (signatures are over raw
 * bytes), a small footprint, and `inject()` for tests without a socket.
 */
export function buildApi(env: ApiEnv, logger: Logger): Api {
  const log = logger.child({ component: 'api' });
  const kafka = createKafkaClient({
    brokers: env.KAFKA_BROKERS,
    security: kafkaSecurity(env),
    clientId: `${env.HERALD_KAFKA_CLIENT_ID}-api`,
    logger,
  });
  const publisher = new MessagePublisher(kafka, {
    compression: env.HERALD_KAFKA_COMPRESSION,
    maxRecordBytes: env.HERALD_KAFKA_MAX_RECORD_BYTES,
  });
  const sns = new SnsVerifier({
    certHosts: env.HERALD_API_SNS_CERT_HOSTS,
    topicArns: env.HERALD_API_SNS_TOPIC_ARNS,
  });
  const sendgridKey = env.HERALD_API_SENDGRID_PUBLIC_KEY;
  let db: Kysely<HeraldDatabase> | undefined;
  let recorder: ReceiptRecorder | undefined;
  let url = '';
  let ops: OpsServer | undefined;
  let admin: AppAdmin | undefined;
  let redis: Redis | Cluster | undefined;
  let publishing = false;
  const telemetry = createApiMetrics();

  /** Answers a refused receipt, counting it. */
  function refuse(reply: FastifyReply, provider: string, err: unknown): FastifyReply {
    telemetry.receipt(provider, outcomeOf(err));
    return answer(reply, err, log);
  }

  async function record(
    reply: FastifyReply,
    provider: string,
    receipts: readonly (Receipt | undefined)[],
  ) {
    const known = receipts.filter((r): r is Receipt => r !== undefined);
    const events = await recorder!.record(known);
    if (events.length === 0) telemetry.receipt(provider, 'ignored');
    for (const event of events) telemetry.receipt(provider, event.data.state as ReceiptOutcome);
    return reply.code(200).send({
      recorded: events.map((e) => ({
        notificationId: e.subject,
        state: e.data.state,
        statusId: e.id,
      })),
    });
  }

  async function routes(server: FastifyInstance): Promise<void> {
    // Route patterns, not URLs, so the label stays bounded (a 404 is `unmatched`).
    server.addHook('onResponse', (req, reply, done) => {
      telemetry.series.httpDuration.observe(
        {
          method: req.method,
          route: req.routeOptions.url ?? 'unmatched',
          status_code: String(reply.statusCode),
        },
        reply.elapsedTime / 1000,
      );
      done();
    });

    if (env.HERALD_API_CORS_ORIGINS.length > 0)
      await server.register(cors, {
        origin: env.HERALD_API_CORS_ORIGINS,
        methods: ['GET', 'POST', 'PUT', 'DELETE'],
        allowedHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key'],
        exposedHeaders: [
          'RateLimit-Limit',
          'RateLimit-Remaining',
          'RateLimit-Reset',
          'RateLimit-Policy',
          'Retry-After',
        ],
        maxAge: 600,
      });
    await registerV1(server, { db: db!, publisher, kafka, ...(redis ? { redis } : {}), log }, env);
    await server.register(async (scope) => receiptRoutes(scope));
    await registerConsole(server, log, consoleDir());
  }

  /** Health and provider receipts: no API key (receipts carry their providers' signatures). */
  function receiptRoutes(server: FastifyInstance): void {
    // Signatures are over the raw bytes: every body is read as a Buffer.
    server.removeAllContentTypeParsers();
    server.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

    server.get('/healthz', async (_req, reply) => {
      try {
        await db!.selectNoFrom((eb) => eb.lit(1).as('ok')).execute();
        return reply.send({ status: 'ok' });
      } catch {
        return reply.code(503).send({ status: 'unavailable', postgres: 'down' });
      }
    });

    server.post('/v1/receipts/ses', async (req, reply) => {
      try {
        let message: SnsMessage;
        try {
          message = JSON.parse((req.body as Buffer | undefined)?.toString() ?? '') as SnsMessage;
        } catch {
          throw new HeraldError('HERALD_ERR_RECEIPT_INVALID', ['sns', 'body is not JSON']);
        }
        await sns.verify(message);
        if (message.Type === 'SubscriptionConfirmation') {
          const confirm = sns.checkUrl(message.SubscribeURL ?? '', 'SubscribeURL');
          const response = await fetch(confirm, {
            signal: AbortSignal.timeout(5000),
            redirect: 'error',
          });
          if (!response.ok) throw new Error(`SubscribeURL answered ${response.status}`);
          log.info({ topicArn: message.TopicArn }, 'SNS subscription confirmed');
          telemetry.receipt('ses', 'confirmed');
          return reply.send({ confirmed: message.TopicArn });
        }
        if (message.Type === 'UnsubscribeConfirmation') {
          telemetry.receipt('ses', 'ignored');
          return reply.send({ ok: true });
        }
        return await record(reply, 'ses', [sesReceipt(message.Message)]);
      } catch (err) {
        return refuse(reply, 'ses', err);
      }
    });

    server.post('/v1/receipts/twilio', async (req, reply) => {
      if (!env.HERALD_API_TWILIO_AUTH_TOKEN) {
        return reply
          .code(404)
          .send({ message: 'Twilio receipts are off: set HERALD_API_TWILIO_AUTH_TOKEN' });
      }
      try {
        const params = new URLSearchParams((req.body as Buffer | undefined)?.toString() ?? '');
        const base = env.HERALD_API_PUBLIC_URL ?? `${req.protocol}://${req.host}`;
        const calledUrl = `${base.replace(/\/$/, '')}${req.url}`;
        const signature = req.headers['x-twilio-signature'];
        verifyTwilioSignature(
          env.HERALD_API_TWILIO_AUTH_TOKEN,
          calledUrl,
          params,
          Array.isArray(signature) ? signature[0] : signature,
        );
        const query = new URL(req.url, 'http://x').searchParams;
        return await record(reply, 'twilio', [twilioReceipt(params, query)]);
      } catch (err) {
        return refuse(reply, 'twilio', err);
      }
    });

    server.post('/v1/receipts/mailgun', async (req, reply) => {
      if (!env.HERALD_API_MAILGUN_SIGNING_KEY) {
        return reply
          .code(404)
          .send({ message: 'Mailgun receipts are off: set HERALD_API_MAILGUN_SIGNING_KEY' });
      }
      try {
        const body = (req.body as Buffer | undefined)?.toString() ?? '';
        return await record(reply, 'mailgun', [
          mailgunReceipt(env.HERALD_API_MAILGUN_SIGNING_KEY, body),
        ]);
      } catch (err) {
        return refuse(reply, 'mailgun', err);
      }
    });

    server.post('/v1/receipts/postmark', async (req, reply) => {
      const user = env.HERALD_API_POSTMARK_USER;
      const password = env.HERALD_API_POSTMARK_PASSWORD;
      if (!user || !password) {
        return reply.code(404).send({
          message:
            'Postmark receipts are off: set HERALD_API_POSTMARK_USER and HERALD_API_POSTMARK_PASSWORD',
        });
      }
      try {
        verifyPostmarkAuth(user, password, req.headers.authorization);
        const body = (req.body as Buffer | undefined)?.toString() ?? '';
        return await record(reply, 'postmark', [postmarkReceipt(body)]);
      } catch (err) {
        return refuse(reply, 'postmark', err);
      }
    });

    server.post('/v1/receipts/sendgrid', async (req, reply) => {
      if (!sendgridKey) {
        return reply
          .code(404)
          .send({ message: 'SendGrid receipts are off: set HERALD_API_SENDGRID_PUBLIC_KEY' });
      }
      try {
        const body = (req.body as Buffer | undefined) ?? Buffer.alloc(0);
        const header = (name: string) => {
          const value = req.headers[name];
          return Array.isArray(value) ? value[0] : value;
        };
        verifySendgridSignature(
          sendgridKey,
          body,
          header('x-twilio-email-event-webhook-signature'),
          header('x-twilio-email-event-webhook-timestamp'),
        );
        return await record(reply, 'sendgrid', sendgridReceipts(body.toString()));
      } catch (err) {
        return refuse(reply, 'sendgrid', err);
      }
    });

    // GET or POST (form or JSON), as the account's webhook method says.
    server.route({
      method: ['GET', 'POST'],
      url: '/v1/receipts/vonage',
      handler: async (req, reply) => {
        const secret = env.HERALD_API_VONAGE_SIGNATURE_SECRET;
        if (!secret) {
          return reply
            .code(404)
            .send({ message: 'Vonage receipts are off: set HERALD_API_VONAGE_SIGNATURE_SECRET' });
        }
        try {
          const params = vonageParams(
            new URL(req.url, 'http://x').searchParams,
            (req.body as Buffer | undefined)?.toString() ?? '',
            req.headers['content-type'],
          );
          const receipt = vonageReceipt(secret, env.HERALD_API_VONAGE_SIGNATURE_METHOD, params);
          return await record(reply, 'vonage', [receipt]);
        } catch (err) {
          return refuse(reply, 'vonage', err);
        }
      },
    });

    server.post<{ Params: { provider: string } }>(
      '/v1/receipts/webhook/:provider',
      async (req, reply) => {
        const provider = req.params.provider;
        const secrets = env.HERALD_API_RECEIPT_SECRETS[provider];
        if (!secrets) {
          telemetry.receipt('unknown', 'invalid');
          return reply.code(404).send({
            message: `no receipt secret for provider ${req.params.provider} (HERALD_API_RECEIPT_SECRETS)`,
          });
        }
        try {
          const headers: Record<string, string> = {};
          for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature']) {
            const value = req.headers[name];
            if (typeof value === 'string') headers[name] = value;
          }
          const body = (req.body as Buffer | undefined)?.toString() ?? '';
          return await record(reply, provider, [webhookReceipt(provider, secrets, body, headers)]);
        } catch (err) {
          return refuse(reply, provider, err);
        }
      },
    );
  }

  const { start, stop, failed } = appLifecycle(async (life) => {
    // The ops server first: /healthz answers while connecting, /readyz fails until
    // the producer is started and Postgres answers. Stopped in reverse: intake first.
    ops = await life.use(
      () =>
        startOpsServer({
          port: env.HERALD_METRICS_PORT,
          host: env.HERALD_METRICS_HOST,
          registry: telemetry.metrics.registry,
          logger: log,
          checks: {
            kafka: async () => {
              if (!publishing) throw new Error('the Kafka producer is not connected');
              await admin!.describeCluster();
            },
            postgres: () => sql`select 1`.execute(db!),
          },
        }),
      (server) => server.stop(),
    );
    if (env.HERALD_API_SNS_TOPIC_ARNS.length === 0) {
      log.warn(
        {},
        'HERALD_API_SNS_TOPIC_ARNS is empty: SES receipts from any SNS topic are accepted',
      );
    }
    db = await life.use(
      () =>
        createDatabase({
          url: env.DATABASE_URL,
          poolSize: env.HERALD_DATABASE_POOL_SIZE,
          logger: log,
        }),
      (database) => database.destroy(),
    );
    const topics = topicNames(env.HERALD_TOPIC_PREFIX);
    await ensureTopics(
      kafka,
      heraldTopicSpecs(
        topics,
        env.HERALD_TOPIC_PARTITIONS,
        env.HERALD_TOPIC_REPLICATION,
        heraldTopicOptions(env),
      ),
    );
    admin = await life.use(
      () => connectAdmin(kafka),
      (client) => client.disconnect(),
    );
    await life.use(
      () => publisher.start(),
      () => {
        publishing = false;
        return publisher.stop();
      },
    );
    publishing = true;
    recorder = new ReceiptRecorder(new AuditQueries(db), publisher, env.HERALD_TOPIC_PREFIX, log);
    if (env.REDIS_URL) {
      const client = createRedisClient(env.REDIS_URL, { mode: 'command' });
      redis = await life.use(
        async () => {
          await client.connect();
          return client;
        },
        (c) => void c.disconnect(),
      );
    } else {
      log.warn(
        {},
        'REDIS_URL is not set: /v1 has no per-key rate limits and ignores Idempotency-Key',
      );
    }
    const server = await life.use(
      () =>
        Fastify({
          logger: false,
          bodyLimit: env.HERALD_API_BODY_LIMIT_BYTES,
          trustProxy: true,
          // Unknown fields are refused (additionalProperties: false), never silently dropped.
          ajv: {
            customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true },
          },
        }),
      (fastify) => fastify.close(),
    );
    await routes(server);
    url = await server.listen({ host: env.HERALD_API_HOST, port: env.HERALD_API_PORT });
    log.info({ url }, 'api listening');
  });

  return {
    start,
    stop,
    failed,
    get url() {
      return url;
    },
    get opsUrl() {
      return ops?.url ?? '';
    },
  };
}
