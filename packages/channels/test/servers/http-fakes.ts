// Local servers speaking each HTTP provider's documented API: paths, auth, bodies
// and error documents. One factory per provider; every one is a FakeServer.
import { header, startFakeHttpServer, type FakeServer, type Reply } from './fake-http-server.js';

/** Slack: incoming webhooks at /services/..., Web API at /api/chat.postMessage (200 + ok:false for errors). */
export function startSlackServer(botToken: string): Promise<FakeServer> {
  return startFakeHttpServer((req, scenario) => {
    if (scenario === 'hang') return 'hang';
    if (req.path.startsWith('/services/')) {
      if (!JSON.parse(req.body).text) return { status: 400, body: 'invalid_payload' };
      if (scenario === 'permanent') return { status: 404, body: 'channel_not_found' };
      if (scenario === 'transient') return { status: 500, body: 'rollup_error' };
      if (scenario === 'rate-limited')
        return { status: 429, headers: { 'retry-after': '7' }, body: 'rate limited' };
      return { status: 200, body: 'ok' };
    }
    if (req.path === '/api/chat.postMessage') {
      if (header(req, 'authorization') !== `Bearer ${botToken}`)
        return { status: 200, body: { ok: false, error: 'invalid_auth' } };
      const msg = JSON.parse(req.body) as { channel?: string };
      if (scenario === 'permanent')
        return { status: 200, body: { ok: false, error: 'channel_not_found' } };
      if (scenario === 'transient') return { status: 503, body: 'Service Unavailable' };
      if (scenario === 'rate-limited')
        return {
          status: 429,
          headers: { 'retry-after': '7' },
          body: { ok: false, error: 'ratelimited' },
        };
      return { status: 200, body: { ok: true, channel: msg.channel, ts: '1712345678.000100' } };
    }
    return { status: 404, body: 'no_service' };
  });
}

/** Discord: POST /api/webhooks/{id}/{token}; 429 with JSON retry_after (seconds). */
export function startDiscordServer(): Promise<FakeServer> {
  return startFakeHttpServer((req, scenario) => {
    if (scenario === 'hang') return 'hang';
    if (!/^\/api\/webhooks\/\d+\/[\w-]+\?wait=true$/.test(req.path))
      return { status: 404, body: { message: '404: Not Found', code: 0 } };
    if (scenario === 'permanent')
      return { status: 404, body: { message: 'Unknown Webhook', code: 10015 } };
    if (scenario === 'transient') return { status: 502, body: 'Bad Gateway' };
    if (scenario === 'rate-limited') {
      return {
        status: 429,
        headers: { 'retry-after': '8' },
        body: { message: 'You are being rate limited.', retry_after: 7, global: false },
      };
    }
    return { status: 200, body: { id: '1234567890', type: 0, ...JSON.parse(req.body) } };
  });
}

/** Teams: incoming webhook / Workflows URL; the legacy connector answers 200 "1". */
export function startTeamsServer(): Promise<FakeServer> {
  return startFakeHttpServer((req, scenario) => {
    if (scenario === 'hang') return 'hang';
    const msg = JSON.parse(req.body) as { type?: string; attachments?: unknown[] };
    if (msg.type !== 'message' || !Array.isArray(msg.attachments))
      return { status: 400, body: 'Bad payload received by generic incoming webhook.' };
    if (scenario === 'permanent')
      return { status: 400, body: 'Bad payload received by generic incoming webhook.' };
    if (scenario === 'transient') return { status: 502, body: 'Bad Gateway' };
    if (scenario === 'rate-limited')
      return { status: 429, headers: { 'retry-after': '7' }, body: 'Too Many Requests' };
    return { status: 200, body: '1' };
  });
}

/** Telegram Bot API: POST /bot{token}/sendMessage; errors are { ok: false, error_code, description, parameters }. */
export function startTelegramServer(botToken: string): Promise<FakeServer> {
  return startFakeHttpServer((req, scenario) => {
    if (scenario === 'hang') return 'hang';
    if (req.path !== `/bot${botToken}/sendMessage`)
      return { status: 401, body: { ok: false, error_code: 401, description: 'Unauthorized' } };
    const msg = JSON.parse(req.body) as { chat_id?: string; text?: string };
    if (scenario === 'permanent')
      return {
        status: 400,
        body: { ok: false, error_code: 400, description: 'Bad Request: chat not found' },
      };
    if (scenario === 'transient')
      return { status: 502, body: { ok: false, error_code: 502, description: 'Bad Gateway' } };
    if (scenario === 'rate-limited') {
      return {
        status: 429,
        body: {
          ok: false,
          error_code: 429,
          description: 'Too Many Requests: retry after 7',
          parameters: { retry_after: 7 },
        },
      };
    }
    return {
      status: 200,
      body: { ok: true, result: { message_id: 42, chat: { id: msg.chat_id }, text: msg.text } },
    };
  });
}

