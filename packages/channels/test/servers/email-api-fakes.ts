// Local servers speaking the e-mail APIs of SendGrid, Postmark and Mailgun as each
// documents them: path, auth, body, success answer and error documents.
import { header, startFakeHttpServer, type FakeServer, type Reply } from './fake-http-server.js';

/** SendGrid v3: POST /v3/mail/send with a Bearer key; 202 + X-Message-Id; errors { errors: [{ message, field, help }] }. */
export function startSendGridServer(apiKey: string): Promise<FakeServer> {
  const errors = (...list: { message: string; field?: string | null }[]) => ({
    errors: list.map((e) => ({ field: null, help: null, ...e })),
  });
  return startFakeHttpServer((req, scenario): Reply | 'hang' => {
    if (scenario === 'hang') return 'hang';
    if (req.method !== 'POST' || req.path !== '/v3/mail/send')
      return { status: 404, body: errors({ message: 'not found' }) };
    if (header(req, 'authorization') !== `Bearer ${apiKey}`)
      return {
        status: 401,
        body: errors({
          message: 'The provided authorization grant is invalid, expired, or revoked',
        }),
      };
    const mail = JSON.parse(req.body) as {
      personalizations?: { to?: { email?: string }[] }[];
      from?: { email?: string };
      subject?: string;
      content?: { type: string; value: string }[];
    };
    const to = mail.personalizations?.[0]?.to?.[0]?.email;
    if (
      to === undefined ||
      mail.from?.email === undefined ||
      !mail.subject ||
      !mail.content?.length
    )
      return {
        status: 400,
        body: errors({ message: 'The to, from, subject and content fields are required.' }),
      };
    if (scenario === 'permanent')
      return {
        status: 400,
        body: errors({
          field: 'personalizations.0.to.0.email',
          message: 'Does not contain a valid address.',
        }),
      };
    if (scenario === 'transient') return { status: 503, body: 'Service Unavailable' };
    if (scenario === 'rate-limited')
      return {
        status: 429,
        headers: { 'retry-after': '7', 'x-ratelimit-limit': '600', 'x-ratelimit-remaining': '0' },
        body: errors({ message: 'too many requests' }),
      };
    return { status: 202, headers: { 'x-message-id': 'sg-Kv3xQ2mZTEa9' } };
  });
}

/** Postmark: POST /email with X-Postmark-Server-Token; 200 { MessageID, ErrorCode: 0 }; errors { ErrorCode, Message }. */
export function startPostmarkServer(serverToken: string): Promise<FakeServer> {
  const error = (status: number, ErrorCode: number, Message: string): Reply => ({
    status,
    body: { ErrorCode, Message },
  });
  return startFakeHttpServer((req, scenario): Reply | 'hang' => {
    if (scenario === 'hang') return 'hang';
    if (req.method !== 'POST' || req.path !== '/email') return { status: 404 };
    if (header(req, 'accept') !== 'application/json')
      return { status: 406, body: 'Accept must be application/json' };
    if (header(req, 'x-postmark-server-token') !== serverToken)
      return error(
        401,
        10,
        'Request does not contain a valid Server token. Please check that the token is correct.',
      );
    const mail = JSON.parse(req.body) as Record<string, unknown>;
    if (!mail.From || !mail.To || (!mail.HtmlBody && !mail.TextBody))
      return error(422, 300, 'Provide either email TextBody or HtmlBody or both.');
    if (mail.MessageStream !== 'outbound' && mail.MessageStream !== 'broadcast')
      return error(422, 1235, `The message stream for the provided 'ID' was not found.`);
    if (scenario === 'permanent')
      return error(
        422,
        406,
        'You tried to send to recipient(s) that have been marked as inactive.',
      );
    if (scenario === 'transient') return error(500, 0, 'Internal Server Error');
    if (scenario === 'rate-limited')
      return {
        status: 429,
        headers: { 'retry-after': '7' },
        body: { ErrorCode: 429, Message: 'Rate limit exceeded.' },
      };
    return {
      status: 200,
      body: {
        To: mail.To,
        SubmittedAt: '2030-01-01T00:00:00.0000000Z',
        MessageID: 'b7bc2f4a-e38e-4336-af7d-e6c392c2f817',
        ErrorCode: 0,
        Message: 'OK',
      },
    };
  });
}

/** Mailgun: POST /v3/{domain}/messages, basic auth api:{key}, a form body; 200 { id, message }; errors { message } or "Forbidden". */
export function startMailgunServer(domain: string, apiKey: string): Promise<FakeServer> {
  return startFakeHttpServer((req, scenario): Reply | 'hang' => {
    if (scenario === 'hang') return 'hang';
    const basic = `Basic ${Buffer.from(`api:${apiKey}`).toString('base64')}`;
    if (header(req, 'authorization') !== basic) return { status: 401, body: 'Forbidden' };
    if (req.method !== 'POST' || req.path !== `/v3/${domain}/messages`)
      return { status: 404, body: { message: `Domain not found: ${req.path.split('/')[2]}` } };
    if (header(req, 'content-type') !== 'application/x-www-form-urlencoded')
      return { status: 400, body: { message: 'unsupported content type' } };
    const form = new URLSearchParams(req.body);
    for (const field of ['from', 'to', 'subject'])
      if (!form.get(field))
        return { status: 400, body: { message: `${field} parameter is missing` } };
    if (!form.get('text') && !form.get('html'))
      return {
        status: 400,
        body: { message: "Need at least one of 'text' or 'html' parameters specified" },
      };
    if (scenario === 'permanent')
      return {
        status: 400,
        body: { message: "'to' parameter is not a valid address. please check documentation" },
      };
    if (scenario === 'transient') return { status: 502, body: 'Bad Gateway' };
    if (scenario === 'rate-limited')
      return {
        status: 429,
        headers: { 'retry-after': '7' },
        body: { message: 'Too many requests' },
      };
    return {
      status: 200,
      body: { id: `<20300101000000.1.ABCDEF@${domain}>`, message: 'Queued. Thank you.' },
    };
  });
}
