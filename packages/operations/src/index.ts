export { acceptEvents, eventRecord } from './event-records.js';
export type { EventVerdict } from './event-records.js';
export {
  applyRuleSource,
  applyTenantRules,
  rollbackTenantRules,
  tenantRuleHistory,
  tenantRules,
} from './rules.js';
export type { ApplyRuleSourceInput } from './rules.js';
export { renderTemplate, rollbackTemplate, templateStore } from './templates.js';
export { testSend } from './test-send.js';
export type { BuildChannelRouter, TestSendInput, TestSendResult } from './test-send.js';
export {
  deadLetterFilterNames,
  deadLetterFilterProblems,
  deadLetterSummary,
  isReplayed,
  matchesDeadLetter,
  readDeadLetters,
  replayGroupOf,
} from './dead-letters.js';
export type { DeadLetterContents, DeadLetterFilter, DeadLetterSource } from './dead-letters.js';
export { commitReplay, planReplay } from './dead-letter-replay.js';
export type { ReplayPlan } from './dead-letter-replay.js';
export { collectStatus, readBreakerStates } from './status.js';
export type { GroupLag, ServiceState, StatusReport, StatusSource } from './status.js';
export { createSilence, expireSilence, listSilences, SilenceRequestError } from './silences.js';
export type { SilenceFieldError, SilenceWriter } from './silences.js';
export { cancelByKey } from './cancellations.js';
export type { CancelMark } from './cancellations.js';
export type { ConfigWriter } from './config-writer.js';
export {
  deleteTopic,
  listTopics,
  subscribeToTopic,
  topicSubscribers,
  unsubscribeFromTopic,
} from './topics.js';
export type { TopicSubscribers, TopicSummary } from './topics.js';
export {
  deleteRecipient,
  getRecipient,
  recipientsFromDocument,
  upsertRecipients,
} from './recipients.js';
export type { RecipientInput, RecipientView } from './recipients.js';
export {
  deleteRateLimitPolicy,
  getRateLimitPolicy,
  listRateLimitPolicies,
  RATE_LIMIT_ID,
  rateLimitActions,
  rateLimitPolicyProblems,
  rateLimitScopes,
  RateLimitRequestError,
  setRateLimitPolicy,
} from './rate-limits.js';
export type {
  RateLimitFieldError,
  RateLimitPolicyRequest,
  RateLimitPolicyView,
} from './rate-limits.js';
