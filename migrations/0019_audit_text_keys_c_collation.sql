-- 0019: the audit's indexed text keys compared as bytes (issue 19, round 15;
-- docs/benchmarks.md, "Round 15 (issue 19): the audit's text keys in the C collation").
--
-- The audit indexes five text columns: notifications' tenant, event_id, recipient_ref and
-- provider_message_id (notifications_tenant_time_idx, notifications_event_idx,
-- notifications_recipient_idx, notifications_provider_message_idx), events' event_id and
-- tenant (its primary key, the ON CONFLICT target of every audit write, and
-- events_tenant_time_idx), and delivery_attempts' provider_message_id. They took the
-- database's collation, so every comparison in those indexes (each insert's descent,
-- each ON CONFLICT probe, each lookup) went through the locale's strcoll instead of a
-- byte comparison: on an en-US database (ICU or libc) the audit write cost Postgres
-- ~10 % more CPU than with "C", and ~0-8 % more on a C.UTF-8 one (the store's A/B bench,
-- `--shape pipeline`). These are identifiers, never sorted for people to read: byte order
-- is all they need.
--
-- What changes for a reader: equality (every query Herald makes on them) is the same for
-- any deterministic collation; ORDER BY, <, > on these columns now sort by bytes (UTF-8
-- code point order), which no query of Herald's does; LIKE 'prefix%' on them can now use
-- their indexes. A second gain: an index in the C collation cannot be corrupted by an
-- operating system upgrade that changes the locale's sort order (glibc 2.28 did), as the
-- database-collation ones could.
--
-- Cost: a collation change of the same type rewrites no table, but rebuilds the indexes
-- on those columns, on every partition, under an ACCESS EXCLUSIVE lock on notifications,
-- events and delivery_attempts: the auditor's writes and the API's audit reads wait until
-- it is done (as long as creating those indexes takes: minutes on a large install; the
-- statuses wait in Kafka, nothing is lost). The two views over these tables are dropped
-- and created again as 0004 and 0007 define them (Postgres refuses to change a column a
-- view reads).

DROP VIEW audit_undelivered;
DROP VIEW audit_event_outcomes;

ALTER TABLE notifications
  ALTER COLUMN tenant TYPE text COLLATE "C",
  ALTER COLUMN event_id TYPE text COLLATE "C",
  ALTER COLUMN recipient_ref TYPE text COLLATE "C",
  ALTER COLUMN provider_message_id TYPE text COLLATE "C";

ALTER TABLE events
  ALTER COLUMN event_id TYPE text COLLATE "C",
  ALTER COLUMN tenant TYPE text COLLATE "C";

ALTER TABLE delivery_attempts
  ALTER COLUMN provider_message_id TYPE text COLLATE "C";

-- Notifications that did not arrive, newest first (0004):
--   SELECT * FROM audit_undelivered WHERE tenant = 'acme' AND event_time > now() - interval '1 day';
CREATE VIEW audit_undelivered AS
SELECT notification_id, tenant, channel, recipient_ref, state, reason, attempt,
       provider_status, provider_message, event_id, event_type, event_time, state_at
FROM notifications
WHERE state IN ('failed', 'dead_lettered', 'bounced', 'rejected')
ORDER BY state_at DESC;

-- Each accepted event with its outcome and counts (0004, 0007):
--   SELECT * FROM audit_event_outcomes WHERE outcome <> 'delivered' LIMIT 20;
CREATE VIEW audit_event_outcomes AS
SELECT event_id, tenant, event_type, event_time, outcome, notifications, succeeded, failed,
       suppressed, pending, first_seen_at, last_status_at
FROM events
ORDER BY event_time DESC;

COMMENT ON VIEW audit_event_outcomes IS
  'Each accepted event with its outcome and counts. Not known to have arrived: WHERE outcome <> ''delivered''; accepted by every provider: outcome IN (''delivered'', ''sent'')';
