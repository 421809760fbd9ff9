// APNs over HTTP/2 and TLS on 127.0.0.1: checks the provider token (ES256 JWT with the
// team id and key id) and answers as Apple documents, or as a test tells it to.
import { verify, type KeyObject } from 'node:crypto';
import { createSecureServer, type IncomingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { selfSignedCertificate } from './fcm-server.js';

export interface ApnsRequest {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: unknown;
  readonly jwt: { readonly iss: unknown; readonly iat: unknown; readonly kid: unknown };
}

export interface ApnsReply {
  /** `hang`: never answer. */
  readonly status: number | 'hang';
  readonly headers?: Readonly<Record<string, string>>;
  readonly reason?: string;
}

export interface ApnsServer {
  readonly url: string;
  /** The server's certificate, for the provider's `ca`. */
  readonly ca: string;
  readonly requests: ApnsRequest[];
  answer(reply: ApnsReply | undefined): void;
  close(): Promise<void>;
}

export async function startApnsServer(
  keys: Readonly<Record<string, KeyObject>>,
): Promise<ApnsServer> {
  const { key, cert } = selfSignedCertificate('127.0.0.1', 'IP:127.0.0.1');
  const requests: ApnsRequest[] = [];
  let override: ApnsReply | undefined;
  let counter = 0;
  const server = createSecureServer({ key, cert });
  server.on('stream', (received, headers) => {
    // A server's streams are ServerHttp2Stream (they can respond); @types/node 26 types the
    // server's 'stream' event with the session's plain Http2Stream.
    const stream = received as ServerHttp2Stream;
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      const reply = (status: number, reason?: string, extra: Record<string, string> = {}) => {
        stream.respond({ ':status': status, ...extra });
        stream.end(reason === undefined ? '' : JSON.stringify({ reason }));
      };
      const jwt = /^bearer (.+)$/.exec(String(headers.authorization ?? ''))?.[1];
      const claims = jwt === undefined ? undefined : checkJwt(jwt, keys);
      if (claims === undefined) return reply(403, 'InvalidProviderToken');
      requests.push({
        path: String(headers[':path']),
        headers,
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
        jwt: claims,
      });
      if (override?.status === 'hang') return;
      if (override !== undefined)
        return reply(override.status, override.reason, override.headers ?? {});
      reply(200, undefined, { 'apns-id': `00000000-0000-0000-0000-00000000000${++counter}` });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    ca: cert,
    requests,
    answer(reply) {
      override = reply;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The claims of an ES256 JWT signed by the key its `kid` names, or undefined. */
function checkJwt(jwt: string, keys: Readonly<Record<string, KeyObject>>) {
  const [head, body, sig] = jwt.split('.');
  if (head === undefined || body === undefined || sig === undefined) return undefined;
  const header = JSON.parse(Buffer.from(head, 'base64url').toString()) as {
    alg?: string;
    kid?: string;
  };
  const key = keys[header.kid ?? ''];
  if (header.alg !== 'ES256' || key === undefined) return undefined;
  const ok = verify(
    'sha256',
    Buffer.from(`${head}.${body}`),
    { key, dsaEncoding: 'ieee-p1363' },
    Buffer.from(sig, 'base64url'),
  );
  if (!ok) return undefined;
  const claims = JSON.parse(Buffer.from(body, 'base64url').toString()) as {
    iss: unknown;
    iat: unknown;
  };
  return { ...claims, kid: header.kid };
}
