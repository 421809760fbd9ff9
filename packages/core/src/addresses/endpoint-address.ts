/**
 * Addresses that are endpoints rather than people: URLs (webhook, Discord, Teams, Slack
 * incoming webhooks) and opaque ids (push tokens, chat ids, PagerDuty routing keys).
 */

/** An http(s) URL, normalised by the WHATWG parser (lower-case host, resolved dots). */
export function checkUrl(value: string): { address: string } | { problem: string } {
  if (/\s/.test(value)) return { problem: 'contains white space' };
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { problem: 'is not a URL' };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    return { problem: `is a ${url.protocol} URL; only http and https are delivered` };
  return { address: url.href };
}

/**
 * A Google Chat incoming-webhook URL: an http(s) URL whose `key` and `token` query
 * parameters carry its credentials. Without them Google answers 400 or 403 on every
 * send, so the address is refused when stored rather than on each delivery.
 */
export function checkGoogleChatWebhook(value: string): { address: string } | { problem: string } {
  const checked = checkUrl(value);
  if ('problem' in checked) return checked;
  const params = new URL(checked.address).searchParams;
  const missing = ['key', 'token'].filter((name) => (params.get(name) ?? '') === '');
  return missing.length === 0
    ? checked
    : { problem: `is a URL without the webhook's ${missing.join(' and ')} query parameter` };
}

/**
 * FCM registration token (and APNs hex token): URL-safe base64 letters, `:` and `.`;
 * or a Web Push subscription (the browser's `PushSubscription.toJSON()`), a JSON object
 * starting with `{`.
 */
export function checkPushToken(value: string): { address: string } | { problem: string } {
  if (value.startsWith('{')) return checkWebPushSubscription(value);
  return /^[A-Za-z0-9_:.-]+$/.test(value)
    ? { address: value }
    : { problem: 'is not a device token (letters, digits, "_", "-", ":" and "." only)' };
}

/** A Slack incoming-webhook URL, or a channel/user id or name for chat.postMessage. */
export function checkSlack(value: string): { address: string } | { problem: string } {
  if (/^https?:\/\//i.test(value)) return checkUrl(value);
  return /^[#@]?[\p{L}\p{N}._-]{1,80}$/u.test(value)
    ? { address: value }
    : {
        problem: 'is neither an http(s) webhook URL nor a channel id or name (e.g. C0123456, #ops)',
      };
}

/** A Telegram chat id (an integer, negative for groups) or a public `@channelusername`. */
export function checkTelegramChat(value: string): { address: string } | { problem: string } {
  return /^-?[1-9]\d{0,19}$/.test(value) || /^@[A-Za-z][A-Za-z0-9_]{3,31}$/.test(value)
    ? { address: value }
    : { problem: 'is neither a numeric chat id nor an @channelusername' };
}

/** A PagerDuty integration (routing) key, or the name of one in the provider's settings. */
export function checkRoutingKey(value: string): { address: string } | { problem: string } {
  return /^[A-Za-z0-9._:-]{1,128}$/.test(value)
    ? { address: value }
    : { problem: 'is not a routing key or routing key name (letters, digits, ".", "_", ":", "-")' };
}

/** An in-app inbox id: opaque, but one line of printable text. */
export function checkOpaqueId(value: string): { address: string } | { problem: string } {
  return value.length <= 256 ? { address: value } : { problem: 'is over 256 characters' };
}

const BASE64URL = /^[A-Za-z0-9_-]+={0,2}$/;

/**
 * A Web Push subscription: `{"endpoint": "https://…", "keys": {"p256dh": …, "auth": …}}`
 * with base64url keys, normalised to exactly those three fields (browsers add
 * `expirationTime`, which the push service does not need).
 */
export function checkWebPushSubscription(value: string): { address: string } | { problem: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return { problem: 'starts with "{" but is not a JSON Web Push subscription' };
  }
  const sub = parsed as { endpoint?: unknown; keys?: { p256dh?: unknown; auth?: unknown } };
  const { p256dh, auth } = sub.keys ?? {};
  if (typeof sub.endpoint !== 'string' || typeof p256dh !== 'string' || typeof auth !== 'string')
    return { problem: 'is not a Web Push subscription (endpoint, keys.p256dh and keys.auth)' };
  const endpoint = checkUrl(sub.endpoint);
  if ('problem' in endpoint) return { problem: `has an endpoint that ${endpoint.problem}` };
  if (!BASE64URL.test(p256dh) || !BASE64URL.test(auth))
    return { problem: 'has Web Push keys that are not base64url' };
  return { address: JSON.stringify({ endpoint: endpoint.address, keys: { p256dh, auth } }) };
}
