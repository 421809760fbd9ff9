// Prints what the auditor recorded: one line per status event, from Postgres.
// Usage: node summary.mjs <database-url>
import pg from 'pg';

const client = new pg.Client({ connectionString: process.argv[2] });
await client.connect();
const { rows } = await client.query(`
  select occurred_at, state, event_type, channel, recipient_ref, provider_status, coalesce(reason, '') as reason
  from status_events order by occurred_at`);
console.log(`[audit] ${rows.length} status events in status_events:`);
for (const r of rows) {
  console.log(
    `[audit]   ${r.occurred_at.toISOString().slice(11, 23)} ${r.state.padEnd(7)} ${r.event_type.padEnd(15)} ${r.channel} ${r.recipient_ref} ${r.provider_status ?? ''} ${r.reason}`,
  );
}
await client.end();
