-- 0017: the audit write path's cost on Postgres (issue 19, round 6; docs/benchmarks.md,
-- "Round 6 (issue 19): the audit path's cost on the machine").
--
-- 1. HOT updates of `events`. An event's row is inserted by its first chunk (outcome
--    `pending`) and rewritten by the chunk of its outcome (`sent`, `failed`…). `outcome`
--    was in events_tenant_outcome_idx, so that update was never HOT (0 % measured): a
--    new entry in both of the table's indexes each time, as 0015 found for
--    notifications. No query of Herald's reads events by tenant and outcome (the API,
--    `herald audit` and the trace read an event by its id: the primary key); the index
--    only served ad hoc SQL on audit_event_outcomes, whose documented example
--    (`WHERE outcome <> 'delivered'`) names no tenant and could not use it. It becomes
--    (tenant, event_time DESC), as 0015 did for notifications: a tenant's events newest
--    first, the outcome filtered on the rows. With fillfactor 80 on events' partitions
--    (herald_partition_fillfactor) the outcome update fits on its page: heap-only.
--    (As in 0015, the index is built under a lock that holds writes to events until it
--    is done: run it where the auditor may pause for that long.)
-- 2. delivery_attempts_tenant_time_idx (0015) is dropped: no query of Herald's reads
--    attempts by tenant (the trace, the API and `herald audit` read a notification's
--    attempts by its id: the primary key; a tenant's deliveries are searched in
--    notifications, by notifications_tenant_time_idx). One index entry fewer per
--    delivery (about 3 % of the backend's CPU per status in the store's A/B bench).
-- Not changed: herald_audit_write itself. JIT compiled none of its statements
-- (pg_stat_statements: jit_functions = 0). `SET random_page_cost = 1.1` on it (so the
-- events recompute probes notifications_event_idx instead of scanning a young month's
-- partition whole) was measured and not kept: in the e2e drain (a month of up to 21,000
-- rows) the recompute's planning and scans took a larger share of the backend with it
-- (perf), and on a large month the default already picks the index.

DROP INDEX IF EXISTS events_tenant_outcome_idx;
CREATE INDEX events_tenant_time_idx ON events (tenant, event_time DESC);

DROP INDEX IF EXISTS delivery_attempts_tenant_time_idx;

CREATE OR REPLACE FUNCTION herald_partition_fillfactor(parent text)
RETURNS integer
LANGUAGE sql
IMMUTABLE
AS $$
  SELECT CASE parent WHEN 'notifications' THEN 80 WHEN 'delivery_attempts' THEN 80
                     WHEN 'events' THEN 80 END
$$;

-- The existing partitions of events (pages written from now on leave the room).
DO $$
DECLARE
  child record;
BEGIN
  FOR child IN
    SELECT c.relname AS name
    FROM pg_inherits i
    JOIN pg_class c ON c.oid = i.inhrelid
    JOIN pg_class p ON p.oid = i.inhparent
    WHERE p.relname = 'events'
  LOOP
    EXECUTE format('ALTER TABLE %I SET (fillfactor = %s)', child.name,
      herald_partition_fillfactor('events'));
  END LOOP;
END;
$$;
