import type { Kysely } from 'kysely';
import { channelNames, HeraldError } from '@herald/core';
import {
  RecipientStore,
  recordConfigChange,
  validateRecipient,
  type HeraldDatabase,
  type StoredRecipient,
} from '@herald/store';
import type { ConfigWriter } from './config-writer.js';

/*
 * A tenant's recipients with their addresses and preferences: `herald recipients`,
 * /v1/recipients and the console's Recipients screen all go through these functions.
 */

/** A recipient as a caller writes it: no tenant (the caller's), addresses optional. */
export interface RecipientInput {
  readonly id: string;
  readonly addresses?: StoredRecipient['addresses'];
  readonly locale?: string;
  readonly timezone?: string;
  readonly attributes?: Readonly<Record<string, unknown>>;
  readonly preferences?: Readonly<Record<string, unknown>>;
}

/** A recipient as its tenant sees it (no tenant; the addresses a provider refused, if any). */
export type RecipientView = Omit<StoredRecipient, 'tenant'>;

const invalid = (tenant: string, where: string, problem: string) =>
  new HeraldError('HERALD_ERR_RECIPIENT_INVALID', [where, tenant, problem]);
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const FIELDS = new Set(['id', 'addresses', 'locale', 'timezone', 'attributes', 'preferences']);

/**
 * The recipients of a parsed YAML or JSON document (`herald recipients upsert --file`):
 * a list, or `{ recipients: [...] }`. A wrong shape throws HERALD_ERR_RECIPIENT_INVALID
 * naming the entry (`recipients[2].addresses.sms`); the values themselves are checked
 * by {@link upsertRecipients}, as for the API.
 */
export function recipientsFromDocument(document: unknown, tenant: string): RecipientInput[] {
  const list = isObject(document) ? document.recipients : document;
  if (!Array.isArray(list) || list.length === 0)
    throw invalid(tenant, 'recipients', 'expected a non-empty list, or { recipients: [...] }');
  return list.map((entry: unknown, i) => {
    const at = `recipients[${i}]`;
    if (!isObject(entry)) throw invalid(tenant, at, 'expected an object with an "id"');
    const unknown = Object.keys(entry).filter((k) => !FIELDS.has(k));
    if (unknown.length > 0)
      throw invalid(
        tenant,
        at,
        `unknown field(s) ${unknown.join(', ')} (known: ${[...FIELDS].join(', ')})`,
      );
    if (typeof entry.id !== 'string' || entry.id === '' || entry.id.length > 200)
      throw invalid(tenant, `${at}.id`, 'expected a string of 1-200 characters');
    for (const field of ['locale', 'timezone'] as const)
      if (entry[field] !== undefined && typeof entry[field] !== 'string')
        throw invalid(tenant, `${at}.${field}`, 'expected a string');
    for (const field of ['addresses', 'attributes', 'preferences'] as const)
      if (entry[field] !== undefined && !isObject(entry[field]))
        throw invalid(tenant, `${at}.${field}`, 'expected an object');
    for (const [channel, address] of Object.entries(
      (entry.addresses ?? {}) as Record<string, unknown>,
    )) {
      if (!(channelNames as readonly string[]).includes(channel))
        throw invalid(
          tenant,
          `${at}.addresses.${channel}`,
          `not a channel (${channelNames.join(', ')})`,
        );
      if (typeof address !== 'string')
        throw invalid(tenant, `${at}.addresses.${channel}`, 'expected a string');
    }
    return entry as unknown as RecipientInput;
  });
}

/**
 * Creates or replaces recipients, each with exactly the addresses given. All are checked
 * first (HERALD_ERR_RECIPIENT_INVALID names the recipient and the field): a bad one
 * anywhere stores none of them. One config_audit_log entry for the batch.
 */
export async function upsertRecipients(
  db: Kysely<HeraldDatabase>,
  tenant: string,
  recipients: readonly RecipientInput[],
  writer: ConfigWriter,
): Promise<number> {
  const rows: StoredRecipient[] = recipients.map((r) => ({
    ...r,
    tenant,
    addresses: r.addresses ?? {},
  }));
  rows.forEach(validateRecipient);
  const store = new RecipientStore(db);
  for (const row of rows) await store.upsert(row);
  await recordConfigChange(db, {
    ...writer,
    action: 'recipients.upsert',
    entityType: 'recipient',
    entityId: rows.length === 1 ? rows[0]!.id : `${rows.length} recipients`,
    details: { ids: rows.map((r) => r.id) },
  });
  return rows.length;
}

/** One recipient of the tenant, or undefined (another tenant's is not found either). */
export async function getRecipient(
  db: Kysely<HeraldDatabase>,
  tenant: string,
  id: string,
): Promise<RecipientView | undefined> {
  const found = (await new RecipientStore(db).getMany(tenant, [id])).get(id);
  if (found === undefined) return undefined;
  const { tenant: _tenant, ...rest } = found;
  return rest;
}

/** Deletes a recipient (its addresses and topic subscriptions go with it); false when none. */
export async function deleteRecipient(
  db: Kysely<HeraldDatabase>,
  tenant: string,
  id: string,
  writer: ConfigWriter,
): Promise<boolean> {
  if (!(await new RecipientStore(db).delete(tenant, id))) return false;
  await recordConfigChange(db, {
    ...writer,
    action: 'recipients.delete',
    entityType: 'recipient',
    entityId: id,
  });
  return true;
}
