/**
 * Minimal local provider servers for the worker's channel tests: a real SMTP server
 * (`smtp-server`, AUTH PLAIN/LOGIN) and Twilio's Messages API over HTTP. Trimmed copies
 * of packages/channels/test/servers (the full conformance fakes live there).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface Received {
  readonly path: string;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

export interface LocalServer {
  readonly url: string;
  readonly received: Received[];
  /** Set to answer every request with this HTTP status instead (e.g. 503: an outage). */
  failWith?: number | undefined;
  close(): Promise<void>;
}

/** SMTP with authentication; each accepted message is recorded with its raw text. */
export async function startSmtp(user: string, pass: string): Promise<LocalServer> {
  const received: Received[] = [];
  const server = new SMTPServer({
    authOptional: false,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === user && auth.password === pass) return callback(null, { user });
      callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        received.push({
          path: session.envelope.rcptTo.map((r) => r.address).join(','),
          headers: {},
          body: Buffer.concat(chunks).toString('utf8'),
        });
        callback(null, 'Message queued as 4Xy1');
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = (server as unknown as { server: { address(): AddressInfo } }).server.address();
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Twilio: POST /2010-04-01/Accounts/{sid}/Messages.json with Basic auth and a form body. */
export async function startTwilio(
  accountSid: string,
  authToken: string,
): Promise<LocalServer & { readonly failed: Received[] }> {
  const received: Received[] = [];
  const failed: Received[] = [];
  // eslint-disable-next-line prefer-const -- assigned once the server listens
  let local: LocalServer & { failed: Received[] };
  const basic = `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const reply = (status: number, doc: unknown) =>
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(doc));
      if (req.headers.authorization !== basic)
        return reply(401, { code: 20003, message: 'Authenticate', status: 401 });
      if (req.url !== `/2010-04-01/Accounts/${accountSid}/Messages.json`)
        return reply(404, { code: 20404, message: 'not found', status: 404 });
      if (local.failWith !== undefined) {
        failed.push({ path: req.url, headers: req.headers, body });
        return reply(local.failWith, { code: 20500, message: 'outage', status: local.failWith });
      }
      received.push({ path: req.url, headers: req.headers, body });
      const form = new URLSearchParams(body);
      reply(201, {
        sid: `SM${received.length.toString(16).padStart(32, '0')}`,
        status: 'queued',
        to: form.get('To'),
        from: form.get('From'),
        body: form.get('Body'),
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  local = {
    url: `http://127.0.0.1:${port}`,
    received,
    failed,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return local;
}

/** Vonage SMS API: POST /sms/json, a form with api_key/api_secret; status "0" per part sent. */
export async function startVonage(apiKey: string, apiSecret: string): Promise<LocalServer> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const form = new URLSearchParams(body);
      const reply = (doc: unknown) =>
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(doc));
      if (req.url !== '/sms/json') return res.writeHead(404).end();
      if (form.get('api_key') !== apiKey || form.get('api_secret') !== apiSecret)
        return reply({
          'message-count': '1',
          messages: [{ status: '4', 'error-text': 'Bad Credentials' }],
        });
      received.push({ path: req.url, headers: req.headers, body });
      reply({
        'message-count': '1',
        messages: [{ to: form.get('to'), 'message-id': `0A000000${received.length}`, status: '0' }],
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
