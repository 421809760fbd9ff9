import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo, LookupFunction } from 'node:net';
import { Webhook } from 'standardwebhooks';
import {
  createWebhookProvider,
  type WebhookProvider,
  type WebhookProviderConfig,
} from '../src/index.js';
import { makeJob } from './fixtures/make-job.js';
import { header } from './servers/fake-http-server.js';
import { startWebhookReceiver, type WebhookReceiver } from './servers/webhook-receiver.js';

const SECRET_A = `whsec_${Buffer.alloc(32, 1).toString('base64')}`;
const SECRET_B = `whsec_${Buffer.alloc(32, 2).toString('base64')}`;
const SECRET_TENANT = `whsec_${Buffer.alloc(24, 3).toString('base64')}`;

let receiver: WebhookReceiver;
const providers: WebhookProvider[] = [];

function provider(overrides: Partial<WebhookProviderConfig> = {}): WebhookProvider {
  const p = createWebhookProvider({
    secrets: { default: SECRET_A },
    allowPrivateNetworks: true,
    timeoutMs: 2_000,
    ...overrides,
  });
  providers.push(p);
  return p;
}

function signal(): AbortSignal {
  return AbortSignal.timeout(10_000);
}

beforeEach(async () => {
  receiver = await startWebhookReceiver();
});

afterEach(async () => {
  await Promise.all(providers.splice(0).map((p) => p.close()));
  await receiver.close();
});

describe('webhook provider: Standard Webhooks signing', () => {
  it('POSTs the payload as JSON, signed, with webhook-id = notification id and the injected clock', async () => {
    const at = new Date('2030-01-02T03:04:05.678Z');
    const job = makeJob('webhook', `${receiver.url}/hooks/orders?x=1`);
    const outcome = await provider({ now: () => at }).send(job, undefined, signal());

    expect(outcome).toEqual({ status: 'sent', provider: { statusCode: 204 } });
    const [req] = receiver.requests;
    expect(req!.method).toBe('POST');
    expect(req!.path).toBe('/hooks/orders?x=1');
    expect(JSON.parse(req!.body)).toEqual(job.payload);
    expect(header(req!, 'content-type')).toBe('application/json');
    expect(header(req!, 'webhook-id')).toBe(job.notificationId);
    expect(header(req!, 'webhook-timestamp')).toBe(String(Math.floor(at.getTime() / 1000)));
    expect(header(req!, 'webhook-signature')).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    // Verified by the reference implementation, as a receiver would.
    expect(new Webhook(SECRET_A).sign(job.notificationId, at, req!.body)).toBe(
      header(req!, 'webhook-signature'),
    );
  });

  it('is verifiable by a receiver using the standardwebhooks package', async () => {
    const job = makeJob('webhook', receiver.url);
    await provider().send(job, undefined, signal());
    const req = receiver.requests[0]!;
    expect(new Webhook(SECRET_A).verify(req.body, req.headers as Record<string, string>)).toEqual(
      job.payload,
    );
  });

  it('signs with every secret during rotation, so receivers holding either accept it', async () => {
    const job = makeJob('webhook', receiver.url);
    await provider({ secrets: { default: [SECRET_B, SECRET_A] } }).send(job, undefined, signal());
    const req = receiver.requests[0]!;
    expect(header(req, 'webhook-signature')!.split(' ')).toHaveLength(2);
    for (const secret of [SECRET_A, SECRET_B]) {
      expect(new Webhook(secret).verify(req.body, req.headers as Record<string, string>)).toEqual(
        job.payload,
      );
    }
    const stranger = `whsec_${Buffer.alloc(32, 9).toString('base64')}`;
    expect(() =>
      new Webhook(stranger).verify(req.body, req.headers as Record<string, string>),
    ).toThrow();
  });

  it('keeps webhook-id stable across retries of the same notification', async () => {
    const p = provider();
    const job = makeJob('webhook', receiver.url);
    await p.send(job, undefined, signal());
    await p.send({ ...job, attempt: 2 }, undefined, signal());
    expect(receiver.requests.map((r) => header(r, 'webhook-id'))).toEqual([
      job.notificationId,
      job.notificationId,
    ]);
  });

  it('picks the secret by options.secretRef, tenant secrets first', async () => {
    const p = provider({
      secrets: { default: SECRET_A, billing: SECRET_B },
      tenants: { acme: { secrets: { billing: SECRET_TENANT } } },
    });
    await p.send(
      makeJob('webhook', receiver.url, { options: { secretRef: 'billing' } }),
      undefined,
      signal(),
    );
    await p.send(
      makeJob('webhook', receiver.url, { tenant: 'other', options: { secretRef: 'billing' } }),
      undefined,
      signal(),
    );
    const [acme, other] = receiver.requests;
    expect(() =>
      new Webhook(SECRET_TENANT).verify(acme!.body, acme!.headers as Record<string, string>),
    ).not.toThrow();
    expect(() =>
      new Webhook(SECRET_B).verify(other!.body, other!.headers as Record<string, string>),
    ).not.toThrow();
  });

  it('fails permanently, naming the ref, when the secret ref is unknown', async () => {
    const outcome = await provider().send(
      makeJob('webhook', receiver.url, { options: { secretRef: 'nope' } }),
      undefined,
      signal(),
    );
    expect(outcome).toMatchObject({ status: 'failed', permanent: true });
    expect(outcome.status === 'failed' && outcome.reason).toMatch(
      /HERALD_ERR_WEBHOOK_SECRET.*"nope".*acme/,
    );
    expect(receiver.requests).toHaveLength(0);
  });

  it('refuses a malformed secret at construction without echoing it', () => {
    expect(() => createWebhookProvider({ secrets: { default: 'whsec_short' } })).toThrow(
      /HERALD_ERR_WEBHOOK_SECRET.*"default" #1.*bytes/,
    );
    expect(() => createWebhookProvider({ secrets: { default: 'not-a-secret' } })).toThrow(
      /malformed/,
    );
    try {
      createWebhookProvider({ secrets: { default: 'not-a-secret' } });
    } catch (err) {
      expect(String(err)).not.toContain('not-a-secret');
    }
  });
});

