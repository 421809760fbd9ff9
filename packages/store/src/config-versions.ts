import { createHash } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';

// What the versioned configuration stores (rules, templates) share: how a definition
// is reduced to a checksum, and how an apply is serialised and rolled back.

/**
 * JSON with object keys sorted, so equal definitions give equal text and checksums
 * however their keys were ordered. `undefined` members are left out, as JSON drops them.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * Runs `change` in one transaction serialised by the advisory lock `lock`, so what an
 * apply reports (its diff, its new version) is exactly what it wrote. The transaction
 * commits only when the result says `applied`: a dry run, a refusal or a no-op rolls
 * back everything it touched.
 */
export async function applyLocked<DB, R extends { readonly applied: boolean }>(
  db: Kysely<DB>,
  lock: string,
  change: (tx: Transaction<DB>) => Promise<R>,
): Promise<R> {
  const rollback = Symbol('roll back');
  let result: R | undefined;
  try {
    await db.transaction().execute(async (tx) => {
      await sql`select pg_advisory_xact_lock(hashtext(${lock}))`.execute(tx);
      result = await change(tx);
      if (!result.applied) throw rollback;
    });
  } catch (err) {
    if (err !== rollback) throw err;
  }
  return result!;
}
