import { providerLimits } from '@herald/core';
import {
  createHttpProvider,
  forTenant,
  jsonBody,
  requireText,
  unusable,
  type HttpCall,
  type ChannelProvider,
  type HttpProviderOptions,
} from '../http/http-provider.js';
import { assertLimit } from '../limits.js';
import { classifyHttp, permanent, sent, summarize } from '../outcomes.js';

export interface PagerDutyCredentials {
  /** Integration (routing) keys by name; a recipient address naming one uses it, any other address is the key itself. */
  readonly routingKeys?: Readonly<Record<string, string>>;
}

export interface PagerDutyProviderConfig extends HttpProviderOptions, PagerDutyCredentials {
  /** Events API base. Default `https://events.pagerduty.com` (`https://events.eu.pagerduty.com` for EU accounts). */
  readonly apiUrl?: string;
  /** `payload.source` for triggers. Default `herald`. */
  readonly source?: string;
  readonly tenants?: Readonly<Record<string, PagerDutyCredentials>>;
}

export const pagerDutyActions = ['trigger', 'acknowledge', 'resolve'] as const;
const severities = ['critical', 'error', 'warning', 'info'];

/**
 * PagerDuty Events API v2. `dedup_key` is the notification id, so a retried
 * trigger is the same incident and acknowledge / resolve find it. The action comes
 * from `content.action` (default `trigger`), severity from `content.severity`
 * (default `error`).
 *
 * @example
 * const pd = createPagerDutyProvider({ routingKeys: { payments: 'R0UT1NGKEY...' } });
 * await pd.send(job, { summary: 'Payments down', severity: 'critical' }, signal);
 */
export function createPagerDutyProvider(config: PagerDutyProviderConfig): ChannelProvider {
  const apiUrl = (config.apiUrl ?? 'https://events.pagerduty.com').replace(/\/$/, '');
  return createHttpProvider(
    {
      name: 'pagerduty',
      channel: 'pagerduty',
      guard: false,
      maxBodyBytes: providerLimits.pagerdutyPayloadBytes,
      prepare(job, content): HttpCall {
        const { routingKeys } = forTenant<PagerDutyCredentials>(config, config.tenants, job.tenant);
        const routingKey = routingKeys?.[job.recipient.address] ?? job.recipient.address;
        const action = content?.action ?? 'trigger';
        if (!pagerDutyActions.includes(action as never)) {
          throw unusable(
            'pagerduty',
            `action "${String(action)}" is not one of ${pagerDutyActions.join(', ')}`,
          );
        }
        const event: Record<string, unknown> = {
          routing_key: routingKey,
          event_action: action,
          dedup_key: job.notificationId,
        };
        if (action === 'trigger') {
          const summary = requireText('pagerduty', content, 'summary');
          assertLimit(
            'pagerduty',
            'summary',
            summary.length,
            providerLimits.pagerdutySummaryChars,
            'characters',
          );
          const severity = content?.severity ?? 'error';
          if (!severities.includes(severity as string)) {
            throw unusable(
              'pagerduty',
              `severity "${String(severity)}" is not one of ${severities.join(', ')}`,
            );
          }
          event.payload = {
            summary,
            source: config.source ?? 'herald',
            severity,
            ...(content?.customDetails === undefined
              ? {}
              : { custom_details: content.customDetails }),
          };
        }
        return {
          url: new URL(`${apiUrl}/v2/enqueue`),
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(event),
        };
      },
      classify(result, now) {
        const body = jsonBody(result.body);
        const message = typeof body?.message === 'string' ? body.message : undefined;
        if (result.statusCode === 202) {
          return sent(
            summarize(
              202,
              message,
              typeof body?.dedup_key === 'string' ? body.dedup_key : undefined,
            ),
          );
        }
        if (result.statusCode === 400) {
          const errors = Array.isArray(body?.errors) ? (body.errors as unknown[]).join('; ') : '';
          return permanent(
            'pagerduty',
            `invalid event: ${errors || message || 'HTTP 400'}`,
            summarize(400, errors || message),
          );
        }
        return classifyHttp('pagerduty', result, now);
      },
    },
    config,
  );
}