describe('webhook provider: headers, keep-alive, size', () => {
  it('sends custom headers and refuses ones that would override Herald’s', async () => {
    const p = provider();
    await p.send(
      makeJob('webhook', receiver.url, {
        options: { headers: { 'x-tenant': 'acme', authorization: 'Bearer t' } },
      }),
      undefined,
      signal(),
    );
    expect(header(receiver.requests[0]!, 'x-tenant')).toBe('acme');
    expect(header(receiver.requests[0]!, 'authorization')).toBe('Bearer t');

    for (const name of ['webhook-id', 'Webhook-Signature', 'Content-Type']) {
      const outcome = await p.send(
        makeJob('webhook', receiver.url, { options: { headers: { [name]: 'x' } } }),
        undefined,
        signal(),
      );
      expect(outcome).toMatchObject({ status: 'failed', permanent: true });
      expect(outcome.status === 'failed' && outcome.reason).toContain(`"${name}" is reserved`);
    }
    expect(receiver.requests).toHaveLength(1);
  });

  it('reuses keep-alive connections across consecutive sends', async () => {
    const p = provider();
    for (let i = 0; i < 6; i++) await p.send(makeJob('webhook', receiver.url), undefined, signal());
    // undici releases a socket a tick after the body ends, so the next send may open
    // a second one; without keep-alive there would be six.
    expect(new Set(receiver.requests.map((r) => r.remotePort)).size).toBeLessThanOrEqual(2);
  });

  it('refuses a payload over maxPayloadBytes before sending', async () => {
    const outcome = await provider({ maxPayloadBytes: 100 }).send(
      makeJob('webhook', receiver.url, { payload: { big: 'x'.repeat(200) } }),
      undefined,
      signal(),
    );
    expect(outcome).toMatchObject({ status: 'failed', permanent: true });
    expect(outcome.status === 'failed' && outcome.reason).toMatch(
      /HERALD_ERR_CONTENT_TOO_LARGE.*21\d bytes.*limit is 100/,
    );
    expect(receiver.requests).toHaveLength(0);
  });
});

