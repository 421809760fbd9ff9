import type { Kysely } from 'kysely';
import { channelNames, HeraldError } from '@herald/core';
import {
  RateLimitPolicyStore,
  recordConfigChange,
  type HeraldDatabase,
  type StoredRateLimitPolicy,
} from '@herald/store';
import type { ConfigWriter } from './config-writer.js';

/*
 * A tenant's rate-limit policies: `herald rate-limits`, /v1/rate-limit-policies and the
 * console's Rate limits screen. Policy ids are one namespace in Postgres; a tenant's are
 * stored as "<tenant>.<id>" (tenant ids hold no ".") and shown without the prefix, so
 * tenants never collide or learn each other's ids. Every policy a tenant writes is
 * pinned to its tenant, so workers apply it to that tenant's jobs only.
 *
 * The operator's CLI may also write global policies (owner `null`: every tenant's jobs),
 * stored under their bare id; a global id has no "." so it never looks like a tenant's.
 */

/** Whose policies: a tenant id, or `null` for the global ones (every tenant's jobs). */
export type PolicyOwner = string | null;

export const rateLimitScopes = ['recipient', 'channel', 'provider', 'tenant'] as const;
export const rateLimitActions = ['defer', 'drop'] as const;
/** The id a tenant gives a policy (the /v1 path parameter's pattern). */
export const RATE_LIMIT_ID = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,62}$/;

/** A policy as a tenant writes it: "limit per periodMs" per subject of `scope`. */
export interface RateLimitPolicyRequest {
  readonly scope: (typeof rateLimitScopes)[number];
  readonly channel?: string | null;
  readonly provider?: string | null;
  readonly limit: number;
  readonly periodMs: number;
  readonly burst?: number;
  readonly action?: (typeof rateLimitActions)[number];
  readonly bypassCritical?: boolean;
  readonly enabled?: boolean;
  readonly description?: string | null;
}

/** A policy as a tenant sees it: its own id, no tenant. */
export type RateLimitPolicyView = Omit<StoredRateLimitPolicy, 'tenant'>;

export interface RateLimitFieldError {
  readonly field: string;
  readonly message: string;
}

/** HERALD_ERR_RATE_LIMIT_INVALID with each refused field (the API's problem lists them). */
export class RateLimitRequestError extends HeraldError {
  readonly fields: readonly RateLimitFieldError[];

  constructor(fields: readonly RateLimitFieldError[]) {
    super('HERALD_ERR_RATE_LIMIT_INVALID', [
      fields.map((f) => `${f.field} ${f.message}`).join('; '),
    ]);
    this.fields = fields;
  }
}

const stored = (owner: PolicyOwner, id: string) => (owner === null ? id : `${owner}.${id}`);
const ownerName = (owner: PolicyOwner) => (owner === null ? 'the global set' : `tenant ${owner}`);

function view(owner: PolicyOwner, p: StoredRateLimitPolicy): RateLimitPolicyView {
  const { tenant: _tenant, id, ...rest } = p;
  return { ...rest, id: owner === null ? id : id.slice(owner.length + 1) };
}

const positiveInteger = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 1;

/**
 * What is wrong with a policy request, one entry per field (empty when it may be
 * stored). The API's JSON schema refuses most of this earlier; the CLI relies on it.
 */
export function rateLimitPolicyProblems(
  tenant: PolicyOwner,
  id: string,
  r: RateLimitPolicyRequest,
): RateLimitFieldError[] {
  const problems: RateLimitFieldError[] = [];
  const bad = (field: string, message: string) => problems.push({ field, message });
  // The stored id "<tenant>.<id>" must fit the table's check (letters, digits, ._-, ≤ 100).
  if (tenant !== null && !/^[A-Za-z0-9_-]{1,36}$/.test(tenant))
    bad('tenant', 'must be 1-36 letters, digits, "_" or "-" (a tenant id)');
  if (tenant === null && id.includes('.'))
    bad('id', 'of a global policy must not contain "." (ids with "." are tenants\' own)');
  if (!RATE_LIMIT_ID.test(id))
    bad('id', 'must be 1-63 letters, digits, ".", "_" or "-", not starting with "."');
  if (!rateLimitScopes.includes(r.scope))
    bad('scope', `must be one of ${rateLimitScopes.join(', ')}, not ${JSON.stringify(r.scope)}`);
  if (!positiveInteger(r.limit))
    bad('limit', `must be a whole number of at least 1, not ${JSON.stringify(r.limit)}`);
  if (!positiveInteger(r.periodMs))
    bad(
      'periodMs',
      `must be a whole number of milliseconds of at least 1, not ${JSON.stringify(r.periodMs)}`,
    );
  if (r.burst !== undefined && !positiveInteger(r.burst))
    bad('burst', `must be a whole number of at least 1, not ${JSON.stringify(r.burst)}`);
  if (r.action !== undefined && !rateLimitActions.includes(r.action))
    bad('action', `must be defer or drop, not ${JSON.stringify(r.action)}`);
  if (r.channel != null && !(channelNames as readonly string[]).includes(r.channel))
    bad('channel', `must be one of ${channelNames.join(', ')}, not ${JSON.stringify(r.channel)}`);
  if (r.provider != null && r.provider.trim() === '') bad('provider', 'must not be empty');
  if (r.description != null && r.description.length > 500)
    bad('description', 'must be at most 500 characters');
  return problems;
}

