/**
 * The single registry of Herald's errors. Each has a stable code, a message template
 * that states the problem, the value received and the fix, and whether retrying the
 * same operation can succeed. docs/errors.md mirrors this table; a test fails when
 * the two drift apart.
 */

interface ErrorSpec {
  readonly message: string;
  readonly retriable: boolean;
  /** One line for docs/errors.md: what the user does about it. */
  readonly fix: string;
}

function spec(message: string, retriable: boolean, fix: string): ErrorSpec {
  return { message, retriable, fix };
}

export const errorCodes = {
  HERALD_ERR_CONFIG_INVALID: spec(
    'invalid configuration: %s',
    false,
    'Set each named setting to the expected form and restart; the message lists every problem at once.',
  ),
  HERALD_ERR_CONFIG_UNKNOWN: spec(
    'unknown setting %s: %s',
    false,
    'Remove the setting or fix its spelling; the message suggests the closest known name.',
  ),
  HERALD_ERR_EVENT_UNDECODABLE: spec(
    'event is not valid JSON: %s',
    false,
    'Publish structured-mode CloudEvents as UTF-8 JSON, or binary mode with ce_ headers.',
  ),
  HERALD_ERR_EVENT_INVALID: spec(
    'event is not a valid CloudEvent 1.0: %s',
    false,
    'Add the missing or malformed attribute named in the message (id, source, type, specversion "1.0").',
  ),
  HERALD_ERR_EVENT_SCHEMA_UNKNOWN: spec(
    'event is schema-registry encoded with schema id %s, which the schema registry does not know',
    false,
    'Produce with the registry the router reads (HERALD_SCHEMA_REGISTRY_URL), and register the schema before producing; replay the record from herald.events.rejected.',
  ),
  HERALD_ERR_EVENT_SCHEMA_DECODE: spec(
    'event does not decode with its registered schema (id %s): %s',
    false,
    'Encode the event with the serializer of the schema its id names (Avro, JSON Schema or Protobuf) so that it decodes to a CloudEvent (docs/ARCHITECTURE.md, "Events decoding"), then replay it from herald.events.rejected.',
  ),
  HERALD_ERR_EVENT_SCHEMA_NO_REGISTRY: spec(
    'event is schema-registry encoded (schema id %s) but the router has no schema registry',
    false,
    'Set HERALD_SCHEMA_REGISTRY_URL (and _USERNAME/_PASSWORD if it needs them) on the router, then replay the record from herald.events.rejected.',
  ),
  HERALD_ERR_SCHEMA_REGISTRY_UNAVAILABLE: spec(
    'schema registry unavailable: %s',
    true,
    'Nothing is lost: the router retries the chunk. Check the registry answers at HERALD_SCHEMA_REGISTRY_URL and that the credentials are right.',
  ),
  HERALD_ERR_JOB_INVALID: spec(
    'delivery job is malformed: %s',
    false,
    'A job on a deliveries topic was not written by Herald or by a compatible version; inspect it in herald.dlq.',
  ),
  HERALD_ERR_RULES_INVALID: spec(
    'rules file %s is invalid: %s',
    false,
    'Fix the rule at the position given; nothing from the file was loaded.',
  ),
  HERALD_ERR_RULE_COMPILE: spec(
    'rule %s: %s',
    false,
    'Fix the CEL expression at the line and column shown; the rule set was not changed.',
  ),
  HERALD_ERR_WEBHOOK_SECRET: spec(
    'webhook secret %s',
    false,
    'Use a Standard Webhooks secret: "whsec_" followed by base64 of 24 to 64 random bytes.',
  ),
  HERALD_ERR_DELIVERY_PERMANENT: spec(
    'delivery failed permanently: %s',
    false,
    'The receiver refused the message (e.g. 4xx); fix the address or the receiver, then replay.',
  ),
  HERALD_ERR_DELIVERY_TRANSIENT: spec(
    'delivery failed, may succeed later: %s',
    true,
    'Nothing to do: Herald retries; check the receiver if it keeps failing.',
  ),
  HERALD_ERR_CHANNEL_CONFIG: spec(
    'channel provider %s is misconfigured: %s',
    false,
    'Fix the provider setting named in the message and restart the worker; nothing was sent.',
  ),
  HERALD_ERR_TARGET_REFUSED: spec(
    'delivery target %s refused: %s',
    false,
    'Point the address at a public host, or allow its range explicitly (allowPrivateNetworks or allowCidrs) if it is trusted.',
  ),
  HERALD_ERR_CONTENT_TOO_LARGE: spec(
    'content for %s is too large: %s',
    false,
    "Shorten the template or payload below the provider's limit given in the message, then replay.",
  ),
  HERALD_ERR_STORE_MIGRATION: spec(
    'migration %s failed: %s',
    false,
    'Fix the database state or the migration named; migrations are forward-only and run in order.',
  ),
  HERALD_ERR_EVENT_TOO_LARGE: spec(
    'event too large to route: %s',
    false,
    "Keep events well under HERALD_KAFKA_MAX_RECORD_BYTES (each job carries the event data plus about 1-2 KB): send large content by reference (a URL), or raise the setting together with every topic's max.message.bytes.",
  ),
  HERALD_ERR_JOB_TOO_LARGE: spec(
    'delivery job %s is too large to publish again: %s',
    false,
    'The job plus its attempt history no longer fits HERALD_KAFKA_MAX_RECORD_BYTES: have the producer send smaller events, then republish the event.',
  ),
  HERALD_ERR_KAFKA_RECORD_TOO_LARGE: spec(
    'a record for topic %s is %s bytes, over the %s-byte limit (HERALD_KAFKA_MAX_RECORD_BYTES)',
    false,
    "Make the record smaller, or raise HERALD_KAFKA_MAX_RECORD_BYTES together with the topic's max.message.bytes.",
  ),
  HERALD_ERR_DLQ_TRUNCATED: spec(
    'dead letter %s cannot be replayed: %s',
    false,
    'The dead letter was cut down to fit HERALD_KAFKA_MAX_RECORD_BYTES and holds no full job: republish the original from the topic and offset in its herald-dlq-source-* headers while that topic retains it.',
  ),
  HERALD_ERR_KAFKA_TOPIC: spec(
    'topic %s: %s',
    true,
    'Check the broker is reachable and the client may create or describe topics.',
  ),
  HERALD_ERR_TEMPLATE_INVALID: spec(
    'template %s (channel %s, locale %s) is invalid: %s',
    false,
    'Fix the template part at the line shown (or the sample data it was rendered with) and save it again; the stored version was not changed.',
  ),
  HERALD_ERR_TEMPLATE_NOT_FOUND: spec(
    'no template %s for channel %s in locale %s (tried %s)',
    false,
    'Apply a template with this id for the channel, at least in the "default" locale, or fix the template reference in the rule.',
  ),
  HERALD_ERR_TEMPLATE_RENDER: spec(
    'template %s (channel %s, locale %s) failed to render: %s',
    false,
    'The data or recipient settings do not fit the template (e.g. a date that is not a date, an unknown time zone); fix them or guard the template, then replay.',
  ),
  HERALD_ERR_TEMPLATE_LIMIT: spec(
    'template %s (channel %s, locale %s) renders over the provider limit: %s',
    false,
    'Shorten the template or the data it shows (e.g. with the truncate helper) below the limit named; the message was not sent.',
  ),
  HERALD_ERR_RULES_CONFLICT: spec(
    'rules changed while applying: expected version %s, found %s',
    true,
    'Someone applied rules at the same time; run the command again to see the diff against the new version.',
  ),
  HERALD_ERR_RULES_VERSION_NOT_FOUND: spec(
    'rule set version %s does not exist (latest is %s)',
    false,
    'Pick a version listed by `herald rules history`.',
  ),
  HERALD_ERR_RECIPIENT_INVALID: spec(
    'recipient %s (tenant %s) is invalid: %s',
    false,
    'Fix the field named: phone numbers in E.164 (+4915112345678), e-mail addresses with one @, webhook URLs starting with https://, a known IANA time zone.',
  ),
  HERALD_ERR_ADDRESS_INVALID: spec(
    '%s address is invalid: %s',
    false,
    'Fix the address at its source (the event field the rule reads, or the stored recipient): one address per recipient, e-mail as name@domain, phones in E.164 (+4915112345678), http(s) URLs. Nothing was sent to it; never retried.',
  ),
  HERALD_ERR_RECEIPT_SIGNATURE: spec(
    'delivery receipt from %s refused: %s',
    false,
    "Check the provider's signing secret or token in the api settings (HERALD_API_*), the public URL the provider calls (HERALD_API_PUBLIC_URL), and for SNS the allowed certificate hosts and topics.",
  ),
  HERALD_ERR_RECEIPT_INVALID: spec(
    'delivery receipt from %s is malformed: %s',
    false,
    'Send the fields named in the message; docs/status-events.md lists what each receipt endpoint expects.',
  ),
  HERALD_ERR_RECEIPT_UNMATCHED: spec(
    'delivery receipt from %s matches no notification yet: %s',
    true,
    'The auditor may not have recorded the send yet: the provider retries. If it persists, the message was not sent by Herald or its notification id/provider message id is missing.',
  ),
  // In-app gateway (apps/gateway): subscriber tokens and client input.
  HERALD_ERR_GATEWAY_TOKEN_INVALID: spec(
    'subscriber token refused: %s',
    false,
    "Send a token issued for this tenant by the customer's backend (`herald tokens issue`, signed with the tenant's HERALD_GATEWAY_TENANT_SECRETS entry) as `Authorization: Bearer` or `?token=` (EventSource and browser WebSockets).",
  ),
  HERALD_ERR_GATEWAY_TOKEN_EXPIRED: spec(
    'subscriber token of tenant %s has expired',
    false,
    'Issue a fresh token and reconnect with it; the client resumes from its last sequence.',
  ),
  HERALD_ERR_GATEWAY_REQUEST_INVALID: spec(
    'inbox request refused: %s',
    false,
    'Fix the parameter or frame named in the message (docs/inbox.md lists each route, frame and limit).',
  ),
  HERALD_ERR_GATEWAY_SLOW_CONSUMER: spec(
    'connection closed: %s bytes waiting, over the %s-byte buffer',
    true,
    'The client reads too slowly; reconnect with the last sequence (Last-Event-ID / after) to resume without loss, or raise HERALD_GATEWAY_MAX_BUFFER_BYTES.',
  ),
  HERALD_ERR_GATEWAY_RATE_LIMITED: spec(
    'too many %s on this connection: more than %s',
    true,
    'Send fewer frames; one subscription per connection is enough. The connection is closed with 4429.',
  ),
  // In-app inbox (issue 14, packages/inbox): messages, feed cursors and requests.
  HERALD_ERR_INBOX_MESSAGE_INVALID: spec(
    'in-app message %s cannot be stored: %s',
    false,
    'Fix the inapp template or the event data it renders (a title is required; limits are the inapp* entries of providerLimits, docs/channels.md), then replay the dead letter.',
  ),
  HERALD_ERR_INBOX_CURSOR_INVALID: spec(
    'inbox cursor %s is not a cursor this feed issued',
    false,
    'Pass back a nextCursor exactly as a feed page returned it, or omit the cursor for the first page.',
  ),
  HERALD_ERR_INBOX_CURSOR_AHEAD: spec(
    "inbox %s %s is ahead of the subscriber's latest sequence %s",
    false,
    'The position came from another subscriber or a restored database: start again without a cursor (or with after=0) and keep the latestSeq the answer gives.',
  ),
  HERALD_ERR_INBOX_REQUEST_INVALID: spec(
    'inbox request is invalid: %s',
    false,
    'Fix the parameter named in the message (limit 1-100, filter unread, read, archived or all, at most 1000 ids, mark state read, unread, seen, archived or unarchived).',
  ),
  // Silences and inhibition (herald silences; docs/rules.md).
  HERALD_ERR_SILENCE_INVALID: spec(
    'silence refused: %s',
    false,
    'Give matchers such as type=order.failed or service=~"db-.*" (at least one naming a value), an end in the future (--ends 2h or an ISO time), --created-by and --comment. Nothing was stored.',
  ),
  HERALD_ERR_SILENCE_NOT_FOUND: spec(
    'no silence with id %s',
    false,
    'Pick an id listed by `herald silences list --all`.',
  ),
  // Digest, delay and cancel (issue 16).
  HERALD_ERR_WORKFLOW_NO_STORE: spec(
    'job %s needs %s, which keeps its state in Postgres, but this worker has no database',
    false,
    'Set DATABASE_URL on the worker (and run the migrations): digests and cancellation keys are stored in Postgres.',
  ),
  HERALD_ERR_CANCEL_INVALID: spec(
    'cancel refused: %s',
    false,
    'Give a non-empty cancellation key (and the tenant it belongs to); docs/rules.md, "Delay and cancel".',
  ),
  // Management API, tenants and API keys (issue 15).
  HERALD_ERR_TENANT_INVALID: spec(
    'tenant or API key request refused: %s',
    false,
    'Fix the value named: tenant ids are lower-case letters, digits, "_" or "-"; scopes are admin, publish or read; create the tenant before its keys.',
  ),
  HERALD_ERR_API_UNAUTHORIZED: spec(
    'API key missing, unknown or revoked: %s',
    false,
    'Send "Authorization: Bearer hk_<id>_<secret>" with a key from `herald keys create` that is not revoked.',
  ),
  HERALD_ERR_API_FORBIDDEN: spec(
    'API key %s lacks the scope for this request: %s',
    false,
    'Use a key with the scope named (admin for configuration, publish for events, read for queries), or ask an admin for one.',
  ),
  HERALD_ERR_EVENT_TENANT: spec(
    'event belongs to another tenant: %s',
    false,
    'Leave "tenantid" out (the API sets it to the key\'s tenant) or set it to the key\'s tenant.',
  ),
  HERALD_ERR_RULES_TENANT: spec(
    'rules refused for tenant %s: %s',
    false,
    'Give every rule "tenant: <your tenant>" and an id starting with "<your tenant>.", so that rules of different tenants never collide or match each other\'s events.',
  ),
  HERALD_ERR_IDEMPOTENCY_KEY_REUSED: spec(
    'Idempotency-Key %s was used with a different body',
    false,
    'Use a new Idempotency-Key for a different request; repeat a request only with exactly the same body.',
  ),
  // Test send and template rollback (issue 15: POST /v1/test-send, herald test-send).
  HERALD_ERR_TEST_SEND_CHANNEL: spec(
    'channel %s has no provider to send a test with: %s',
    false,
    'Set the HERALD_* settings named in the message in the environment of the api (or of `herald test-send`), the same ones the worker uses (docs/channels.md), and restart it; nothing was sent.',
  ),
  HERALD_ERR_TEMPLATE_VERSION_NOT_FOUND: spec(
    'template %s has no version %s',
    false,
    "Pick a version listed by GET /v1/templates/{id}/versions or the console's template versions screen.",
  ),
  // console2: topics and rate-limit policies as shared operations (herald topics, herald rate-limits, /v1, console).
  HERALD_ERR_TOPIC_INVALID: spec(
    'topic request refused: %s',
    false,
    'A topic key is 1-100 letters, digits, ".", "_" or "-", starting with a letter or digit; give at least one subscriber (an existing recipient of the tenant) when creating a topic, and create a topic only once (add subscribers to an existing one).',
  ),
  HERALD_ERR_TOPIC_NOT_FOUND: spec(
    'tenant %s has no %s',
    false,
    "List the tenant's topics and their subscribers (`herald topics list --tenant <t>`, GET /v1/topics); a topic exists while it has subscribers.",
  ),
  HERALD_ERR_RATE_LIMIT_INVALID: spec(
    'rate-limit policy refused: %s',
    false,
    'Fix each field named: id 1-63 letters, digits, ".", "_" or "-"; scope recipient, channel, provider or tenant; limit, burst and period whole numbers of at least 1 (period in ms or a duration such as 1m); action defer or drop; channel a Herald channel. Nothing was stored.',
  ),
  HERALD_ERR_RATE_LIMIT_NOT_FOUND: spec(
    '%s has no rate-limit policy %s',
    false,
    'Pick an id listed by `herald rate-limits list --tenant <t>` (`--global`) or GET /v1/rate-limit-policies.',
  ),
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof errorCodes;

function format(template: string, args: readonly unknown[]): string {
  let i = 0;
  return template.replace(/%s/g, () => String(args[i++] ?? ''));
}

/**
 * Every error Herald raises on purpose. `retriable` comes from the registry, so a
 * caller decides on the class, never on a message string.
 *
 * @example
 * throw new HeraldError('HERALD_ERR_EVENT_INVALID', ['"type" is missing']);
 */
export class HeraldError extends Error {
  readonly code: ErrorCode;
  readonly retriable: boolean;

  constructor(code: ErrorCode, args: readonly unknown[] = [], options?: { cause?: unknown }) {
    super(`${code}: ${format(errorCodes[code].message, args)}`, options);
    this.name = 'HeraldError';
    this.code = code;
    this.retriable = errorCodes[code].retriable;
  }
}

/** True when `err` is a HeraldError with this code. */
export function isHeraldError(err: unknown, code?: ErrorCode): err is HeraldError {
  return err instanceof HeraldError && (code === undefined || err.code === code);
}