describe('webhook provider: classification', () => {
  const cases: [
    string,
    { status: number; headers?: Record<string, string>; body?: string },
    boolean,
    number | undefined,
  ][] = [
    ['400', { status: 400, body: 'bad' }, true, undefined],
    ['404', { status: 404 }, true, undefined],
    ['410 Gone', { status: 410 }, true, undefined],
    [
      '301 (never followed)',
      { status: 301, headers: { location: 'http://169.254.169.254/' } },
      true,
      undefined,
    ],
    ['408', { status: 408 }, false, undefined],
    ['425', { status: 425 }, false, undefined],
    ['429 Retry-After seconds', { status: 429, headers: { 'retry-after': '30' } }, false, 30_000],
    ['500', { status: 500 }, false, undefined],
    [
      '503 Retry-After date',
      { status: 503, headers: { 'retry-after': 'Tue, 01 Jan 2030 00:02:00 GMT' } },
      false,
      120_000,
    ],
  ];
  it.each(cases)('%s', async (_name, reply, isPermanent, retryAfterMs) => {
    receiver.replyWith(reply);
    const now = new Date('2030-01-01T00:00:00Z');
    const outcome = await provider({ now: () => now }).send(
      makeJob('webhook', receiver.url),
      undefined,
      signal(),
    );
    expect(outcome).toMatchObject({
      status: 'failed',
      permanent: isPermanent,
      provider: { statusCode: reply.status },
    });
    expect(outcome.status === 'failed' && outcome.retryAfterMs).toBe(retryAfterMs);
    expect(receiver.requests).toHaveLength(1);
  });

  it('reports the status and the first 200 characters of the body, never the secret', async () => {
    receiver.replyWith({ status: 422, body: `${'e'.repeat(300)} ${SECRET_A}` });
    const outcome = await provider().send(makeJob('webhook', receiver.url), undefined, signal());
    expect(outcome.status === 'failed' && outcome.provider).toEqual({
      statusCode: 422,
      message: 'e'.repeat(200),
    });
    expect(JSON.stringify(outcome)).not.toContain(SECRET_A.slice(6));
  });

  it('classifies a receiver that hangs past the timeout as transient', async () => {
    receiver.scenario('hang');
    const started = Date.now();
    const outcome = await provider({ timeoutMs: 300 }).send(
      makeJob('webhook', receiver.url),
      undefined,
      signal(),
    );
    expect(outcome).toMatchObject({ status: 'failed', permanent: false });
    expect(outcome.status === 'failed' && outcome.reason).toMatch(/no response within 300 ms/);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('gives up on a response body trickled past the timeout, as a timeout', async () => {
    // Each gap is shorter than the timeout, so only the whole-exchange bound can stop it.
    const trickle: RequestListener = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const timer = setInterval(() => res.write('.'), 50);
      res.on('close', () => clearInterval(timer));
    };
    await withServer(trickle, async (_server, port) => {
      const started = Date.now();
      const outcome = await provider({ timeoutMs: 300 }).send(
        makeJob('webhook', `http://127.0.0.1:${port}/hook`),
        undefined,
        signal(),
      );
      expect(outcome).toMatchObject({ status: 'failed', permanent: false });
      expect(outcome.status === 'failed' && outcome.reason).toMatch(/no response within 300 ms/);
      expect(Date.now() - started).toBeLessThan(3_000);
    });
  });

  it('classifies a caller abort as transient', async () => {
    receiver.scenario('hang');
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const outcome = await provider().send(
      makeJob('webhook', receiver.url),
      undefined,
      controller.signal,
    );
    expect(outcome).toMatchObject({ status: 'failed', permanent: false });
    expect(outcome.status === 'failed' && outcome.reason).toMatch(/aborted/);
  });

  it('classifies a refused connection as transient', async () => {
    const closed = await startWebhookReceiver();
    const url = closed.url;
    await closed.close();
    const outcome = await provider().send(makeJob('webhook', url), undefined, signal());
    expect(outcome).toMatchObject({ status: 'failed', permanent: false });
    expect(outcome.status === 'failed' && outcome.reason).toMatch(/ECONNREFUSED/);
  });

  it('fails permanently for an address that is not an http(s) URL', async () => {
    for (const address of ['not a url', 'ftp://example.com/x', 'file:///etc/passwd']) {
      const outcome = await provider().send(makeJob('webhook', address), undefined, signal());
      expect(outcome).toMatchObject({ status: 'failed', permanent: true });
    }
  });
});

describe('webhook provider: SSRF guard', () => {
  // Every refused target here is on this machine (loopback), so even a broken guard
  // would send nothing off the host; the range table itself is unit-tested.
  it.each([
    ['127.0.0.1', (r: WebhookReceiver) => r.url, /127\.0\.0\.1, a loopback address/],
    [
      'localhost by name',
      (r: WebhookReceiver) => r.url.replace('127.0.0.1', 'localhost'),
      /loopback/,
    ],
    [
      'IPv4-mapped IPv6',
      (r: WebhookReceiver) => r.url.replace('127.0.0.1', '[::ffff:127.0.0.1]'),
      /loopback/,
    ],
    ['unspecified', (r: WebhookReceiver) => r.url.replace('127.0.0.1', '0.0.0.0'), /unspecified/],
  ])('refuses %s by default, permanently and before connecting', async (_name, urlOf, reason) => {
    const outcome = await provider({ allowPrivateNetworks: false }).send(
      makeJob('webhook', urlOf(receiver)),
      undefined,
      signal(),
    );
    expect(outcome).toMatchObject({ status: 'failed', permanent: true });
    expect(outcome.status === 'failed' && outcome.reason).toMatch(/HERALD_ERR_TARGET_REFUSED/);
    expect(outcome.status === 'failed' && outcome.reason).toMatch(reason);
    expect(receiver.requests).toHaveLength(0);
  });

  it('allows a target inside allowCidrs', async () => {
    const outcome = await provider({
      allowPrivateNetworks: false,
      allowCidrs: ['127.0.0.0/8'],
    }).send(makeJob('webhook', receiver.url), undefined, signal());
    expect(outcome.status).toBe('sent');
  });

  it('refuses a name resolving to cloud metadata even with allowPrivateNetworks', async () => {
    const lookup = fakeDns(() => '169.254.169.254');
    const outcome = await provider({ allowPrivateNetworks: true, lookup }).send(
      makeJob('webhook', 'http://metadata.internal.test/latest/meta-data/'),
      undefined,
      signal(),
    );
    expect(outcome).toMatchObject({ status: 'failed', permanent: true });
    expect(outcome.status === 'failed' && outcome.reason).toMatch(
      /169\.254\.169\.254, a cloud metadata address/,
    );
  });

  it('re-checks at connect time, so DNS rebinding after the pre-flight check is refused', async () => {
    // First answer (pre-flight) is the allowed 127.0.0.1, the next (connect) 127.0.0.2:
    // both loopback, so nothing can leave the host whatever happens.
    let calls = 0;
    const lookup = fakeDns(() => (++calls === 1 ? '127.0.0.1' : '127.0.0.2'));
    const port = new URL(receiver.url).port;
    const outcome = await provider({
      allowPrivateNetworks: false,
      allowCidrs: ['127.0.0.1/32'],
      lookup,
    }).send(makeJob('webhook', `http://rebind.test:${port}/`), undefined, signal());
    expect(calls).toBe(2);
    expect(outcome).toMatchObject({ status: 'failed', permanent: true });
    expect(outcome.status === 'failed' && outcome.reason).toMatch(
      /HERALD_ERR_TARGET_REFUSED.*127\.0\.0\.2/,
    );
    expect(receiver.requests).toHaveLength(0);
  });

  it('connects through the guarded lookup to an allowed name', async () => {
    const lookup = fakeDns(() => '127.0.0.1');
    const port = new URL(receiver.url).port;
    const outcome = await provider({ allowPrivateNetworks: true, lookup }).send(
      makeJob('webhook', `http://hooks.test:${port}/x`),
      undefined,
      signal(),
    );
    expect(outcome.status).toBe('sent');
    expect(header(receiver.requests[0]!, 'host')).toBe(`hooks.test:${port}`);
  });
});

describe('pre-flight cache', () => {
  it('checks an allowed name once; new connections still get the connect-time check', async () => {
    await withServer(
      (_req, res) => res.end('ok'),
      async (server, port) => {
        // Pre-flight and first connect see 127.0.0.1 (allowed); every later answer is 127.0.0.2.
        let calls = 0;
        const lookup = fakeDns(() => (++calls <= 2 ? '127.0.0.1' : '127.0.0.2'));
        const p = provider({ allowPrivateNetworks: false, allowCidrs: ['127.0.0.1/32'], lookup });
        const url = `http://cached.test:${port}/x`;
        expect((await p.send(makeJob('webhook', url), undefined, signal())).status).toBe('sent');
        expect(calls).toBe(2); // pre-flight + connect
        server.closeAllConnections(); // the next send needs a new connection
        const second = await p.send(makeJob('webhook', url), undefined, signal());
        expect(calls).toBe(3); // no second pre-flight: only the new connection's lookup
        expect(second.status === 'failed' && second.reason).toMatch(
          /HERALD_ERR_TARGET_REFUSED.*127\.0\.0\.2/,
        );
      },
    );
  });
});

/** Runs `body` against a plain HTTP server on 127.0.0.1, closed afterwards whatever happens. */
async function withServer(
  handler: RequestListener,
  body: (server: Server, port: number) => Promise<void>,
): Promise<void> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await body(server, (server.address() as AddressInfo).port);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

/** A resolver that answers every name with one IPv4 address, in dns.lookup's both shapes. */
function fakeDns(answer: () => string): LookupFunction {
  return (_hostname, options, callback) => {
    const address = answer();
    if (options.all) callback(null, [{ address, family: 4 }]);
    else callback(null, address, 4);
  };
}