async function mine(db: Kysely<HeraldDatabase>, owner: PolicyOwner) {
  return (await new RateLimitPolicyStore(db).list()).filter((p) =>
    owner === null
      ? p.tenant === null && !p.id.includes('.')
      : p.tenant === owner && p.id.startsWith(`${owner}.`),
  );
}

/** The tenant's policies (or the global ones), by id. */
export async function listRateLimitPolicies(
  db: Kysely<HeraldDatabase>,
  tenant: PolicyOwner,
): Promise<RateLimitPolicyView[]> {
  return (await mine(db, tenant)).map((p) => view(tenant, p));
}

/** One policy; an unknown id (or another tenant's) is HERALD_ERR_RATE_LIMIT_NOT_FOUND. */
export async function getRateLimitPolicy(
  db: Kysely<HeraldDatabase>,
  tenant: PolicyOwner,
  id: string,
): Promise<RateLimitPolicyView> {
  const found = (await mine(db, tenant)).find((p) => p.id === stored(tenant, id));
  if (!found)
    throw new HeraldError('HERALD_ERR_RATE_LIMIT_NOT_FOUND', [ownerName(tenant), `"${id}"`]);
  return view(tenant, found);
}

/** Creates or replaces a policy; a refused one (RateLimitRequestError) stores nothing. */
export async function setRateLimitPolicy(
  db: Kysely<HeraldDatabase>,
  tenant: PolicyOwner,
  id: string,
  request: RateLimitPolicyRequest,
  writer: ConfigWriter,
): Promise<RateLimitPolicyView> {
  const problems = rateLimitPolicyProblems(tenant, id, request);
  if (problems.length > 0) throw new RateLimitRequestError(problems);
  const policy: StoredRateLimitPolicy = {
    id: stored(tenant, id),
    tenant,
    scope: request.scope,
    channel: request.channel ?? null,
    provider: request.provider ?? null,
    limit: request.limit,
    periodMs: request.periodMs,
    burst: request.burst ?? 1,
    action: request.action ?? 'defer',
    bypassCritical: request.bypassCritical ?? true,
    enabled: request.enabled ?? true,
    description: request.description ?? null,
  };
  await new RateLimitPolicyStore(db).upsert(policy);
  await recordConfigChange(db, {
    ...writer,
    action: 'rate_limit_policies.upsert',
    entityType: 'rate_limit_policy',
    entityId: policy.id,
    details: request,
  });
  return view(tenant, policy);
}

/** Deletes a policy; an unknown id (or another tenant's) is HERALD_ERR_RATE_LIMIT_NOT_FOUND. */
export async function deleteRateLimitPolicy(
  db: Kysely<HeraldDatabase>,
  tenant: PolicyOwner,
  id: string,
  writer: ConfigWriter,
): Promise<void> {
  const key = stored(tenant, id);
  const store = new RateLimitPolicyStore(db);
  if (!(await mine(db, tenant)).some((p) => p.id === key) || !(await store.remove(key)))
    throw new HeraldError('HERALD_ERR_RATE_LIMIT_NOT_FOUND', [ownerName(tenant), `"${id}"`]);
  await recordConfigChange(db, {
    ...writer,
    action: 'rate_limit_policies.delete',
    entityType: 'rate_limit_policy',
    entityId: key,
  });
}
