export { createDatabase } from './database.js';
export type { DatabaseConfig, HeraldDatabase, StatusEventsTable } from './database.js';
export { migrateToLatest, defaultMigrationsDir } from './migrate.js';
export { ensureMonthlyPartitions, monthKey } from './partitions.js';
export { StatusEventStore, statusEventRow } from './status-event-store.js';
