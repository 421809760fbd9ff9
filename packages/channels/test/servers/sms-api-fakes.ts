// Local servers speaking the SMS APIs of Amazon SNS (Query API) and Vonage.
import { header, startFakeHttpServer, type FakeServer, type Reply } from './fake-http-server.js';

const SNS_NS = 'http://sns.amazonaws.com/doc/2010-03-31/';

/** An SNS Query API error document, as SNS answers it. */
export function snsError(status: number, code: string, message: string, type = 'Sender'): Reply {
  return {
    status,
    headers: { 'content-type': 'text/xml', 'x-amzn-requestid': 'req-1' },
    body: `<ErrorResponse xmlns="${SNS_NS}"><Error><Type>${type}</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>req-1</RequestId></ErrorResponse>`,
  };
}

/**
 * Amazon SNS Query API: POST / with a form body `Action=Publish&PhoneNumber=…`, signed
 * with SigV4 for the `sns` service; answers the `PublishResponse` XML with a MessageId.
 */
export function startSnsServer(accessKeyId: string): Promise<FakeServer> {
  let published = 0;
  return startFakeHttpServer((req, scenario) => {
    if (scenario === 'hang') return 'hang';
    const auth = header(req, 'authorization') ?? '';
    if (
      !auth.startsWith(`AWS4-HMAC-SHA256 Credential=${accessKeyId}/`) ||
      !auth.includes('/sns/aws4_request')
    ) {
      return snsError(
        403,
        'InvalidClientTokenId',
        'The security token included in the request is invalid.',
      );
    }
    const form = new URLSearchParams(req.body);
    if (req.method !== 'POST' || req.path !== '/' || form.get('Action') !== 'Publish')
      return snsError(400, 'InvalidAction', 'Could not find operation');
    if (!/^\+[1-9]\d{6,14}$/.test(form.get('PhoneNumber') ?? ''))
      return snsError(400, 'InvalidParameter', 'Invalid parameter: PhoneNumber Reason: invalid');
    if (scenario === 'permanent')
      return snsError(
        400,
        'InvalidParameter',
        'Invalid parameter: PhoneNumber Reason: +15551234567 is not valid to publish to',
      );
    if (scenario === 'transient')
      return snsError(500, 'InternalError', 'Internal Error', 'Receiver');
    if (scenario === 'rate-limited') {
      const limited = snsError(400, 'Throttling', 'Rate exceeded');
      return { ...limited, headers: { ...limited.headers, 'retry-after': '7' } };
    }
    published += 1;
    const id = `95df01b4-ee98-5cb9-9903-4c221d41eb5${published % 10}`;
    return {
      status: 200,
      headers: { 'content-type': 'text/xml' },
      body: `<PublishResponse xmlns="${SNS_NS}"><PublishResult><MessageId>${id}</MessageId></PublishResult><ResponseMetadata><RequestId>req-${published}</RequestId></ResponseMetadata></PublishResponse>`,
    };
  });
}

/**
 * Vonage SMS API: POST /sms/json with a form body; always HTTP 200 with a status per
 * message part (`0` sent, `1` throttled, `4` bad credentials, …).
 */
export function startVonageServer(apiKey: string, apiSecret: string): Promise<FakeServer> {
  let sentCount = 0;
  const refused = (status: string, errorText: string): Reply => ({
    status: 200,
    body: { 'message-count': '1', messages: [{ status, 'error-text': errorText }] },
  });
  return startFakeHttpServer((req, scenario) => {
    if (scenario === 'hang') return 'hang';
    if (req.method !== 'POST' || req.path !== '/sms/json') return { status: 404 };
    const form = new URLSearchParams(req.body);
    if (form.get('api_key') !== apiKey || form.get('api_secret') !== apiSecret)
      return refused('4', 'Bad Credentials');
    if (!form.get('to') || !form.get('from') || !form.get('text'))
      return refused('2', 'Missing to param');
    if (!/^[1-9]\d{6,14}$/.test(form.get('to')!)) return refused('3', 'Invalid to param');
    if (scenario === 'permanent') return refused('6', 'Unroutable message - rejected');
    if (scenario === 'transient') return refused('5', 'Internal Error');
    if (scenario === 'rate-limited') return refused('1', 'Throughput Rate Exceeded');
    // Long text is split into parts, each with its own id.
    const parts = Math.max(1, Math.ceil(form.get('text')!.length / 153));
    const messages = Array.from({ length: parts }, () => {
      sentCount += 1;
      return {
        to: form.get('to'),
        'message-id': `0A00000012345${String(sentCount).padStart(3, '0')}`,
        status: '0',
        'remaining-balance': '3.14159265',
        'message-price': '0.03330000',
        network: '12345',
        'client-ref': form.get('client-ref'),
      };
    });
    return { status: 200, body: { 'message-count': String(parts), messages } };
  });
}
