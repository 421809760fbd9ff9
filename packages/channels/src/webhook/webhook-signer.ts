import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import { HeraldError } from '@herald/core';

const SECRET_PATTERN = /^whsec_[A-Za-z0-9+/]+={0,2}$/;

/**
 * Signs messages per Standard Webhooks with one or more secrets. During a rotation
 * both the new and the old secret sign, and `webhook-signature` lists both, so a
 * receiver holding either one accepts the message.
 *
 * @example
 * const signer = new WebhookSigner(['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw']);
 * signer.sign('msg_1', new Date(), '{"a":1}'); // 'v1,...'
 */
export class WebhookSigner {
  // Signing uses node:crypto's native HMAC: the standardwebhooks package hashes in pure
  // JavaScript, a measurable share of a worker's CPU per delivery. The tests verify these
  // signatures with standardwebhooks, so the two cannot drift apart. The keys are
  // KeyObjects, made once: an HMAC over a raw Buffer key copies and prepares the key on
  // every message (docs/benchmarks.md, round 4 "HTTP send path").
  readonly #keys: readonly KeyObject[];

  constructor(secrets: readonly string[], ref = 'default') {
    if (secrets.length === 0) {
      throw new HeraldError('HERALD_ERR_WEBHOOK_SECRET', [
        `"${ref}" has no secret; give at least one`,
      ]);
    }
    this.#keys = secrets.map((secret, i) => {
      // Checked here because Webhook decodes any string leniently and would sign with a garbage key.
      const bytes = SECRET_PATTERN.test(secret)
        ? Buffer.from(secret.slice('whsec_'.length), 'base64').length
        : 0;
      if (bytes < 24 || bytes > 64) {
        // Never echo the secret: name its position and what is wrong with it.
        throw new HeraldError('HERALD_ERR_WEBHOOK_SECRET', [
          `"${ref}" #${i + 1} is not "whsec_" + base64 of 24 to 64 bytes (${bytes === 0 ? 'malformed' : `${bytes} bytes`})`,
        ]);
      }
      return createSecretKey(Buffer.from(secret.slice('whsec_'.length), 'base64'));
    });
  }

  /** The `webhook-signature` header value: `v1,<sig>` per secret, space-separated. */
  sign(id: string, timestamp: Date, body: string): string {
    // Standard Webhooks: HMAC-SHA256 over `<id>.<unix seconds>.<body>`, base64, `v1,` prefix.
    const signed = `${id}.${Math.floor(timestamp.getTime() / 1000)}.${body}`;
    return this.#keys
      .map((key) => `v1,${createHmac('sha256', key).update(signed).digest('base64')}`)
      .join(' ');
  }
}
