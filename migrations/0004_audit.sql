-- 0004: the audit projections of herald.status, the retention function and the
-- views for psql users. Written by apps/auditor (packages/store/src/audit-store.ts).
--
-- Every table is range-partitioned by month on event_time, the time of the event that
-- caused the notification (see 0001). It is identical in every status of one
-- notification, so each projection's key can include it (Postgres requires the
-- partition key in every unique constraint) and an upsert always finds its row.
--
-- State precedence (no regression on replay or reordering): every row carries
-- state_rank = attempt * 1000 + rank(state), rank computed by the auditor
-- (stateRank in packages/store/src/audit-rows.ts):
--   queued 10 · deferred 20 · sending 30 · failed, retryable 35 · retrying 40 · sent 50 ·
--   failed 60 · dead_lettered 70 · delivered 80 · bounced 90 · suppressed 100 · rejected 100
-- An upsert replaces the state only when the new rank is higher: a late `sent` never
-- overwrites `delivered`, a replayed status changes nothing, a later attempt moves on.
-- Timestamps merge regardless of rank (earliest first_status_at, latest
-- last_status_at, first time each milestone was seen).

-- One row per notification: where it is now.
CREATE TABLE notifications (
  notification_id     uuid        NOT NULL,
  event_time          timestamptz NOT NULL,
  tenant              text        NOT NULL,
  event_id            text        NOT NULL,
  event_type          text        NOT NULL,
  rule_id             text        NOT NULL,
  rule_version        integer     NOT NULL,
  channel             text        NOT NULL,
  recipient_ref       text        NOT NULL,
  state               text        NOT NULL,
  state_rank          integer     NOT NULL,
  state_at            timestamptz NOT NULL,
  reason              text,
  attempt             integer     NOT NULL,
  max_attempts        integer,
  retryable           boolean,
  provider_name       text,
  provider_status     integer,
  provider_message_id text,
  provider_message    text,
  first_status_at     timestamptz NOT NULL,
  last_status_at      timestamptz NOT NULL,
  queued_at           timestamptz,
  sent_at             timestamptz,
  delivered_at        timestamptz,
  failed_at           timestamptz,
  updated_at          timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (notification_id, event_time)
) PARTITION BY RANGE (event_time);

CREATE INDEX notifications_recipient_idx ON notifications (recipient_ref, event_time DESC);
CREATE INDEX notifications_event_idx ON notifications (event_id);
CREATE INDEX notifications_tenant_state_idx ON notifications (tenant, state, event_time DESC);
CREATE INDEX notifications_provider_message_idx ON notifications (provider_message_id)
  WHERE provider_message_id IS NOT NULL;

-- One row per (notification, attempt) from `sending` on: what each try did.
CREATE TABLE delivery_attempts (
  notification_id     uuid        NOT NULL,
  attempt             integer     NOT NULL,
  event_time          timestamptz NOT NULL,
  tenant              text        NOT NULL,
  channel             text        NOT NULL,
  recipient_ref       text        NOT NULL,
  state               text        NOT NULL,
  state_rank          integer     NOT NULL,
  reason              text,
  retryable           boolean,
  provider_name       text,
  provider_status     integer,
  provider_message_id text,
  provider_message    text,
  started_at          timestamptz NOT NULL,
  finished_at         timestamptz,
  PRIMARY KEY (notification_id, attempt, event_time)
) PARTITION BY RANGE (event_time);

CREATE INDEX delivery_attempts_provider_message_idx ON delivery_attempts (provider_message_id)
  WHERE provider_message_id IS NOT NULL;
CREATE INDEX delivery_attempts_tenant_state_idx ON delivery_attempts (tenant, state, started_at DESC);

-- One row per accepted event, derived from its notifications (recomputed for every
-- event a batch touches, so it is as idempotent as the notifications it counts).
-- outcome: pending (something still in flight) · delivered (every notification sent
-- or delivered) · suppressed (every one suppressed) · failed (none succeeded) ·
-- partial (some succeeded, some did not).
CREATE TABLE events (
  event_id        text        NOT NULL,
  tenant          text        NOT NULL,
  event_time      timestamptz NOT NULL,
  event_type      text        NOT NULL,
  first_seen_at   timestamptz NOT NULL,
  last_status_at  timestamptz NOT NULL,
  notifications   integer     NOT NULL,
  pending         integer     NOT NULL,
  succeeded       integer     NOT NULL,
  failed          integer     NOT NULL,
  suppressed      integer     NOT NULL,
  outcome         text        NOT NULL,
  PRIMARY KEY (event_id, tenant, event_time)
) PARTITION BY RANGE (event_time);

