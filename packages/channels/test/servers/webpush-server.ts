// A Web Push service (RFC 8030) on 127.0.0.1 that does what a browser and push service
// do together: checks the VAPID JWT (RFC 8292) and decrypts the aes128gcm payload
// (RFC 8291/8188) with the subscription's private key and auth secret.
import {
  createDecipheriv,
  createECDH,
  createPublicKey,
  hkdfSync,
  randomBytes,
  verify,
} from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface PushDelivery {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** The decrypted payload, parsed. */
  readonly payload: unknown;
  readonly jwt: { readonly aud: unknown; readonly sub: unknown; readonly exp: unknown };
  /** The VAPID public key the request carried (`k=`). */
  readonly vapidKey: string;
}

export interface PushReply {
  /** `hang`: never answer. */
  readonly status: number | 'hang';
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
}

export interface PushService {
  readonly url: string;
  readonly deliveries: PushDelivery[];
  /** Refusals (bad JWT, undecryptable body), for assertions. */
  readonly refusals: string[];
  /** A fresh subscription of a browser to this service, and its JSON as an address. */
  subscribe(path?: string): { readonly address: string; readonly endpoint: string };
  /** Every request received, answered or refused (an `answer` override included). */
  received(): number;
  /** Answer every following request with this instead of 201. */
  answer(reply: PushReply | undefined): void;
  close(): Promise<void>;
}

const b64u = (b: Buffer) => b.toString('base64url');

export async function startPushService(): Promise<PushService> {
  const subscriptions = new Map<string, { ecdh: ReturnType<typeof createECDH>; auth: Buffer }>();
  const deliveries: PushDelivery[] = [];
  const refusals: string[] = [];
  let override: PushReply | undefined;
  let counter = 0;
  let received = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received++;
      const refuse = (status: number, why: string) => {
        refusals.push(why);
        res.writeHead(status).end(why);
      };
      if (override?.status === 'hang') return;
      if (override !== undefined) {
        res.writeHead(override.status, override.headers).end(override.body ?? '');
        return;
      }
      const sub = subscriptions.get(req.url ?? '');
      if (sub === undefined) return refuse(410, 'no such subscription');
      const auth = /^vapid t=([^,]+), k=(.+)$/.exec(req.headers.authorization ?? '');
      if (auth === null) return refuse(401, 'no vapid authorization');
      const [, jwt, key] = auth as unknown as [string, string, string];
      const claims = checkJwt(jwt, key, `http://${req.headers.host}`);
      if (typeof claims === 'string') return refuse(403, claims);
      if (req.headers['content-encoding'] !== 'aes128gcm') return refuse(400, 'not aes128gcm');
      let payload: unknown;
      try {
        payload = JSON.parse(decrypt(Buffer.concat(chunks), sub.ecdh, sub.auth));
      } catch (err) {
        return refuse(400, `undecryptable: ${String(err)}`);
      }
      deliveries.push({
        path: req.url ?? '',
        headers: req.headers,
        payload,
        jwt: claims,
        vapidKey: key,
      });
      res.writeHead(201, { location: `/message/m-${++counter}` }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    deliveries,
    refusals,
    received: () => received,
    subscribe(path = `/push/${b64u(randomBytes(8))}`) {
      const ecdh = createECDH('prime256v1');
      ecdh.generateKeys();
      const auth = randomBytes(16);
      subscriptions.set(path, { ecdh, auth });
      const endpoint = `${url}${path}`;
      const address = JSON.stringify({
        endpoint,
        keys: { p256dh: b64u(ecdh.getPublicKey()), auth: b64u(auth) },
      });
      return { address, endpoint };
    },
    answer(reply) {
      override = reply;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The claims of a valid ES256 VAPID JWT for this audience, or why it is not valid. */
function checkJwt(jwt: string, key: string, audience: string) {
  const [head, body, sig] = jwt.split('.');
  if (head === undefined || body === undefined || sig === undefined) return 'malformed jwt';
  const header = JSON.parse(Buffer.from(head, 'base64url').toString()) as { alg?: string };
  if (header.alg !== 'ES256') return `alg ${header.alg}`;
  const point = Buffer.from(key, 'base64url');
  const publicKey = createPublicKey({
    key: { kty: 'EC', crv: 'P-256', x: b64u(point.subarray(1, 33)), y: b64u(point.subarray(33)) },
    format: 'jwk',
  });
  const ok = verify(
    'sha256',
    Buffer.from(`${head}.${body}`),
    { key: publicKey, dsaEncoding: 'ieee-p1363' },
    Buffer.from(sig, 'base64url'),
  );
  if (!ok) return 'bad jwt signature';
  const claims = JSON.parse(Buffer.from(body, 'base64url').toString()) as PushDelivery['jwt'];
  if (claims.aud !== audience) return `aud ${String(claims.aud)} is not ${audience}`;
  if (typeof claims.exp !== 'number') return 'no exp';
  return claims;
}

/** RFC 8291 key derivation and RFC 8188 aes128gcm decryption of a single record. */
function decrypt(body: Buffer, ecdh: ReturnType<typeof createECDH>, authSecret: Buffer): string {
  const salt = body.subarray(0, 16);
  const idLength = body[20]!;
  const serverKey = body.subarray(21, 21 + idLength);
  const record = body.subarray(21 + idLength);
  const shared = ecdh.computeSecret(serverKey);
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), ecdh.getPublicKey(), serverKey]);
  const ikm = Buffer.from(hkdfSync('sha256', shared, authSecret, keyInfo, 32));
  const cek = Buffer.from(hkdfSync('sha256', ikm, salt, 'Content-Encoding: aes128gcm\0', 16));
  const nonce = Buffer.from(hkdfSync('sha256', ikm, salt, 'Content-Encoding: nonce\0', 12));
  const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
  decipher.setAuthTag(record.subarray(record.length - 16));
  const plain = Buffer.concat([
    decipher.update(record.subarray(0, record.length - 16)),
    decipher.final(),
  ]);
  // Padding: the last record ends with 0x02 then zeros.
  let end = plain.length - 1;
  while (end >= 0 && plain[end] === 0) end -= 1;
  if (plain[end] !== 2) throw new Error('no last-record padding delimiter');
  return plain.subarray(0, end).toString('utf8');
}
