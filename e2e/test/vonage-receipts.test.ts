/**
 * Vonage SMS delivery receipts end to end on real Kafka and Postgres: signed DLRs (the
 * `sig` parameter, as Vonage's signed webhooks send it) → status events on herald.status
 * → the auditor's rows; forged and stale ones refused with 401 and counted.
 */
import { createHash, createHmac } from 'node:crypto';
import { buildApi, parseApiEnv, type Api } from '@herald/api';
import { buildAuditor, parseAuditorEnv } from '@herald/auditor';
import {
  deterministicId,
  silentLogger,
  statusEventFor,
  statusMessage,
  topicNames,
  type DeliveryJob,
  type StatusEvent,
} from '@herald/core';
import { ensureTopics, heraldTopicSpecs } from '@herald/kafka';
import { AuditQueries, createDatabase } from '@herald/store';
import { readTopics, testRun, waitFor } from '@herald/testkit';

const run = testRun('vonage-receipts');
const { kafka, prefix } = run;
const topics = topicNames(prefix);
const SECRET = 'vonage-signature-secret';
const statusSeen: StatusEvent[] = [];
let api: Api;
let audit: AuditQueries;

function job(recipient: string): DeliveryJob {
  return {
    notificationId: deterministicId(prefix, 'evt-v', recipient, 'sms'),
    event: { id: 'evt-v', source: 'shop', type: 'order.shipped', time: '2026-11-21T08:00:00Z' },
    tenant: 'acme',
    rule: { id: 'shipping', version: 1 },
    channel: 'sms',
    recipient: { ref: recipient, address: '+4915112345678' },
    priority: 'normal',
    attempt: 1,
    payload: {},
    plannedAt: '2026-11-21T08:00:00Z',
  };
}
const deliveredJob = job('olga');
const failedJob = job('pete');

/** Signs DLR fields as a Vonage account with an MD5-hash or HMAC signature method does. */
function signed(fields: Record<string, string>, method: 'md5hash' | 'sha256', secret = SECRET) {
  const params: Record<string, string> = {
    msisdn: '4915112345678',
    to: 'Acme',
    'network-code': '26201',
    price: '0.03330000',
    'message-timestamp': '2026-11-21 08:00:05',
    timestamp: String(Math.floor(Date.now() / 1000)),
    nonce: Math.random().toString(36).slice(2),
    ...fields,
  };
  let data = '';
  for (const name of Object.keys(params).sort())
    data += `&${name}=${params[name]!.replace(/[&=]/g, '_')}`;
  params.sig =
    method === 'md5hash'
      ? createHash('md5')
          .update(data + secret)
          .digest('hex')
      : createHmac('sha256', secret).update(data).digest('hex');
  return params;
}

async function stateOf(id: string): Promise<string | undefined> {
  return (await audit.notification(id))?.notification.state;
}

