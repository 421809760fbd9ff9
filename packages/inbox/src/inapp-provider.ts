import {
  isHeraldError,
  type DeliveryJob,
  type DeliveryOutcome,
  type DeliveryProvider,
  type RenderedContent,
} from '@herald/core';
import type { InboxFanout } from './fanout.js';
import type { InboxStore } from './inbox-store.js';
import type { InboxMessageInput } from './types.js';

/** What the inapp provider stores into and publishes on. */
export interface InappProviderDeps {
  readonly store: InboxStore;
  readonly fanout: InboxFanout;
}

/**
 * The worker's `inapp` channel: the rendered message (packages/templates' inapp channel:
 * title, body, actionUrl, avatar, category, tags, collapseKey, data) is appended to the
 * recipient's inbox, then a `message` note is published for live clients. `sent` carries
 * provider `inapp` and the seq as message id.
 *
 * Outcomes: a message the inbox refuses (no title, over the limits) is a permanent
 * `invalid_request` failure with HERALD_ERR_INBOX_MESSAGE_INVALID (dead-lettered); the
 * database or Redis away is a transient failure (retried on the delay lanes). A retry
 * after a failed publish finds the message stored (duplicate, same seq) and publishes
 * again: live clients drop a seq they already have.
 *
 * `deps` is a function so the worker can build the provider before its stores connect.
 */
export function createInappProvider(
  deps: () => InappProviderDeps | undefined,
): DeliveryProvider & { close(): Promise<void> } {
  return {
    name: 'inapp',
    channel: 'inapp',
    async send(job, content, _signal): Promise<DeliveryOutcome> {
      const ready = deps();
      if (ready === undefined) return transient('the inbox store is not connected yet');
      let appended;
      try {
        appended = await ready.store.append(inboxInput(job, content));
      } catch (err) {
        if (isHeraldError(err, 'HERALD_ERR_INBOX_MESSAGE_INVALID')) {
          return {
            status: 'failed',
            permanent: true,
            failureClass: 'invalid_request',
            reason: err.message,
            provider: { name: 'inapp' },
          };
        }
        return transient(`inbox store: ${errorText(err)}`);
      }
      const provider = {
        name: 'inapp',
        messageId: String(appended.seq),
        ...(appended.duplicate ? { message: 'already in the inbox' } : {}),
      };
      try {
        await ready.fanout.publish({
          tenant: appended.message.tenant,
          subscriber: appended.message.subscriber,
          seq: appended.seq,
          kind: 'message',
          message: appended.message,
        });
      } catch (err) {
        return transient(`stored as seq ${appended.seq}, live publish failed: ${errorText(err)}`);
      }
      return { status: 'sent', provider };
    },
    healthCheck: async () => ({ ok: deps() !== undefined }),
    close: async () => undefined,
  };
}

/**
 * The inbox message of a job: its rendered content, or, for a job without a template,
 * its payload (an object with title, body, …). Anything not a string is left for the
 * inbox's check to refuse with a reason.
 */
export function inboxInput(
  job: DeliveryJob,
  content: RenderedContent | undefined,
): InboxMessageInput {
  const c = (content ?? asObject(job.payload)) as Record<string, unknown>;
  const text = (key: string) => (typeof c[key] === 'string' ? (c[key] as string) : undefined);
  const optional = (key: string, value: unknown) => (value === undefined ? {} : { [key]: value });
  return {
    tenant: job.tenant,
    subscriber: job.recipient.address,
    recipientRef: job.recipient.ref,
    notificationId: job.notificationId,
    title: text('title') ?? '',
    body: text('body') ?? '',
    ...optional('actionUrl', text('actionUrl')),
    ...optional('avatar', text('avatar')),
    ...optional('category', text('category')),
    ...optional('collapseKey', text('collapseKey')),
    ...optional('tags', Array.isArray(c.tags) ? c.tags : undefined),
    ...optional('data', c.data),
    event: { id: job.event.id, type: job.event.type, time: job.event.time ?? job.plannedAt },
    rule: job.rule,
    attempt: job.attempt,
  };
}

const asObject = (value: unknown): Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

const transient = (reason: string): DeliveryOutcome => ({
  status: 'failed',
  permanent: false,
  failureClass: 'transient',
  reason,
  provider: { name: 'inapp' },
});
