export { createDatabase } from './database.js';
export type { DatabaseConfig, HeraldDatabase, StatusEventsTable } from './database.js';
export { migrateToLatest, defaultMigrationsDir } from './migrate.js';
export { ensureMonthlyPartitions, monthKey } from './partitions.js';
export { statusEventRow } from './status-event-row.js';
export { RuleStore } from './rule-store.js';
export { canonicalJson } from './config-versions.js';
export type {
  ApplyRulesInput,
  ApplyRulesResult,
  AuditActor,
  RuleDefinition,
  RuleHistoryEntry,
  RuleSetVersionInfo,
  RulesDiff,
  RuleTables,
  StoredRule,
  StoredRuleSet,
} from './rule-types.js';
export { RecipientStore, addressProblem, validateRecipient } from './recipient-store.js';
export type { RecipientTables, StoredRecipient, UpsertOptions } from './recipient-store.js';
export { AddressStateStore } from './address-state-store.js';
export type {
  AddressInvalidation,
  AddressState,
  AddressStateTables,
} from './address-state-store.js';
export { AuditStore, auditTables } from './audit-store.js';
export type { AuditWriteResult } from './audit-store.js';
export {
  attemptRow,
  mergeAttemptRows,
  mergeNotificationRows,
  notificationRow,
  stateRank,
} from './audit-rows.js';
export type {
  AttemptRow,
  AuditTables,
  DeliveryAttemptsTable,
  EventsTable,
  NotificationRow,
  NotificationsTable,
} from './audit-rows.js';
export { AuditQueries } from './audit-queries.js';
export type {
  AttemptRecord,
  AuditFilter,
  EventRecord,
  NotificationHistory,
  NotificationRecord,
  NotificationSearch,
  StatusRecord,
} from './audit-queries.js';
export { dropExpiredPartitions } from './retention.js';
export { TemplateStore } from './templates-store.js';
export type {
  TemplateTables,
  TemplateInput,
  FragmentInput,
  TemplateBundle,
  StoredTemplate,
  TemplateSnapshot,
  TemplateValidator,
  TemplateValidationProblem,
  TemplateChange,
  TemplateApplyResult,
  TemplateSummary,
} from './template-types.js';
export { RateLimitPolicyStore } from './rate-limit-policy-store.js';
export type {
  RateLimitPolicyInput,
  RateLimitTables,
  StoredRateLimitPolicy,
} from './rate-limit-policy-store.js';
export { SilenceStore } from './silence-store.js';
export type {
  SilenceAudit,
  SilenceInput,
  SilenceTables,
  StoredMatcher,
  StoredSilence,
} from './silence-store.js';
// Digests and cancellation (issue 16).
export { DigestStore } from './digest-store.js';
export type { Collected, DigestItem, DigestItemInput, DueDigest } from './digest-store.js';
export { CancelStore } from './cancel-store.js';
export type { CancelDecision } from './cancel-store.js';
export { ApiKeyStore, apiKeyScopes } from './api-key-store.js';
export type { ApiKeyInfo, ApiKeyScope, Tenant, TenantTables } from './api-key-store.js';
export { recordConfigChange } from './config-audit.js';
export type { ConfigChange } from './config-audit.js';
export { TopicStore, topicOfRef } from './topic-store.js';
export type { TopicTables } from './topic-store.js';
export { isPostgresUnavailable } from './postgres-unavailable.js';
