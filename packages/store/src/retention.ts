import { sql, type Kysely } from 'kysely';

/**
 * Retention: detaches and drops the monthly partitions of `table` whose whole month
 * ended more than `keepMonths` months before `now` (herald_drop_monthly_partitions in
 * migrations/0004). Safe to run from several replicas at once: the function holds the
 * table's partition advisory lock. Returns the names of the partitions dropped.
 */
export async function dropExpiredPartitions<DB>(
  db: Kysely<DB>,
  table: string,
  keepMonths: number,
  now: Date = new Date(),
): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`
    select herald_drop_monthly_partitions(${table}, ${keepMonths}, ${now.toISOString()}::timestamptz) as name
  `.execute(db);
  return rows.map((r) => r.name);
}