async function send(method: 'GET' | 'POST-form' | 'POST-json', params: Record<string, string>) {
  const query = new URLSearchParams(params).toString();
  const response =
    method === 'GET'
      ? await fetch(`${api.url}/v1/receipts/vonage?${query}`)
      : await fetch(`${api.url}/v1/receipts/vonage`, {
          method: 'POST',
          body: method === 'POST-json' ? JSON.stringify(params) : query,
          headers: {
            'content-type':
              method === 'POST-json' ? 'application/json' : 'application/x-www-form-urlencoded',
          },
        });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const method = 'sha256' as const;

beforeAll(async () => {
  const { url } = await run.database();
  const db = createDatabase({ url, poolSize: 2, logger: silentLogger });
  run.defer(() => db.destroy());
  audit = new AuditQueries(db);
  await ensureTopics(kafka, heraldTopicSpecs(topics, 1, 1));
  await run.start(buildAuditor(parseAuditorEnv(run.settings()), silentLogger));
  api = await run.start(
    buildApi(
      parseApiEnv(
        run.settings({
          HERALD_API_HOST: '127.0.0.1',
          HERALD_API_PORT: '0',
          HERALD_API_VONAGE_SIGNATURE_SECRET: SECRET,
          HERALD_API_VONAGE_SIGNATURE_METHOD: method,
        }),
      ),
      silentLogger,
    ),
  );
  const reader = await readTopics<StatusEvent>(kafka, {
    groupId: `${prefix}status-reader`,
    topics: [topics.status],
    onRecord: ({ value }) => void statusSeen.push(JSON.parse(value.toString()) as StatusEvent),
  });
  run.defer(() => reader.stop());
  const at = new Date('2026-11-21T08:00:01Z');
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({
    topic: topics.status,
    messages: (
      [
        [deliveredJob, 'VON-olga'],
        [failedJob, 'VON-pete'],
      ] as const
    ).flatMap(([j, messageId]) => [
      statusMessage(statusEventFor(j, 'queued', 'herald/router', at)),
      statusMessage(
        statusEventFor(j, 'sent', 'herald/worker', at, {
          provider: { statusCode: 200, messageId },
        }),
      ),
    ]),
  });
  await producer.disconnect();
  await waitFor('the sent rows', async () => (await stateOf(failedJob.notificationId)) === 'sent');
}, 60_000);

afterAll(() => run.stop());

it('delivered by client-ref (JSON POST), on herald.status from herald/api', async () => {
  const response = await send(
    'POST-json',
    signed(
      {
        messageId: 'VON-olga',
        status: 'delivered',
        'err-code': '0',
        'client-ref': deliveredJob.notificationId,
      },
      method,
    ),
  );
  expect(response.status).toBe(200);
  expect(response.body.recorded).toEqual([
    expect.objectContaining({ notificationId: deliveredJob.notificationId, state: 'delivered' }),
  ]);
  await waitFor(
    'delivered',
    async () => (await stateOf(deliveredJob.notificationId)) === 'delivered',
  );
  const status = await waitFor('the status', () =>
    statusSeen.find(
      (s) => s.subject === deliveredJob.notificationId && s.data.state === 'delivered',
    ),
  );
  expect(status.source).toBe('herald/api');
  expect(status.data.provider?.name).toBe('vonage');
});

it('rejected, matched by messageId (GET), becomes failed with the err-code; accepted changes nothing', async () => {
  const progress = await send(
    'POST-form',
    signed({ messageId: 'VON-pete', status: 'accepted' }, method),
  );
  expect([progress.status, progress.body.recorded]).toEqual([200, []]);
  const response = await send(
    'GET',
    signed({ messageId: 'VON-pete', status: 'rejected', 'err-code': '6' }, method),
  );
  expect(response.status).toBe(200);
  await waitFor('failed', async () => (await stateOf(failedJob.notificationId)) === 'failed');
  const history = await audit.notification(failedJob.notificationId);
  expect(history?.statuses.map((s) => [s.state, s.reason ?? null])).toContainEqual([
    'failed',
    'rejected: Vonage err-code 6',
  ]);
});

it('refuses a forged signature, the other method, a stale timestamp and an unsigned DLR with 401, counted', async () => {
  const fields = { messageId: 'VON-olga', status: 'failed', 'err-code': '1' };
  const forged = await send('POST-form', signed(fields, method, 'not-the-secret'));
  expect([forged.status, forged.body.code]).toEqual([401, 'HERALD_ERR_RECEIPT_SIGNATURE']);
  expect((await send('POST-form', signed(fields, 'md5hash'))).status).toBe(401);
  const stale = signed(
    { ...fields, timestamp: String(Math.floor(Date.now() / 1000) - 600) },
    method,
  );
  expect((await send('POST-json', stale)).status).toBe(401);
  const { sig: _sig, ...unsigned } = signed(fields, method);
  expect((await send('GET', unsigned)).status).toBe(401);
  expect(await stateOf(deliveredJob.notificationId)).toBe('delivered');
  const metrics = await (await fetch(`${api.opsUrl}/metrics`)).text();
  expect(metrics).toMatch(
    /^herald_receipt_signature_failures_total\{[^}]*provider="vonage"[^}]*\} 4$/m,
  );
  expect(metrics).toMatch(
    /^herald_receipts_total\{(?=[^}]*provider="vonage")(?=[^}]*outcome="delivered")[^}]*\} 1$/m,
  );
});
