-- 0016: the auditor's chunk in one call (issue 19, item 3; docs/benchmarks.md, "Round 4
-- (issue 19): audit write path", lever 1).
--
-- A chunk used to take five round trips: BEGIN, the projections (one statement of three
-- data-modifying CTEs), the advisory locks of its events, the events' recompute, COMMIT.
-- herald_audit_write does the same four steps inside one function call, which the
-- auditor sends as a single statement: its implicit transaction makes the chunk atomic
-- (a refused chunk leaves nothing behind), and a VOLATILE function takes a new snapshot
-- per statement, so the recompute, run after the locks, sees every notification that
-- concurrent chunks committed (as the separate statements did).
--
-- Arguments: one array per column of status_events, delivery_attempts and
-- notifications, in the order of statusColumns, attemptColumns and notificationColumns
-- (packages/store/src/audit-columns.ts). The rows arrive merged per key and sorted
-- (notifications by id, attempts by id and attempt), so concurrent chunks lock rows in
-- the same order. Partitions are created by the caller beforehand, as before.
--
-- The upserts' rules are those of 0004 (and 0010's in-app milestones): state fields
-- follow the higher state_rank, provider fields keep the last known value, timestamps
-- merge regardless of rank, and a row is touched only when something changes (a
-- replayed chunk writes no tuple, takes no event lock and recomputes nothing).
CREATE FUNCTION herald_audit_write(
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
  v_events integer := 0;
  -- The (event id, tenant, event time) of every event whose notifications changed.
  v_event_ids text[];
  v_tenants text[];
  v_times timestamptz[];
BEGIN
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
    RETURNING event_id, tenant, event_time
  ), k AS (
    SELECT DISTINCT event_id, tenant, event_time FROM n
  )
  -- One aggregate pass over k: the three arrays line up element by element.
  SELECT (SELECT count(*) FROM s)::int, (SELECT count(*) FROM a)::int, (SELECT count(*) FROM n)::int,
         array_agg(k.event_id), array_agg(k.tenant), array_agg(k.event_time)
    INTO v_statuses, v_attempts, v_notifications, v_event_ids, v_tenants, v_times
    FROM k;

  IF v_notifications > 0 THEN
    -- Notifications of one event arrive on several partitions, so chunks run
    -- concurrently: an advisory lock per event, taken in a fixed order, serialises them,
    -- and the recompute below (a new snapshot) then sees every committed notification.
    PERFORM pg_advisory_xact_lock(l) FROM (
      SELECT DISTINCT hashtextextended('herald_event:' || e || '|' || t, 0) AS l
      FROM unnest(v_event_ids, v_tenants) AS u(e, t) ORDER BY 1
    ) locks;
    -- One pass for every event of the chunk (audit-store.ts sent it before 0016): the
    -- notifications whose event id and event time are among the chunk's (a bitmap scan of
    -- notifications_event_idx; the times prune partitions), kept when their exact key is
    -- one of the chunk's, then counted per event.
    -- EXECUTE: planned on every call with the chunk's arrays. PL/pgSQL keeps a generic
    -- plan of a static statement after five calls, and the generic plan of this one
    -- loses track of how few events it probes: Postgres CPU per run grew 1.1-3.7x in the
    -- e2e bench (docs/benchmarks.md). The other statements keep their cached plans.
    EXECUTE $recompute$
    INSERT INTO events (event_id, tenant, event_time, event_type, first_seen_at, last_status_at,
                        notifications, pending, succeeded, failed, suppressed, outcome)
    SELECT c.event_id, c.tenant, c.event_time, c.event_type, c.first_seen_at, c.last_status_at,
           c.total, c.pending, c.succeeded, c.failed, c.suppressed,
           -- delivered only when every success is a provider's receipt of arrival; a
           -- provider that accepted a message (sent) has not delivered it yet.
           CASE WHEN c.pending > 0 THEN 'pending'
                WHEN c.failed = 0 AND c.succeeded > 0 AND c.delivered = c.succeeded THEN 'delivered'
                WHEN c.failed = 0 AND c.succeeded > 0 THEN 'sent'
                WHEN c.failed = 0 THEN 'suppressed'
                WHEN c.succeeded = 0 THEN 'failed'
                ELSE 'partial' END
    FROM (
      SELECT nt.event_id, nt.tenant, nt.event_time,
             min(nt.event_type) AS event_type,
             min(nt.first_status_at) AS first_seen_at, max(nt.last_status_at) AS last_status_at,
             count(*)::int AS total,
             count(*) FILTER (WHERE nt.state IN ('queued', 'deferred', 'sending', 'retrying')
                              OR (nt.state = 'failed' AND nt.retryable))::int AS pending,
             count(*) FILTER (WHERE nt.state IN ('sent', 'delivered', 'seen', 'read', 'archived'))::int AS succeeded,
             -- In-app engagement (seen, read, archived) implies delivery.
             count(*) FILTER (WHERE nt.state IN ('delivered', 'seen', 'read', 'archived'))::int AS delivered,
             count(*) FILTER (WHERE nt.state IN ('dead_lettered', 'bounced', 'rejected')
                              OR (nt.state = 'failed' AND nt.retryable IS NOT TRUE))::int AS failed,
             -- Not sent on its own, on purpose: collected into a digest or cancelled (issue 16).
             count(*) FILTER (WHERE nt.state IN ('suppressed', 'digested', 'cancelled'))::int AS suppressed
      FROM notifications nt
      WHERE nt.event_id = ANY($1) AND nt.event_time = ANY($3)
        AND (nt.event_id, nt.tenant, nt.event_time) IN (
          SELECT * FROM unnest($1, $2, $3))
      GROUP BY nt.event_id, nt.tenant, nt.event_time
      ORDER BY nt.event_id, nt.tenant, nt.event_time
    ) c
    ON CONFLICT (event_id, tenant, event_time) DO UPDATE SET
      event_type = excluded.event_type, first_seen_at = excluded.first_seen_at,
      last_status_at = excluded.last_status_at, notifications = excluded.notifications,
      pending = excluded.pending, succeeded = excluded.succeeded, failed = excluded.failed,
      suppressed = excluded.suppressed, outcome = excluded.outcome
    WHERE (events.notifications, events.pending, events.succeeded, events.failed,
           events.suppressed, events.last_status_at, events.first_seen_at, events.outcome)
      IS DISTINCT FROM (excluded.notifications, excluded.pending, excluded.succeeded,
           excluded.failed, excluded.suppressed, excluded.last_status_at, excluded.first_seen_at,
           excluded.outcome)
    $recompute$ USING v_event_ids, v_tenants, v_times;
    GET DIAGNOSTICS v_events = ROW_COUNT;
  END IF;

  RETURN QUERY SELECT v_statuses, v_attempts, v_notifications, v_events;
END;
$$;
