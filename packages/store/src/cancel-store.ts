import { sql, type Kysely } from 'kysely';
import type { HeraldDatabase } from './database.js';

/** What the lease holder may do with one attempt of a job that has a cancellation key. */
export type CancelDecision =
  { readonly decision: 'send' } | { readonly decision: 'cancelled'; readonly eventId: string };

/**
 * Cancellation marks and decisions in Postgres (migrations/0012). A cancel writes a
 * mark (tenant, key) before it is acknowledged; the worker holding a job's send lease
 * decides once per attempt, just before sending, in one statement: `cancelled` when a
 * mark at or after the job's planning time exists, else `send`. The decision row is
 * what makes a cancel racing a due job have exactly one winner, even across a crash:
 * a redelivered attempt reads its decision back instead of looking again.
 */
export class CancelStore {
  readonly #db: Kysely<HeraldDatabase>;

  constructor(db: Kysely<HeraldDatabase>) {
    this.#db = db;
  }

  /** Cancels `key` in `tenant` as of `at`; the latest cancel of a key wins. */
  async mark(tenant: string, key: string, eventId: string, at: Date): Promise<void> {
    await this.markMany([{ tenant, key, eventId, at }]);
  }

  async markMany(
    marks: readonly {
      readonly tenant: string;
      readonly key: string;
      readonly eventId: string;
      readonly at: Date;
    }[],
  ): Promise<void> {
    if (marks.length === 0) return;
    // One row per key (the latest), or the multi-row upsert would touch a row twice.
    const latest = new Map<string, (typeof marks)[number]>();
    for (const m of marks) {
      const k = `${m.tenant}\u0000${m.key}`;
      const seen = latest.get(k);
      if (seen === undefined || seen.at.getTime() <= m.at.getTime()) latest.set(k, m);
    }
    const rows = [...latest.values()];
    await sql`
      INSERT INTO cancel_marks (tenant, cancel_key, event_id, cancelled_at)
      SELECT * FROM unnest(${rows.map((r) => r.tenant)}::text[], ${rows.map((r) => r.key)}::text[],
                           ${rows.map((r) => r.eventId)}::text[],
                           ${rows.map((r) => r.at.toISOString())}::timestamptz[])
      ON CONFLICT (tenant, cancel_key) DO UPDATE
        SET event_id = CASE WHEN EXCLUDED.cancelled_at >= cancel_marks.cancelled_at
                            THEN EXCLUDED.event_id ELSE cancel_marks.event_id END,
            cancelled_at = GREATEST(cancel_marks.cancelled_at, EXCLUDED.cancelled_at)`.execute(
      this.#db,
    );
  }

  /** The decision for one attempt: taken now when there is none yet, else read back. */
  async decide(
    job: {
      readonly notificationId: string;
      readonly attempt: number;
      readonly tenant: string;
      readonly cancelKey: string;
      readonly plannedAt: string;
    },
    now: Date,
  ): Promise<CancelDecision> {
    for (;;) {
      const result = await sql<{ decision: 'send' | 'cancelled'; cancel_event_id: string | null }>`
        WITH mark AS (
          SELECT event_id FROM cancel_marks
          WHERE tenant = ${job.tenant} AND cancel_key = ${job.cancelKey}
            AND cancelled_at >= ${job.plannedAt}::timestamptz),
        taken AS (
          INSERT INTO cancel_decisions (notification_id, attempt, decision, cancel_event_id, decided_at)
          SELECT ${job.notificationId}, ${job.attempt},
                 CASE WHEN EXISTS (SELECT 1 FROM mark) THEN 'cancelled' ELSE 'send' END,
                 (SELECT event_id FROM mark), ${now}
          ON CONFLICT (notification_id, attempt) DO NOTHING
          RETURNING decision, cancel_event_id)
        SELECT decision, cancel_event_id FROM taken
        UNION ALL
        SELECT decision, cancel_event_id FROM cancel_decisions
        WHERE notification_id = ${job.notificationId} AND attempt = ${job.attempt}`.execute(
        this.#db,
      );
      // Empty only when a concurrent decision committed after this statement's snapshot: read it.
      const row = result.rows[0];
      if (row === undefined) continue;
      return row.decision === 'cancelled'
        ? { decision: 'cancelled', eventId: row.cancel_event_id ?? 'unknown' }
        : { decision: 'send' };
    }
  }
}
