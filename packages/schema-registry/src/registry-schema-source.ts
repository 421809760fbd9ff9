import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { HeraldError } from '@herald/core';
import { readMessageIndexes } from './wire-format.js';

/** A schema from the registry, ready to decode payloads written with it. */
export interface RegisteredSchema {
  readonly id: number;
  /** `unusable`: the registry has the id but its schema does not compile here. */
  readonly type: 'AVRO' | 'JSON' | 'PROTOBUF' | 'unusable';
  /** Decodes a payload (the bytes after the 5-byte header); throws when it does not fit the schema. */
  decode(payload: Buffer): unknown;
}

/**
 * Where schemas come from (the port the event decoder needs). `schema(id)` resolves
 * to undefined when the registry answers that it has no such id, and rejects with
 * `HERALD_ERR_SCHEMA_REGISTRY_UNAVAILABLE` when it cannot answer.
 */
export interface SchemaSource {
  schema(id: number): Promise<RegisteredSchema | undefined>;
}

/** How to reach a Confluent-compatible schema registry. */
export interface SchemaRegistrySettings {
  /** Base URL of the Confluent API, e.g. http://registry:8081 (Apicurio: …/apis/ccompat/v7). */
  readonly url: string;
  readonly username?: string | undefined;
  readonly password?: string | undefined;
  /** Per-request timeout; a registry slower than this counts as down. Default 5000. */
  readonly timeoutMs?: number | undefined;
}

/** The subset of a protobufjs reflection object this module walks. */
interface ProtoReflection {
  readonly parent: ProtoReflection | null;
  readonly nestedArray?: readonly ProtoReflection[];
  readonly fields?: unknown;
  decode?(bytes: Uint8Array): unknown;
  toObject?(message: unknown, options: object): Record<string, unknown>;
}

/**
 * Schemas from a Confluent-compatible registry through @kafkajs/confluent-schema-registry,
 * which caches every schema it fetched (ids are immutable) and sends one request per
 * id however many records wait for it.
 *
 * @example
 * const source = new RegistrySchemaSource({ url: 'http://127.0.0.1:18081/apis/ccompat/v7' });
 * const schema = await source.schema(7); // undefined when the registry has no id 7
 */
export class RegistrySchemaSource implements SchemaSource {
  readonly #registry: SchemaRegistry;
  readonly #settings: SchemaRegistrySettings;

  constructor(settings: SchemaRegistrySettings) {
    this.#settings = settings;
    const timeout = settings.timeoutMs ?? 5_000;
    this.#registry = new SchemaRegistry(
      {
        host: settings.url.replace(/\/+$/, ''),
        clientId: 'herald',
        ...(settings.username === undefined
          ? {}
          : { auth: { username: settings.username, password: settings.password ?? '' } }),
        // One quick retry on a 5xx; past that the router's stage retries the chunk with backoff.
        retry: { retries: 1, maxRetryTimeInSecs: 1 },
        middlewares: [
          () => ({
            prepareRequest: (next: () => Promise<{ enhance(extra: object): unknown }>) =>
              next().then((request) => request.enhance({ timeout })),
          }),
        ] as never,
      },
      {
        // Producers' JSON Schemas use formats (date-time, uri) ajv does not know without
        // plugins; validation of the CloudEvent itself happens after decoding.
        [SchemaType.JSON]: { strict: false, validateFormats: false, logger: false },
      } as never,
    );
  }

  async schema(id: number): Promise<RegisteredSchema | undefined> {
    let instance: unknown;
    try {
      instance = await this.#registry.getSchema(id);
    } catch (err) {
      if (isResponseError(err)) {
        // A 404 is "no such id" only from a registry that otherwise answers: a wrong base
        // URL or a proxy's 404 must not turn every event into a rejection. (The library's
        // error drops the body, so its Confluent error_code 40403 cannot be read.)
        if (
          err.status === 404 &&
          (await this.ping().then(
            () => true,
            () => false,
          ))
        )
          return undefined;
        throw unavailable(err);
      }
      // The registry answered, but the schema text does not compile (or is of a type this
      // library does not know): no payload written with it can be decoded here.
      return {
        id,
        type: 'unusable',
        decode: () => {
          throw new Error(`the registered schema cannot be used: ${(err as Error).message}`);
        },
      };
    }
    const type = this.#registry.cache.getSchema(id)?.type ?? SchemaType.AVRO;
    if (type === SchemaType.PROTOBUF) {
      const message = (instance as { message: ProtoReflection }).message;
      return { id, type: 'PROTOBUF', decode: (payload) => decodeProtobuf(message, payload) };
    }
    const decoder = instance as { fromBuffer(payload: Buffer): unknown };
    return {
      id,
      type: type === SchemaType.JSON ? 'JSON' : 'AVRO',
      decode: (payload) => decoder.fromBuffer(payload),
    };
  }

  /** Resolves when the registry answers (for /readyz); rejects with the reason otherwise. */
  async ping(): Promise<void> {
    const { url, username, password } = this.#settings;
    const headers: Record<string, string> =
      username === undefined
        ? {}
        : {
            authorization: `Basic ${Buffer.from(`${username}:${password ?? ''}`).toString('base64')}`,
          };
    const response = await fetch(`${url.replace(/\/+$/, '')}/config`, {
      headers,
      signal: AbortSignal.timeout(this.#settings.timeoutMs ?? 5_000),
    });
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`GET /config answered ${response.status}`);
  }
}

function isResponseError(err: unknown): err is Error & { status?: number } {
  return err instanceof Error && err.name === 'ResponseError';
}

function unavailable(err: Error & { status?: number }): HeraldError {
  const status = err.status;
  // mappersmith reports a connection failure or a timeout as a client-side "400".
  const what =
    status === 401 || status === 403
      ? `answered ${status}: check HERALD_SCHEMA_REGISTRY_USERNAME and _PASSWORD`
      : status === 404
        ? 'answered 404 without a schema-not-found body: check HERALD_SCHEMA_REGISTRY_URL is the Confluent API base (Apicurio: …/apis/ccompat/v7)'
        : err.message;
  return new HeraldError('HERALD_ERR_SCHEMA_REGISTRY_UNAVAILABLE', [what], { cause: err });
}

/**
 * Decodes a Protobuf payload: the message indexes pick the message type in the .proto
 * (the library itself only knows the first one), then proto3 JSON conventions: 64-bit
 * integers and enums as strings, bytes as base64, fields at their default omitted.
 */
function decodeProtobuf(first: ProtoReflection, payload: Buffer): Record<string, unknown> {
  const { indexes, message } = readMessageIndexes(payload);
  let scope: ProtoReflection | null = first.parent;
  let type: ProtoReflection | undefined;
  for (const index of indexes) {
    type = (scope?.nestedArray ?? []).filter((n) => n.fields !== undefined)[index];
    if (type === undefined)
      throw new Error(`message index path [${indexes.join(', ')}] names no message of the schema`);
    scope = type;
  }
  const decoded = type!.decode!(message);
  return type!.toObject!(decoded, { longs: String, enums: String, bytes: String, arrays: true });
}
