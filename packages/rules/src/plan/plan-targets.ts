import type { ChannelName } from '@herald/core';
import type { CompiledRule } from '../rules/compiled-rule.js';
import type { Rule } from '../rules/rule.js';
import type { RecipientLookup, Target } from './plan-types.js';
import { readRecipients } from './recipient.js';
import { suppression, type Suppression } from './suppression.js';

/** A `recipients` entry naming a topic: `topic:on-call`. */
export const TOPIC_PREFIX = 'topic:';

/**
 * The recipients a fan-out rule's evaluated `recipients` name, looked up: ids through
 * `resolveRecipient`, topics through their members, inline recipients as given. Each
 * entry that names nobody is pushed to `suppressed` with its reason, once per fan-out
 * channel, so nothing a rule addressed disappears without a record.
 */
export function resolveTargets(
  compiled: CompiledRule,
  value: unknown,
  tenant: string,
  lookup: RecipientLookup,
  suppressed: Suppression[],
): Target[] {
  const { rule, fanOutChannels } = compiled;
  const targets: Target[] = [];
  const entries = readRecipients(value);
  const refuse = (ref: string, reason: Suppression['reason'], detail: string) => {
    for (const ch of fanOutChannels)
      suppressed.push(suppression(rule, ch.type, ref, reason, detail));
  };
  if (entries.length === 0) refuse('*', 'no_recipients', 'recipients evaluated to an empty list');
  for (const entry of entries) {
    if (entry.kind === 'invalid') {
      refuse('*', 'invalid_recipient', entry.detail);
    } else if (entry.kind === 'ref' && entry.ref.startsWith(TOPIC_PREFIX)) {
      topicTargets(rule, fanOutChannels, entry.ref, tenant, lookup, suppressed, targets);
    } else if (entry.kind === 'ref') {
      const recipient = lookup.resolveRecipient?.(entry.ref, tenant);
      if (recipient === undefined)
        refuse(entry.ref, 'unknown_recipient', `no recipient "${entry.ref}" in tenant ${tenant}`);
      else targets.push({ ref: entry.ref, recipient, fixed: false });
    } else {
      targets.push({ ref: entry.id ?? '', recipient: entry.recipient, fixed: false });
    }
  }
  return targets;
}

/**
 * `topic:<key>` stands for the topic's subscribers, each planned as if listed by id
 * (same ref, same notification id). A topic the caller does not know, or one without
 * subscribers, is suppressed with the reason instead of silently planning nothing.
 */
function topicTargets(
  rule: Rule,
  channels: readonly { readonly type: ChannelName }[],
  ref: string,
  tenant: string,
  lookup: RecipientLookup,
  suppressed: Suppression[],
  targets: Target[],
): void {
  const topic = ref.slice(TOPIC_PREFIX.length);
  const members = lookup.topicMembers?.(topic, tenant);
  if (members === undefined || members.length === 0) {
    for (const ch of channels)
      suppressed.push(
        suppression(
          rule,
          ch.type,
          ref,
          members === undefined ? 'unknown_recipient' : 'no_recipients',
          members === undefined
            ? `no topic "${topic}" in tenant ${tenant}`
            : `topic "${topic}" has no subscribers`,
        ),
      );
    return;
  }
  for (const member of members) {
    const recipient = lookup.resolveRecipient?.(member, tenant);
    if (recipient === undefined) {
      for (const ch of channels)
        suppressed.push(
          suppression(
            rule,
            ch.type,
            member,
            'unknown_recipient',
            `no recipient "${member}" in tenant ${tenant} (topic ${topic})`,
          ),
        );
    } else targets.push({ ref: member, recipient, fixed: false });
  }
}
