export { createDatabase } from './database.js';
export type { DatabaseConfig, HeraldDatabase, StatusEventsTable } from './database.js';
export { migrateToLatest, defaultMigrationsDir } from './migrate.js';
export { ensureMonthlyPartitions, monthKey } from './partitions.js';
export { StatusEventStore, statusEventRow } from './status-event-store.js';
export { RuleStore, canonicalJson } from './rule-store.js';
export type {
  ApplyRulesInput,
  ApplyRulesResult,
  RuleDefinition,
  RuleHistoryEntry,
  RuleSetVersionInfo,
  RulesDiff,
  RuleTables,
  StoredRule,
  StoredRuleSet,
} from './rule-store.js';
export { RecipientStore, addressProblem } from './recipient-store.js';
export type { RecipientTables, StoredRecipient } from './recipient-store.js';
