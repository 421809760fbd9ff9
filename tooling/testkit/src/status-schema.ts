import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

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
