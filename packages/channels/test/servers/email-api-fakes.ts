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
