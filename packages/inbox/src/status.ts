import { statusEventFromData, statusMessage, type StatusMessage } from '@herald/core';
import type { InboxMessage } from './types.js';

/** The states a client's actions give an in-app notification after `sent`. */
export type InboxStatusState = 'delivered' | 'seen' | 'read' | 'archived';

/** CloudEvent `source` of statuses the gateway publishes. */
export const inboxStatusSource = 'herald/gateway';

/**
 * The herald.status record for an in-app message entering `state` (a client received,
 * saw, read or archived it), built with core's statusMessage like every publisher's.
 * The id is deterministic (notification, state, attempt): a second `read` of the same
 * message is a duplicate the auditor absorbs. The gateway produces it to
 * `topicNames(prefix).status`.
 *
 * @example
 * const { key, value, headers } = inboxStatusMessage(message, 'read', new Date());
 * await producer.send({ topic: topics.status, messages: [{ key, value, headers }] });
 */
export function inboxStatusMessage(
  message: InboxMessage,
  state: InboxStatusState,
  now: Date,
  options: { readonly source?: string; readonly trace?: Record<string, string | undefined> } = {},
): StatusMessage {
  const event = statusEventFromData(
    {
      notificationId: message.id,
      state,
      tenant: message.tenant,
      eventId: message.event.id,
      eventType: message.event.type,
      eventTime: message.event.time,
      rule: message.rule,
      channel: 'inapp',
      recipientRef: message.recipientRef,
      attempt: message.attempt,
      provider: { name: 'inapp', messageId: String(message.seq) },
      occurredAt: now.toISOString(),
    },
    options.source ?? inboxStatusSource,
  );
  return statusMessage(event, options.trace);
}
