-- 0018: the events row of a chunk's notifications adjusted by their changes instead of
-- recounted (issue 19, round 7; docs/benchmarks.md, "Round 7 (issue 19): the events
-- recompute made incremental").
--
-- herald_audit_write (0016) recounted every notification of every event a chunk touched
-- (a scan of notifications_event_idx, or on a young month a plan that reads the whole
-- partition, and a GROUP BY per chunk: ~31 % of the auditor's backend CPU in round 6's
-- profile), although a chunk moves only its own notifications from one category to
-- another. Now, per chunk:
--   1. the advisory locks of the chunk's events (same keys as 0016), taken FIRST, in key
--      order, from the input arrays: every writer of an event's notifications holds its
--      lock from before it reads them until it commits;
--   2. one statement (so one snapshot, taken after the locks: it sees every committed
--      writer of those events, and no other writer can change them before this one
--      commits) that upserts the three projections as 0016 did, reads the previous row
--      of each notification the upsert changed (`o`, by primary key: the statement does
--      not see its own changes), and applies to each event's row the difference between
--      the categories of its changed notifications after (`n`) and before (`o`): total,
--      pending, succeeded, delivered, failed, suppressed; first_seen_at and
--      last_status_at by LEAST / GREATEST (a notification's first_status_at only falls and
--      its last_status_at only rises, so the event's min / max are those of its rows);
--      the outcome from the new counts. Rows by primary key: no scan of notifications.
--   3. only when an event's row was missing although some of the chunk's notifications of
--      it already existed (not a state Herald leaves: e.g. an events month dropped by
--      retention before a late status re-created it), that event is recounted as 0016
--      did. Step 2 finds them without a read of its own: such a row goes in through the
--      upsert's insert path with the outcome 'recount' (its counts are only differences),
--      returned by it, and overwritten by the recount in the same call.
-- The category rules are 0016's (herald_event_category below): a retryable `failed`
-- counts as pending. Idempotent as before: a replayed chunk changes no notification, so
-- no event (its locks are taken, and released at once with its transaction).
--
-- `events.delivered` (new): the notifications whose success is a receipt of arrival
-- (delivered, or the in-app seen / read / archived); the outcome `delivered` needs
-- delivered = succeeded, which the recount found on the rows and the deltas must keep.
-- Added with DEFAULT 0 (metadata only: no rewrite of events) then the default dropped:
-- the column is NOT NULL without a default, so an insert that does not name it fails.
-- That is on purpose: an auditor still running 0016's function when this migration
-- commits (a call that started before it) fails its chunk at the events recompute (a
-- NOT NULL violation: Postgres checks it before ON CONFLICT) and its stage retries the
-- chunk, now through this function, instead of leaving `delivered` behind.
--
-- Backfill cost: one sequential scan of every notifications partition (rows in a
-- delivered / seen / read / archived state, grouped by event: a hash aggregate as large
-- as the number of such events), then one update of each events row that has any; rows
-- with none keep the stored 0. On a large install (say 100M notifications over the
-- retained months) that is minutes of I/O, during which this migration's ACCESS
-- EXCLUSIVE lock on events (from the ADD COLUMN) holds the auditor's writes: run it when
-- the audit can lag for that long (the statuses wait in Kafka; nothing is lost).
--
-- Every writer of notifications and events goes through herald_audit_write (the
-- auditor's AuditStore; statuses of the API's in-app changes, receipts and DLQ replays
-- arrive on herald.status like any other); retention drops whole months
-- (herald_drop_monthly_partitions), a month's notifications before its events.

-- A notification's category in its event's counts: 1 pending, 2 succeeded (accepted by
-- the provider), 3 succeeded and delivered (a receipt of arrival; in-app engagement
-- implies it), 4 failed, 5 suppressed (not sent, on purpose: digested, cancelled),
-- 0 none (a state no count names). NULL state (no row) → 0. Inlined by the planner.
CREATE FUNCTION herald_event_category(state text, retryable boolean)
RETURNS integer
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
AS $$
  SELECT CASE
    WHEN state IN ('queued', 'deferred', 'sending', 'retrying') THEN 1
    WHEN state = 'failed' AND retryable THEN 1
    WHEN state = 'sent' THEN 2
    WHEN state IN ('delivered', 'seen', 'read', 'archived') THEN 3
    WHEN state IN ('dead_lettered', 'bounced', 'rejected', 'failed') THEN 4
    WHEN state IN ('suppressed', 'digested', 'cancelled') THEN 5
    ELSE 0 END
$$;

-- An event's outcome from its counts (0016's rules): delivered only when every success
-- is a receipt of arrival; a provider that accepted a message (sent) has not delivered it.
CREATE FUNCTION herald_event_outcome(pending integer, succeeded integer, delivered integer,
                                     failed integer)
RETURNS text
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
AS $$
  SELECT CASE WHEN pending > 0 THEN 'pending'
              WHEN failed = 0 AND succeeded > 0 AND delivered = succeeded THEN 'delivered'
              WHEN failed = 0 AND succeeded > 0 THEN 'sent'
              WHEN failed = 0 THEN 'suppressed'
              WHEN succeeded = 0 THEN 'failed'
              ELSE 'partial' END
$$;

ALTER TABLE events ADD COLUMN delivered integer NOT NULL DEFAULT 0;
ALTER TABLE events ALTER COLUMN delivered DROP DEFAULT;
COMMENT ON COLUMN events.delivered IS
  'notifications delivered (a receipt of arrival, or seen / read / archived in-app); outcome delivered when it equals succeeded';

UPDATE events e
SET delivered = c.delivered
FROM (
  SELECT event_id, tenant, event_time, count(*)::int AS delivered
  FROM notifications
  WHERE state IN ('delivered', 'seen', 'read', 'archived')
  GROUP BY event_id, tenant, event_time
) c
WHERE e.event_id = c.event_id AND e.tenant = c.tenant AND e.event_time = c.event_time;

CREATE OR REPLACE FUNCTION herald_audit_write(
  -- status_events
  s_id uuid[], s_event_time timestamptz[], s_notification_id uuid[], s_state text[],
  s_reason text[], s_tenant text[], s_event_id text[], s_event_type text[], s_rule_id text[],
  s_rule_version int4[], s_channel text[], s_recipient_ref text[], s_attempt int4[],
  s_max_attempts int4[], s_retryable bool[], s_provider_status int4[],
  s_provider_message_id text[], s_provider_message text[], s_occurred_at timestamptz[],
  -- delivery_attempts
  a_notification_id uuid[], a_attempt int4[], a_event_time timestamptz[], a_tenant text[],
  a_channel text[], a_recipient_ref text[], a_state text[], a_state_rank int4[],
  a_reason text[], a_retryable bool[], a_provider_name text[], a_provider_status int4[],
  a_provider_message_id text[], a_provider_message text[], a_started_at timestamptz[],
  a_finished_at timestamptz[],
  -- notifications
  n_notification_id uuid[], n_event_time timestamptz[], n_tenant text[], n_event_id text[],
  n_event_type text[], n_rule_id text[], n_rule_version int4[], n_channel text[],
  n_recipient_ref text[], n_state text[], n_state_rank int4[], n_state_at timestamptz[],
  n_reason text[], n_attempt int4[], n_max_attempts int4[], n_retryable bool[],
  n_provider_name text[], n_provider_status int4[], n_provider_message_id text[],
  n_provider_message text[], n_first_status_at timestamptz[], n_last_status_at timestamptz[],
  n_queued_at timestamptz[], n_sent_at timestamptz[], n_delivered_at timestamptz[],
  n_failed_at timestamptz[], n_seen_at timestamptz[], n_read_at timestamptz[],
  n_archived_at timestamptz[])
RETURNS TABLE (inserted_statuses integer, changed_attempts integer,
               changed_notifications integer, changed_events integer)
LANGUAGE plpgsql
VOLATILE
AS $$
DECLARE
  v_statuses integer;
  v_attempts integer;
  v_notifications integer;
  v_events integer;
  -- The (event id, tenant, event time) of the events to recount (see step 3 above).
  v_event_ids text[];
  v_tenants text[];
  v_times timestamptz[];
BEGIN
  -- Step 1: every event of the chunk, changed or not (which is not known yet), in a
  -- fixed order so concurrent chunks cannot deadlock. A replayed chunk takes them too
  -- (in-memory locks, released at its commit).
  PERFORM pg_advisory_xact_lock(l) FROM (
    SELECT DISTINCT hashtextextended('herald_event:' || e || '|' || t, 0) AS l
    FROM unnest(n_event_id, n_tenant) AS u(e, t) ORDER BY 1
  ) locks;

  -- Step 2: one statement, one snapshot (taken after the locks).
  WITH s AS (
    INSERT INTO status_events (id, event_time, notification_id, state, reason, tenant, event_id,
      event_type, rule_id, rule_version, channel, recipient_ref, attempt, max_attempts,
      retryable, provider_status, provider_message_id, provider_message, occurred_at)
    SELECT * FROM unnest(s_id, s_event_time, s_notification_id, s_state, s_reason, s_tenant,
      s_event_id, s_event_type, s_rule_id, s_rule_version, s_channel, s_recipient_ref,
      s_attempt, s_max_attempts, s_retryable, s_provider_status, s_provider_message_id,
      s_provider_message, s_occurred_at)
    ON CONFLICT (id, event_time) DO NOTHING
    RETURNING 1
  ), a AS (
    INSERT INTO delivery_attempts (notification_id, attempt, event_time, tenant, channel,
      recipient_ref, state, state_rank, reason, retryable, provider_name, provider_status,
      provider_message_id, provider_message, started_at, finished_at)
    SELECT * FROM unnest(a_notification_id, a_attempt, a_event_time, a_tenant, a_channel,
      a_recipient_ref, a_state, a_state_rank, a_reason, a_retryable, a_provider_name,
      a_provider_status, a_provider_message_id, a_provider_message, a_started_at,
      a_finished_at)
    ON CONFLICT (notification_id, attempt, event_time) DO UPDATE SET
      state = CASE WHEN excluded.state_rank > delivery_attempts.state_rank THEN excluded.state ELSE delivery_attempts.state END,
      state_rank = CASE WHEN excluded.state_rank > delivery_attempts.state_rank THEN excluded.state_rank ELSE delivery_attempts.state_rank END,
      retryable = CASE WHEN excluded.state_rank > delivery_attempts.state_rank THEN excluded.retryable ELSE delivery_attempts.retryable END,
      finished_at = CASE WHEN excluded.state_rank > delivery_attempts.state_rank THEN COALESCE(excluded.finished_at, delivery_attempts.finished_at) ELSE COALESCE(delivery_attempts.finished_at, excluded.finished_at) END,
      reason = CASE WHEN excluded.state_rank > delivery_attempts.state_rank THEN COALESCE(excluded.reason, delivery_attempts.reason) ELSE COALESCE(delivery_attempts.reason, excluded.reason) END,
      provider_name = CASE WHEN excluded.state_rank > delivery_attempts.state_rank THEN COALESCE(excluded.provider_name, delivery_attempts.provider_name) ELSE COALESCE(delivery_attempts.provider_name, excluded.provider_name) END,
      provider_status = CASE WHEN excluded.state_rank > delivery_attempts.state_rank THEN COALESCE(excluded.provider_status, delivery_attempts.provider_status) ELSE COALESCE(delivery_attempts.provider_status, excluded.provider_status) END,
      provider_message_id = CASE WHEN excluded.state_rank > delivery_attempts.state_rank THEN COALESCE(excluded.provider_message_id, delivery_attempts.provider_message_id) ELSE COALESCE(delivery_attempts.provider_message_id, excluded.provider_message_id) END,
      provider_message = CASE WHEN excluded.state_rank > delivery_attempts.state_rank THEN COALESCE(excluded.provider_message, delivery_attempts.provider_message) ELSE COALESCE(delivery_attempts.provider_message, excluded.provider_message) END,
      started_at = LEAST(delivery_attempts.started_at, excluded.started_at)
    WHERE excluded.state_rank > delivery_attempts.state_rank
       OR excluded.started_at < delivery_attempts.started_at
       OR (delivery_attempts.provider_message_id IS NULL AND excluded.provider_message_id IS NOT NULL)
    RETURNING 1
  ), n AS (
    INSERT INTO notifications (notification_id, event_time, tenant, event_id, event_type, rule_id,
      rule_version, channel, recipient_ref, state, state_rank, state_at, reason, attempt,
      max_attempts, retryable, provider_name, provider_status, provider_message_id,
      provider_message, first_status_at, last_status_at, queued_at, sent_at, delivered_at,
      failed_at, seen_at, read_at, archived_at)
    SELECT * FROM unnest(n_notification_id, n_event_time, n_tenant, n_event_id, n_event_type,
      n_rule_id, n_rule_version, n_channel, n_recipient_ref, n_state, n_state_rank, n_state_at,
      n_reason, n_attempt, n_max_attempts, n_retryable, n_provider_name, n_provider_status,
      n_provider_message_id, n_provider_message, n_first_status_at, n_last_status_at,
      n_queued_at, n_sent_at, n_delivered_at, n_failed_at, n_seen_at, n_read_at, n_archived_at)
    ON CONFLICT (notification_id, event_time) DO UPDATE SET
      state = CASE WHEN excluded.state_rank > notifications.state_rank THEN excluded.state ELSE notifications.state END,
      state_rank = CASE WHEN excluded.state_rank > notifications.state_rank THEN excluded.state_rank ELSE notifications.state_rank END,
      state_at = CASE WHEN excluded.state_rank > notifications.state_rank THEN excluded.state_at ELSE notifications.state_at END,
      attempt = CASE WHEN excluded.state_rank > notifications.state_rank THEN excluded.attempt ELSE notifications.attempt END,
      max_attempts = CASE WHEN excluded.state_rank > notifications.state_rank THEN COALESCE(excluded.max_attempts, notifications.max_attempts) ELSE COALESCE(notifications.max_attempts, excluded.max_attempts) END,
      retryable = CASE WHEN excluded.state_rank > notifications.state_rank THEN excluded.retryable ELSE notifications.retryable END,
      reason = CASE WHEN excluded.state_rank > notifications.state_rank THEN COALESCE(excluded.reason, notifications.reason) ELSE COALESCE(notifications.reason, excluded.reason) END,
      provider_name = CASE WHEN excluded.state_rank > notifications.state_rank THEN COALESCE(excluded.provider_name, notifications.provider_name) ELSE COALESCE(notifications.provider_name, excluded.provider_name) END,
      provider_status = CASE WHEN excluded.state_rank > notifications.state_rank THEN COALESCE(excluded.provider_status, notifications.provider_status) ELSE COALESCE(notifications.provider_status, excluded.provider_status) END,
      provider_message_id = CASE WHEN excluded.state_rank > notifications.state_rank THEN COALESCE(excluded.provider_message_id, notifications.provider_message_id) ELSE COALESCE(notifications.provider_message_id, excluded.provider_message_id) END,
      provider_message = CASE WHEN excluded.state_rank > notifications.state_rank THEN COALESCE(excluded.provider_message, notifications.provider_message) ELSE COALESCE(notifications.provider_message, excluded.provider_message) END,
      first_status_at = LEAST(notifications.first_status_at, excluded.first_status_at),
      last_status_at = GREATEST(notifications.last_status_at, excluded.last_status_at),
      queued_at = LEAST(notifications.queued_at, excluded.queued_at),
      sent_at = LEAST(notifications.sent_at, excluded.sent_at),
      delivered_at = LEAST(notifications.delivered_at, excluded.delivered_at),
      failed_at = LEAST(notifications.failed_at, excluded.failed_at),
      seen_at = LEAST(notifications.seen_at, excluded.seen_at),
      read_at = LEAST(notifications.read_at, excluded.read_at),
      archived_at = LEAST(notifications.archived_at, excluded.archived_at),
      updated_at = now()
    WHERE excluded.state_rank > notifications.state_rank
       OR excluded.first_status_at < notifications.first_status_at
       OR excluded.last_status_at > notifications.last_status_at
       OR (notifications.provider_message_id IS NULL AND excluded.provider_message_id IS NOT NULL)
       OR (notifications.queued_at IS NULL AND excluded.queued_at IS NOT NULL)
       OR (notifications.sent_at IS NULL AND excluded.sent_at IS NOT NULL)
       OR (notifications.delivered_at IS NULL AND excluded.delivered_at IS NOT NULL)
       OR (notifications.failed_at IS NULL AND excluded.failed_at IS NOT NULL)
       OR (notifications.seen_at IS NULL AND excluded.seen_at IS NOT NULL)
       OR (notifications.read_at IS NULL AND excluded.read_at IS NOT NULL)
       OR (notifications.archived_at IS NULL AND excluded.archived_at IS NOT NULL)
    RETURNING notification_id, event_time, event_id, tenant, event_type,
              herald_event_category(state, retryable) AS category, first_status_at,
              last_status_at
  ), d AS (
    -- Per event: what its changed notifications add (new minus old category counts).
    -- `o` is each changed notification as it was: this statement's snapshot, read by
    -- primary key (an index probe per row of n; the upsert's changes are not visible to
    -- the statement that makes them).
    SELECT n.event_id, n.tenant, n.event_time, min(n.event_type) AS event_type,
           min(n.first_status_at) AS first_seen_at, max(n.last_status_at) AS last_status_at,
           count(*) FILTER (WHERE o.notification_id IS NULL)::int AS total,
           (count(*) FILTER (WHERE n.category = 1) - count(*) FILTER (WHERE o.category = 1))::int AS pending,
           (count(*) FILTER (WHERE n.category IN (2, 3)) - count(*) FILTER (WHERE o.category IN (2, 3)))::int AS succeeded,
           (count(*) FILTER (WHERE n.category = 3) - count(*) FILTER (WHERE o.category = 3))::int AS delivered,
           (count(*) FILTER (WHERE n.category = 4) - count(*) FILTER (WHERE o.category = 4))::int AS failed,
           (count(*) FILTER (WHERE n.category = 5) - count(*) FILTER (WHERE o.category = 5))::int AS suppressed,
           bool_or(o.notification_id IS NOT NULL) AS had_rows
    FROM n
    LEFT JOIN LATERAL (
      SELECT nt.notification_id, herald_event_category(nt.state, nt.retryable) AS category
      FROM notifications nt
      WHERE nt.notification_id = n.notification_id AND nt.event_time = n.event_time
    ) o ON true
    GROUP BY n.event_id, n.tenant, n.event_time
  ), e AS (
    INSERT INTO events AS ev (event_id, tenant, event_time, event_type, first_seen_at,
                              last_status_at, notifications, pending, succeeded, delivered,
                              failed, suppressed, outcome)
    SELECT d.event_id, d.tenant, d.event_time, d.event_type, d.first_seen_at, d.last_status_at,
           d.total, d.pending, d.succeeded, d.delivered, d.failed, d.suppressed,
           -- Step 3's marker: inserted, although some of its notifications existed (the
           -- counts above are then only a difference); overwritten by the recount below.
           CASE WHEN d.had_rows THEN 'recount'
                ELSE herald_event_outcome(d.pending, d.succeeded, d.delivered, d.failed) END
    FROM d
    ON CONFLICT (event_id, tenant, event_time) DO UPDATE SET
      -- min(event_type) of the recount: a notification's event_type never changes.
      event_type = LEAST(ev.event_type, excluded.event_type),
      first_seen_at = LEAST(ev.first_seen_at, excluded.first_seen_at),
      last_status_at = GREATEST(ev.last_status_at, excluded.last_status_at),
      notifications = ev.notifications + excluded.notifications,
      pending = ev.pending + excluded.pending,
      succeeded = ev.succeeded + excluded.succeeded,
      delivered = ev.delivered + excluded.delivered,
      failed = ev.failed + excluded.failed,
      suppressed = ev.suppressed + excluded.suppressed,
      outcome = herald_event_outcome(ev.pending + excluded.pending,
                                     ev.succeeded + excluded.succeeded,
                                     ev.delivered + excluded.delivered,
                                     ev.failed + excluded.failed)
    -- Written only when something moved (as the recompute's IS DISTINCT FROM did).
    WHERE excluded.notifications <> 0 OR excluded.pending <> 0 OR excluded.succeeded <> 0
       OR excluded.delivered <> 0 OR excluded.failed <> 0 OR excluded.suppressed <> 0
       OR excluded.first_seen_at < ev.first_seen_at
       OR excluded.last_status_at > ev.last_status_at
       OR excluded.event_type < ev.event_type
    RETURNING ev.event_id, ev.tenant, ev.event_time, ev.outcome
  )
  SELECT (SELECT count(*) FROM s)::int, (SELECT count(*) FROM a)::int,
         (SELECT count(*) FROM n)::int, (SELECT count(*) FROM e)::int,
         array_agg(r.event_id), array_agg(r.tenant), array_agg(r.event_time)
    INTO v_statuses, v_attempts, v_notifications, v_events, v_event_ids, v_tenants, v_times
    FROM e r WHERE r.outcome = 'recount';

  IF v_event_ids IS NOT NULL THEN
    -- Step 3: 0016's recount, for these events only (a new statement: it sees step 2's rows).
    EXECUTE $recount$
    INSERT INTO events (event_id, tenant, event_time, event_type, first_seen_at, last_status_at,
                        notifications, pending, succeeded, delivered, failed, suppressed, outcome)
    SELECT c.event_id, c.tenant, c.event_time, c.event_type, c.first_seen_at, c.last_status_at,
           c.total, c.pending, c.succeeded, c.delivered, c.failed, c.suppressed,
           herald_event_outcome(c.pending, c.succeeded, c.delivered, c.failed)
    FROM (
      SELECT nt.event_id, nt.tenant, nt.event_time, min(nt.event_type) AS event_type,
             min(nt.first_status_at) AS first_seen_at, max(nt.last_status_at) AS last_status_at,
             count(*)::int AS total,
             count(*) FILTER (WHERE herald_event_category(nt.state, nt.retryable) = 1)::int AS pending,
             count(*) FILTER (WHERE herald_event_category(nt.state, nt.retryable) IN (2, 3))::int AS succeeded,
             count(*) FILTER (WHERE herald_event_category(nt.state, nt.retryable) = 3)::int AS delivered,
             count(*) FILTER (WHERE herald_event_category(nt.state, nt.retryable) = 4)::int AS failed,
             count(*) FILTER (WHERE herald_event_category(nt.state, nt.retryable) = 5)::int AS suppressed
      FROM notifications nt
      WHERE nt.event_id = ANY($1) AND nt.event_time = ANY($3)
        AND (nt.event_id, nt.tenant, nt.event_time) IN (SELECT * FROM unnest($1, $2, $3))
      GROUP BY nt.event_id, nt.tenant, nt.event_time
    ) c
    ON CONFLICT (event_id, tenant, event_time) DO UPDATE SET
      event_type = excluded.event_type, first_seen_at = excluded.first_seen_at,
      last_status_at = excluded.last_status_at, notifications = excluded.notifications,
      pending = excluded.pending, succeeded = excluded.succeeded,
      delivered = excluded.delivered, failed = excluded.failed,
      suppressed = excluded.suppressed, outcome = excluded.outcome
    $recount$ USING v_event_ids, v_tenants, v_times;
  END IF;

  RETURN QUERY SELECT v_statuses, v_attempts, v_notifications, v_events;
END;
$$;
