-- 0015: HOT updates for the audit projections (issue 19, item 3; docs/benchmarks.md,
-- "Audit write path").
--
-- A notification's row is written once per status (queued, sending, sent, delivered…).
-- Postgres can update a row in place on its page, without a new entry in every index
-- (a heap-only tuple, HOT), only when no indexed column changes and the page has room.
-- `state` was in notifications_tenant_state_idx and delivery_attempts_tenant_state_idx,
-- so every status paid a new entry in each index of the table; and the pages were
-- filled to 100 %, so the new version rarely fitted beside the old one.
--
-- 1. The tenant indexes drop `state`: (tenant, event_time DESC) / (tenant, started_at
--    DESC). The searches that filter by state (AuditQueries#notifications: the API's
--    GET /v1/notifications, `herald audit`, the audit_undelivered view) always name the
--    tenant and read newest first with a limit, so they walk this index in order and
--    filter state on the rows; a search for a rare state over a long time range reads
--    more rows than before, which is the price of the cheaper write.
--    provider_message_id stays indexed (receipts find their notification by it): the one
--    update that sets it (`sent`) is not HOT; queued → sending and sent → delivered are.
-- 2. fillfactor 80 on both tables' partitions: a fifth of each page is left free for the
--    updated versions. Partitioned parents take no storage parameters, so the existing
--    partitions are altered here (it applies to pages written from now on) and
--    herald_ensure_monthly_partitions creates the next months' with it.

DROP INDEX IF EXISTS notifications_tenant_state_idx;
CREATE INDEX notifications_tenant_time_idx ON notifications (tenant, event_time DESC);

DROP INDEX IF EXISTS delivery_attempts_tenant_state_idx;
CREATE INDEX delivery_attempts_tenant_time_idx ON delivery_attempts (tenant, started_at DESC);

-- The fillfactor a new partition of `parent` is created with (NULL: the default, 100).
CREATE FUNCTION herald_partition_fillfactor(parent text)
RETURNS integer
LANGUAGE sql
IMMUTABLE
AS $$
  SELECT CASE parent WHEN 'notifications' THEN 80 WHEN 'delivery_attempts' THEN 80 END
$$;

DO $$
DECLARE
  child record;
BEGIN
  FOR child IN
    SELECT c.relname AS name, p.relname AS parent
    FROM pg_inherits i
    JOIN pg_class c ON c.oid = i.inhrelid
    JOIN pg_class p ON p.oid = i.inhparent
    WHERE herald_partition_fillfactor(p.relname) IS NOT NULL
  LOOP
    EXECUTE format('ALTER TABLE %I SET (fillfactor = %s)', child.name,
      herald_partition_fillfactor(child.parent));
  END LOOP;
END;
$$;

-- As in 0001, plus the fillfactor of herald_partition_fillfactor(parent).
CREATE OR REPLACE FUNCTION herald_ensure_monthly_partitions(parent text, from_time timestamptz, months_ahead integer)
RETURNS integer
LANGUAGE plpgsql
AS $$
DECLARE
  first_month timestamptz := date_trunc('month', from_time AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
  month_start timestamptz;
  partition_name text;
  fill integer := herald_partition_fillfactor(parent);
  created integer := 0;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('herald_partitions:' || parent));
  FOR i IN 0..months_ahead LOOP
    month_start := ((first_month AT TIME ZONE 'UTC') + make_interval(months => i)) AT TIME ZONE 'UTC';
    partition_name := format('%s_y%sm%s', parent,
      to_char(month_start AT TIME ZONE 'UTC', 'YYYY'), to_char(month_start AT TIME ZONE 'UTC', 'MM'));
    IF to_regclass(partition_name) IS NULL THEN
      EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)%s',
        partition_name, parent, month_start,
        ((month_start AT TIME ZONE 'UTC') + interval '1 month') AT TIME ZONE 'UTC',
        CASE WHEN fill IS NULL THEN '' ELSE format(' WITH (fillfactor = %s)', fill) END);
      created := created + 1;
    END IF;
  END LOOP;
  RETURN created;
END;
$$;
