import { common, defined, type BuildContext } from '../config/build-context.js';
import type { ChannelProvider } from '../http/http-provider.js';
import { createPagerDutyProvider } from './pagerduty-provider.js';

/** The PagerDuty provider from HERALD_PAGERDUTY_* and the tenants' `pagerduty` sections. */
export function buildPagerDuty(context: BuildContext): ChannelProvider {
  const { reader, env } = context;
  const keys = reader.json('HERALD_PAGERDUTY_ROUTING_KEYS', '{"payments": "<integration key>"}');
  if (
    keys !== undefined &&
    (typeof keys !== 'object' ||
      keys === null ||
      Array.isArray(keys) ||
      !Object.values(keys).every((k) => typeof k === 'string'))
  ) {
    context.problem('HERALD_PAGERDUTY_ROUTING_KEYS: expected {"name": "<integration key>"}');
  }
  return createPagerDutyProvider({
    ...defined({
      routingKeys: keys as Record<string, string> | undefined,
      apiUrl: env.HERALD_PAGERDUTY_API_URL,
      source: env.HERALD_PAGERDUTY_SOURCE,
    }),
    ...common(context),
    tenants: reader.tenantsOf('pagerduty'),
  });
}
