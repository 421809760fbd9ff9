import { sql, type Kysely } from 'kysely';

/**
 * Creates the monthly partitions of `table` from the month of `from` through
 * `monthsAhead` months after it (see herald_ensure_monthly_partitions in
 * migrations/0001). Returns how many were created.
 */
export async function ensureMonthlyPartitions<DB>(
  db: Kysely<DB>,
  table: string,
  from: Date,
  monthsAhead: number,
): Promise<number> {
  const { rows } = await sql<{ created: number }>`
    select herald_ensure_monthly_partitions(${table}, ${from.toISOString()}::timestamptz, ${monthsAhead}) as created
  `.execute(db);
  return rows[0]?.created ?? 0;
}

/** First instant (UTC) of the month holding `time`, as a cache key. */
export function monthKey(time: Date): string {
  return `${time.getUTCFullYear()}-${String(time.getUTCMonth() + 1).padStart(2, '0')}`;
}
