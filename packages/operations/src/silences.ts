import type { Kysely } from 'kysely';
import { HeraldError } from '@herald/core';
import { checkSilenceRequest, type SilenceRequest } from '@herald/rules';
import {
  SilenceStore,
  type AuditActor,
  type HeraldDatabase,
  type StoredSilence,
} from '@herald/store';

/** A refused field of a silence request, named as the caller named it. */
export interface SilenceFieldError {
  readonly field: string;
  readonly message: string;
}

/** HERALD_ERR_SILENCE_INVALID with each refused field, for the API's problem body. */
export class SilenceRequestError extends HeraldError {
  readonly fields: readonly SilenceFieldError[];

  constructor(fields: readonly SilenceFieldError[]) {
    super('HERALD_ERR_SILENCE_INVALID', [fields.map((f) => f.message).join('; ')]);
    this.fields = fields;
  }
}

export interface SilenceWriter {
  /** Who writes, for config_audit_log (default: the silence's creator). */
  readonly actor?: string;
  /** Through the API: the key's tenant and id, which also scope the silence. */
  readonly by?: AuditActor;
}

/**
 * Creates a silence: `herald silences create` and `POST /v1/silences`. Refused, with
 * nothing stored, as `checkSilenceRequest` says. With `writer.by` the silence belongs
 * to that tenant: `tenant=<tenant>` is added to its matchers so it can never silence
 * another tenant's events, and a tenant matcher naming anything else is refused.
 */
export async function createSilence(
  db: Kysely<HeraldDatabase>,
  request: SilenceRequest,
  now: Date,
  writer: SilenceWriter = {},
): Promise<StoredSilence> {
  const tenant = writer.by?.tenant;
  const own = `tenant=${tenant}`;
  const foreign =
    tenant === undefined
      ? []
      : request.matchers.filter((m) => /^\s*tenant\s*[=!]/.test(m) && m.replace(/\s/g, '') !== own);
  const matchers =
    tenant === undefined || request.matchers.some((m) => m.replace(/\s/g, '') === own)
      ? request.matchers
      : [...request.matchers, own];
  const checked = checkSilenceRequest({ ...request, matchers }, now);
  const fields: SilenceFieldError[] = checked.ok ? [] : [...checked.fields];
  if (foreign.length > 0)
    fields.push({
      field: 'matchers',
      message: `${foreign.join(', ')}: a silence made with a key applies to the key's tenant (${tenant}) only; drop the tenant matcher`,
    });
  if (!checked.ok || fields.length > 0) throw new SilenceRequestError(fields);
  return new SilenceStore(db).create(checked.silence, {
    actor: writer.actor ?? checked.silence.createdBy,
    ...(writer.by === undefined ? {} : { by: writer.by }),
  });
}

/** Silences not ended yet (all with `all`), only `tenant`'s when given: newest first. */
export async function listSilences(
  db: Kysely<HeraldDatabase>,
  now: Date,
  options: { readonly all?: boolean; readonly tenant?: string } = {},
): Promise<StoredSilence[]> {
  return new SilenceStore(db).list(now, options);
}

/**
 * Ends a silence now: `herald silences expire` and `DELETE /v1/silences/{id}`. With
 * `by`, another tenant's silence is HERALD_ERR_SILENCE_NOT_FOUND, like an unknown id.
 */
export async function expireSilence(
  db: Kysely<HeraldDatabase>,
  id: string,
  actor: string,
  now: Date,
  by?: AuditActor,
): Promise<StoredSilence> {
  return new SilenceStore(db).expire(
    id,
    actor,
    now,
    by === undefined ? {} : { tenant: by.tenant, by },
  );
}
