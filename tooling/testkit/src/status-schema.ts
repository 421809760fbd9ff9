import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { Kafka as CeKafka } from 'cloudevents';

/** docs/schemas/status-event.schema.json, the published contract of herald.status. */
export const statusEventSchemaPath = fileURLToPath(
  new URL('../../../docs/schemas/status-event.schema.json', import.meta.url),
);

// ajv-formats is CommonJS; under NodeNext its default import is the module object.
const addFormats = ((addFormatsModule as { default?: unknown }).default ??
  addFormatsModule) as unknown as (ajv: Ajv2020) => Ajv2020;

let validate: (((value: unknown) => boolean) & { errors?: unknown }) | undefined;

function validator() {
  if (!validate) {
    const ajv = new Ajv2020({ allErrors: true, strict: true });
    addFormats(ajv);
    validate = ajv.compile(JSON.parse(readFileSync(statusEventSchemaPath, 'utf8')) as object);
  }
  return validate;
}

/**
 * Throws, listing every problem, unless `value` (an object, a JSON string or a Kafka
 * record value) is a status event that matches the published JSON Schema and whose
 * `type` names the same state as `data.state`. Tests call it on every status event
 * they produce or consume.
 *
 * @example
 * expectValidStatusEvent(JSON.parse(message.value.toString()));
 */
export function expectValidStatusEvent(value: unknown): void {
  const parsed: unknown =
    typeof value === 'string' || Buffer.isBuffer(value) ? JSON.parse(value.toString()) : value;
  const check = validator();
  if (!check(parsed)) {
    throw new Error(
      `status event does not match docs/schemas/status-event.schema.json: ${JSON.stringify(check.errors)}\n${JSON.stringify(parsed)}`,
    );
  }
  const event = parsed as { type: string; data: { state: string } };
  if (event.type !== `herald.notification.${event.data.state}`) {
    throw new Error(
      `status event type ${event.type} does not match data.state ${event.data.state}`,
    );
  }
}

/** A Kafka record as a test reads it: headers as strings. */
export interface StatusRecord {
  readonly key: string | Buffer | null;
  readonly value: Buffer | string | null;
  readonly headers: Readonly<Record<string, string | undefined>>;
}

/**
 * Throws unless a herald.status record is what every consumer may expect: the value
 * matches the published schema ({@link expectValidStatusEvent}), the key is the
 * notification id, and the CloudEvents SDK's Kafka binding (`cloudevents` on npm)
 * decodes it as a structured-mode event of the same id and type. Returns the event.
 */
export function expectValidStatusRecord(record: StatusRecord): Record<string, unknown> {
  const text = record.value?.toString() ?? '';
  expectValidStatusEvent(text);
  const parsed = JSON.parse(text) as { id: string; type: string; subject: string };
  const key = record.key?.toString() ?? null;
  if (key !== parsed.subject)
    throw new Error(`status record key ${key} is not its notification id ${parsed.subject}`);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(record.headers))
    if (value !== undefined) headers[name] = value;
  let decoded: { id: string; type: string };
  try {
    // A KafkaMessage (key, value, headers); the binding's typings only name the base Message.
    const message = { key: key ?? '', value: text, body: text, headers };
    decoded = CeKafka.toEvent(
      message as unknown as Parameters<typeof CeKafka.toEvent>[0],
    ) as unknown as typeof decoded;
  } catch (err) {
    throw new Error(
      `the CloudEvents Kafka binding refuses status record ${parsed.id} (headers ${JSON.stringify(headers)}): ${(err as Error).message}`,
    );
  }
  if (decoded.id !== parsed.id || decoded.type !== parsed.type)
    throw new Error(`the CloudEvents Kafka binding read ${decoded.id} ${decoded.type}`);
  return parsed;
}
