import { createVerify, X509Certificate } from 'node:crypto';
import { HeraldError } from '@herald/core';

/** An SNS HTTP(S) message (Notification, SubscriptionConfirmation, UnsubscribeConfirmation). */
export interface SnsMessage {
  readonly Type: 'Notification' | 'SubscriptionConfirmation' | 'UnsubscribeConfirmation';
  readonly MessageId: string;
  readonly TopicArn: string;
  readonly Message: string;
  readonly Timestamp: string;
  readonly SignatureVersion: '1' | '2';
  readonly Signature: string;
  readonly SigningCertURL: string;
  readonly Subject?: string;
  readonly SubscribeURL?: string;
  readonly Token?: string;
}

export interface SnsVerifierConfig {
  /** Allowed certificate hosts; `*` matches one DNS label. */
  readonly certHosts: readonly string[];
  /** Accepted topic ARNs; empty accepts any. */
  readonly topicArns: readonly string[];
  readonly fetchTimeoutMs?: number;
}

const refuse = (why: string) => new HeraldError('HERALD_ERR_RECEIPT_SIGNATURE', ['sns', why]);
const loopback = new Set(['127.0.0.1', 'localhost', '[::1]']);

// The fields SNS signs, in order, per message type:
// https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html
const signedFields: Record<SnsMessage['Type'], readonly (keyof SnsMessage)[]> = {
  Notification: ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'],
  SubscriptionConfirmation: [
    'Message',
    'MessageId',
    'SubscribeURL',
    'Timestamp',
    'Token',
    'TopicArn',
    'Type',
  ],
  UnsubscribeConfirmation: [
    'Message',
    'MessageId',
    'SubscribeURL',
    'Timestamp',
    'Token',
    'TopicArn',
    'Type',
  ],
};

/** The canonical string SNS signs: `name\nvalue\n` for each present signed field. */
export function snsStringToSign(message: SnsMessage): string {
  let out = '';
  for (const field of signedFields[message.Type]) {
    const value = message[field];
    if (value !== undefined) out += `${field}\n${value}\n`;
  }
  return out;
}

function hostPattern(pattern: string): RegExp {
  const escaped = pattern
    .split('.')
    .map((label) => (label === '*' ? '[a-z0-9-]+' : label.replace(/[^a-z0-9-]/gi, (c) => `\\${c}`)))
    .join('\\.');
  return new RegExp(`^${escaped}$`, 'i');
}

/**
 * Verifies SNS message signatures (versions 1 and 2) against the certificate at
 * `SigningCertURL`, after checking that URL: https, an allowed host (by default only
 * AWS's `sns.<region>.amazonaws.com`), a `.pem` path. Certificates are cached per URL.
 */
export class SnsVerifier {
  readonly #hosts: readonly RegExp[];
  readonly #config: SnsVerifierConfig;
  readonly #certs = new Map<string, Promise<X509Certificate>>();

  constructor(config: SnsVerifierConfig) {
    this.#config = config;
    this.#hosts = config.certHosts.map(hostPattern);
  }

  /** Checks a URL SNS gave us (certificate, SubscribeURL) against the allowed hosts. */
  checkUrl(raw: string, what: string): URL {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw refuse(`${what} is not a URL: ${raw}`);
    }
    if (
      !this.#hosts.some((h) => h.test(url.hostname)) &&
      !this.#hosts.some((h) => h.test(url.host))
    ) {
      throw refuse(`${what} host ${url.host} is not allowed (HERALD_API_SNS_CERT_HOSTS)`);
    }
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback.has(url.hostname))) {
      throw refuse(`${what} must use https, got ${url.protocol}`);
    }
    return url;
  }

  async verify(message: SnsMessage): Promise<void> {
    if (!(message.Type in signedFields))
      throw refuse(`unknown message type ${String(message.Type)}`);
    if (this.#config.topicArns.length > 0 && !this.#config.topicArns.includes(message.TopicArn)) {
      throw refuse(`topic ${message.TopicArn} is not allowed (HERALD_API_SNS_TOPIC_ARNS)`);
    }
    const url = this.checkUrl(message.SigningCertURL, 'SigningCertURL');
    if (!url.pathname.endsWith('.pem'))
      throw refuse(`SigningCertURL is not a .pem file: ${url.pathname}`);
    const algorithm = { '1': 'RSA-SHA1', '2': 'RSA-SHA256' }[message.SignatureVersion];
    if (!algorithm)
      throw refuse(`unsupported SignatureVersion ${String(message.SignatureVersion)}`);
    const cert = await this.#cert(url.toString());
    const ok = createVerify(algorithm)
      .update(snsStringToSign(message), 'utf8')
      .verify(cert.publicKey, message.Signature, 'base64');
    if (!ok) throw refuse('signature does not match the message');
  }

  #cert(url: string): Promise<X509Certificate> {
    let pending = this.#certs.get(url);
    if (!pending) {
      pending = (async () => {
        const response = await fetch(url, {
          signal: AbortSignal.timeout(this.#config.fetchTimeoutMs ?? 5000),
          redirect: 'error',
        });
        if (!response.ok) throw refuse(`certificate ${url} answered ${response.status}`);
        const cert = new X509Certificate(await response.text());
        if (new Date(cert.validTo) < new Date()) throw refuse(`certificate ${url} expired`);
        return cert;
      })();
      // A failed fetch is not cached: the next message tries again.
      pending.catch(() => this.#certs.delete(url));
      if (this.#certs.size > 100) this.#certs.clear();
      this.#certs.set(url, pending);
    }
    return pending;
  }
}
