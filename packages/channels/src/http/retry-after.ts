/**
 * Parses an HTTP `Retry-After` value, delay-seconds or an HTTP-date, into
 * milliseconds from `now`. Returns undefined when absent or unreadable, so the
 * caller falls back to its own backoff instead of trusting garbage.
 *
 * @example
 * parseRetryAfter('120', new Date()); // 120000
 * parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', new Date('2015-10-21T07:27:00Z')); // 60000
 */
export function parseRetryAfter(
  value: string | readonly string[] | undefined | null,
  now: Date,
): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (typeof raw !== 'string') return undefined;
  const text = raw.trim();
  if (text === '') return undefined;
  // Seconds per RFC 9110; some providers (Discord, Slack SDKs) send fractions.
  if (/^\d+(\.\d+)?$/.test(text)) return Math.ceil(Number(text) * 1000);
  // Only accept something that looks like an HTTP-date, not any string Date.parse tolerates.
  if (!/[a-z]/i.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now.getTime());
}

/** Seconds from a JSON body (`retry_after`, `parameters.retry_after`) into ms; undefined when not a finite number. */
export function secondsToMs(value: unknown): number | undefined {
  const n = typeof value === 'string' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) && n >= 0 ? Math.ceil(n * 1000) : undefined;
}