CREATE INDEX events_tenant_outcome_idx ON events (tenant, outcome, event_time DESC);

-- The questions users ask of the raw stream, too.
CREATE INDEX status_events_recipient_idx ON status_events (recipient_ref, occurred_at);
CREATE INDEX status_events_provider_message_idx ON status_events (provider_message_id)
  WHERE provider_message_id IS NOT NULL;

-- herald_drop_monthly_partitions(parent, keep_months, now_time) → names dropped
-- Retention: detaches, then drops, every <parent>_yYYYYmMM partition whose whole
-- month ended more than `keep_months` months before `now_time` (a partition holding
-- any row younger than that is kept). Takes the same per-parent advisory lock as
-- herald_ensure_monthly_partitions, so replicas running it at once drop each
-- partition exactly once and never race a creation. DETACH ... CONCURRENTLY cannot
-- run inside a function; the plain DETACH holds the parent's lock only briefly.
CREATE FUNCTION herald_drop_monthly_partitions(parent text, keep_months integer, now_time timestamptz DEFAULT now())
RETURNS SETOF text
LANGUAGE plpgsql
AS $$
DECLARE
  horizon timestamptz := ((now_time AT TIME ZONE 'UTC') - make_interval(months => keep_months)) AT TIME ZONE 'UTC';
  child record;
  month_end timestamptz;
BEGIN
  IF keep_months < 1 THEN
    RAISE EXCEPTION 'keep_months must be at least 1, got %', keep_months;
  END IF;
  PERFORM pg_advisory_xact_lock(hashtext('herald_partitions:' || parent));
  FOR child IN
    SELECT c.relname AS name, substring(c.relname FROM '_y(\d{4})m(\d{2})$') AS ym
    FROM pg_inherits i
    JOIN pg_class c ON c.oid = i.inhrelid
    JOIN pg_class p ON p.oid = i.inhparent
    WHERE p.relname = parent AND c.relname ~ ('^' || parent || '_y\d{4}m\d{2}$')
    ORDER BY c.relname
  LOOP
    month_end := ((to_date(substring(child.name FROM '_y(\d{4})m\d{2}$') || '-' ||
                   substring(child.name FROM '_y\d{4}m(\d{2})$') || '-01', 'YYYY-MM-DD')::timestamp
                   + interval '1 month') AT TIME ZONE 'UTC');
    IF month_end <= horizon THEN
      EXECUTE format('ALTER TABLE %I DETACH PARTITION %I', parent, child.name);
      EXECUTE format('DROP TABLE %I', child.name);
      RETURN NEXT child.name;
    END IF;
  END LOOP;
END;
$$;

-- Views for psql users (docs/status-events.md and the README show them in use).

-- Every status of a notification, oldest first:
--   SELECT * FROM audit_notification_timeline WHERE notification_id = '…';
CREATE VIEW audit_notification_timeline AS
SELECT notification_id, occurred_at, state, attempt, reason, channel, recipient_ref,
       provider_status, provider_message_id, provider_message, tenant, event_id, event_time, id AS status_id
FROM status_events
ORDER BY notification_id, occurred_at, attempt;

-- Notifications that did not arrive, newest first:
--   SELECT * FROM audit_undelivered WHERE tenant = 'acme' AND event_time > now() - interval '1 day';
CREATE VIEW audit_undelivered AS
SELECT notification_id, tenant, channel, recipient_ref, state, reason, attempt,
       provider_status, provider_message, event_id, event_type, event_time, state_at
FROM notifications
WHERE state IN ('failed', 'dead_lettered', 'bounced', 'rejected')
ORDER BY state_at DESC;

-- Each accepted event with its outcome and counts:
--   SELECT * FROM audit_event_outcomes WHERE outcome <> 'delivered' LIMIT 20;
CREATE VIEW audit_event_outcomes AS
SELECT event_id, tenant, event_type, event_time, outcome, notifications, succeeded, failed,
       suppressed, pending, first_seen_at, last_status_at
FROM events
ORDER BY event_time DESC;
