import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { HeraldError, Secret } from '@herald/core';

/** The keys of each tenant, newest first (sign with the first, verify with any). */
export interface TenantSecrets {
  keysFor(tenant: string): readonly Uint8Array[] | undefined;
  readonly tenants: readonly string[];
}

/**
 * Settings of subscriber tokens, shared by the gateway (verifies) and the CLI
 * (`herald tokens issue`). Credentials are wrapped in `Secret` and only checked by
 * {@link readTenantSecrets}, whose messages never quote them.
 */
export function subscriberAuthEnv() {
  return {
    /**
     * Per-tenant HS256 secrets as JSON: {"acme": "…"} or {"acme": ["new", "old"]} during a
     * rotation. Each at least 32 characters.
     */
    HERALD_GATEWAY_TENANT_SECRETS: z
      .string()
      .transform((value) => new Secret(value))
      .optional(),
    /** A file holding the same JSON (a mounted Kubernetes Secret). */
    HERALD_GATEWAY_TENANT_SECRETS_FILE: z.string().optional(),
  };
}

export interface SubscriberAuthSettings {
  readonly HERALD_GATEWAY_TENANT_SECRETS?: Secret | undefined;
  readonly HERALD_GATEWAY_TENANT_SECRETS_FILE?: string | undefined;
}

const secretsShape = z.record(
  z.string().regex(/^[A-Za-z0-9._:@+-]{1,200}$/),
  z.union([z.string(), z.array(z.string()).min(1)]),
);

function invalid(reason: string): HeraldError {
  return new HeraldError('HERALD_ERR_CONFIG_INVALID', [`HERALD_GATEWAY_TENANT_SECRETS: ${reason}`]);
}

/** Builds the lookup from already-parsed JSON text (never quoted in an error). */
export function tenantSecretsFromJson(text: string): TenantSecrets {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalid('not valid JSON; expected {"tenant": "secret"} or {"tenant": ["new", "old"]}');
  }
  const result = secretsShape.safeParse(parsed);
  if (!result.success) {
    throw invalid('expected {"tenant": "secret"} or {"tenant": ["new", "old"]}');
  }
  const keys = new Map<string, Uint8Array[]>();
  for (const [tenant, value] of Object.entries(result.data)) {
    const list = typeof value === 'string' ? [value] : value;
    if (list.some((s) => Buffer.byteLength(s) < 32)) {
      throw invalid(`the secrets of tenant ${tenant} must be at least 32 bytes each`);
    }
    keys.set(
      tenant,
      list.map((s) => new TextEncoder().encode(s)),
    );
  }
  return { keysFor: (tenant) => keys.get(tenant), tenants: [...keys.keys()] };
}

/**
 * Reads the tenant secrets from HERALD_GATEWAY_TENANT_SECRETS or its `_FILE` form
 * (not both); undefined when neither is set.
 */
export function readTenantSecrets(
  env: SubscriberAuthSettings,
  readFile: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): TenantSecrets | undefined {
  const direct = env.HERALD_GATEWAY_TENANT_SECRETS;
  const file = env.HERALD_GATEWAY_TENANT_SECRETS_FILE;
  if (direct !== undefined && file !== undefined) {
    throw invalid(
      'set HERALD_GATEWAY_TENANT_SECRETS or HERALD_GATEWAY_TENANT_SECRETS_FILE, not both',
    );
  }
  if (direct !== undefined) return tenantSecretsFromJson(direct.reveal());
  if (file === undefined) return undefined;
  let text: string;
  try {
    text = readFile(file);
  } catch (err) {
    throw invalid(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  return tenantSecretsFromJson(text);
}