/** PagerDuty Events API v2: POST /v2/enqueue, 202 on success, 400 invalid event. */
export function startPagerDutyServer(): Promise<FakeServer> {
  return startFakeHttpServer((req, scenario) => {
    if (scenario === 'hang') return 'hang';
    if (req.path !== '/v2/enqueue') return { status: 404 };
    const event = JSON.parse(req.body) as {
      routing_key?: string;
      dedup_key?: string;
      event_action?: string;
    };
    if (scenario === 'permanent' || event.routing_key?.length !== 32) {
      return {
        status: 400,
        body: {
          status: 'invalid event',
          message: 'Event object is invalid',
          errors: ["Length of 'routing_key' is incorrect (should be 32 characters)"],
        },
      };
    }
    if (scenario === 'transient') return { status: 500, body: 'Internal Server Error' };
    // PagerDuty documents 429 without a Retry-After; clients back off themselves.
    if (scenario === 'rate-limited')
      return {
        status: 429,
        body: {
          status: 'throttle event',
          message: 'Requests for this service are arriving too quickly.',
        },
      };
    return {
      status: 202,
      body: { status: 'success', message: 'Event processed', dedup_key: event.dedup_key },
    };
  });
}

/** Resend: POST /emails with a Bearer key; errors are { statusCode, name, message }. */
export function startResendServer(apiKey: string): Promise<FakeServer> {
  return startFakeHttpServer((req, scenario) => {
    if (scenario === 'hang') return 'hang';
    if (req.path !== '/emails')
      return {
        status: 404,
        body: {
          statusCode: 404,
          name: 'not_found',
          message: 'The requested endpoint does not exist.',
        },
      };
    if (header(req, 'authorization') !== `Bearer ${apiKey}`)
      return {
        status: 403,
        body: { statusCode: 403, name: 'invalid_api_key', message: 'API key is invalid' },
      };
    if (scenario === 'permanent')
      return {
        status: 422,
        body: { statusCode: 422, name: 'validation_error', message: 'Invalid `to` field.' },
      };
    if (scenario === 'transient')
      return {
        status: 500,
        body: {
          statusCode: 500,
          name: 'application_error',
          message: 'An unexpected error occurred.',
        },
      };
    if (scenario === 'rate-limited') {
      return {
        status: 429,
        headers: { 'retry-after': '7' },
        body: { statusCode: 429, name: 'rate_limit_exceeded', message: 'Too many requests.' },
      };
    }
    return { status: 200, body: { id: `re-${header(req, 'idempotency-key') ?? 'x'}` } };
  });
}

/** Amazon SES v2: POST /v2/email/outbound-emails, SigV4; errors name themselves in x-amzn-ErrorType. */
export function startSesServer(accessKeyId: string): Promise<FakeServer> {
  const error = (
    status: number,
    type: string,
    message: string,
    headers: Record<string, string> = {},
  ): Reply => ({
    status,
    headers: { 'x-amzn-errortype': type, 'x-amzn-requestid': 'req-1', ...headers },
    body: { message },
  });
  return startFakeHttpServer((req, scenario) => {
    if (scenario === 'hang') return 'hang';
    if (req.path !== '/v2/email/outbound-emails')
      return error(404, 'NotFoundException', 'no such resource');
    const auth = header(req, 'authorization') ?? '';
    if (
      !auth.startsWith(`AWS4-HMAC-SHA256 Credential=${accessKeyId}/`) ||
      !auth.includes('/ses/aws4_request')
    ) {
      return error(
        403,
        'InvalidSignatureException',
        'The request signature we calculated does not match',
      );
    }
    if (scenario === 'permanent')
      return error(400, 'MessageRejected', 'Email address is not verified.');
    if (scenario === 'transient')
      return error(
        500,
        'InternalFailure',
        'The request processing has failed because of an unknown error.',
      );
    if (scenario === 'rate-limited')
      return error(429, 'TooManyRequestsException', 'Maximum sending rate exceeded.', {
        'retry-after': '7',
      });
    return { status: 200, body: { MessageId: '0100018f-ses-message-id' } };
  });
}

/** Twilio: POST /2010-04-01/Accounts/{sid}/Messages.json, Basic auth, form body; errors { code, message, more_info, status }. */
export function startTwilioServer(accountSid: string, authToken: string): Promise<FakeServer> {
  const error = (
    status: number,
    code: number,
    message: string,
    headers: Record<string, string> = {},
  ): Reply => ({
    status,
    headers,
    body: { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status },
  });
  return startFakeHttpServer((req, scenario) => {
    if (scenario === 'hang') return 'hang';
    const basic = `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`;
    if (header(req, 'authorization') !== basic) return error(401, 20003, 'Authenticate');
    if (req.method === 'GET' && req.path === `/2010-04-01/Accounts/${accountSid}.json`) {
      return { status: 200, body: { sid: accountSid, status: 'active' } };
    }
    if (req.path !== `/2010-04-01/Accounts/${accountSid}/Messages.json`)
      return error(404, 20404, 'The requested resource was not found');
    const form = new URLSearchParams(req.body);
    if (scenario === 'permanent')
      return error(400, 21211, `The 'To' number ${form.get('To')} is not a valid phone number.`);
    if (scenario === 'transient') return error(500, 20500, 'Internal Server Error');
    if (scenario === 'rate-limited')
      return error(429, 20429, 'Too Many Requests', { 'retry-after': '7' });
    return {
      status: 201,
      body: {
        sid: 'SM0123456789abcdef0123456789abcdef',
        status: 'queued',
        to: form.get('To'),
        from: form.get('From'),
        body: form.get('Body'),
      },
    };
  });
}
