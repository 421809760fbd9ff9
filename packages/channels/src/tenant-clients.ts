import { once, runCleanups } from '@herald/core';
import { forTenant } from './http/http-provider.js';

/** The SDK client of one tenant and the settings it was made from (shared merged with the tenant's own). */
export interface TenantClient<S, C> {
  readonly client: C;
  readonly settings: S;
}

/**
 * The per-tenant SDK clients of one provider (SES clients, Twilio clients, SMTP
 * pools, Firebase apps): what `createHttpProvider` is to the HTTP providers.
 */
export interface TenantClients<S, C> {
  /**
   * The tenant's client, made on first use: a tenant with its own section in
   * `tenants` gets its own client, so credentials never mix; every other tenant
   * shares the one made from the shared settings. Throws what `create` throws
   * (a HeraldError for missing credentials), and then makes no client.
   */
  readonly get: (tenant: string) => TenantClient<S, C>;
  /** Releases every client made, each even if another fails; idempotent. */
  readonly close: () => Promise<void>;
}

/**
 * @example
 * const clients = tenantClients(config, config.tenants, (settings) => new SESv2Client(...), (c) => c.destroy());
 * const { client, settings } = clients.get(job.tenant);
 * await clients.close();
 */
export function tenantClients<S extends object, C>(
  shared: S,
  tenants: Readonly<Record<string, Partial<S>>> | undefined,
  create: (settings: S, tenant: string) => C,
  release: (client: C) => Promise<unknown> | unknown = () => undefined,
): TenantClients<S, C> {
  const made = new Map<string, TenantClient<S, C>>();
  return {
    get(tenant) {
      const key = tenants?.[tenant] === undefined ? '' : tenant;
      let entry = made.get(key);
      if (entry === undefined) {
        const settings = forTenant<S>(shared, tenants, tenant);
        entry = { client: create(settings, tenant), settings };
        made.set(key, entry);
      }
      return entry;
    },
    close: once(async () => {
      const entries = [...made.values()];
      made.clear();
      await runCleanups(
        entries.map(
          ({ client }) =>
            () =>
              release(client),
        ),
      );
    }),
  };
}
