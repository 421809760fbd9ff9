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
-- statuses wait in Kafka, nothing is lost).
--
-- Views: Postgres refuses to change a column a view reads. Herald's two views over these
-- tables (audit_undelivered, audit_event_outcomes) are dropped and created again from the
-- definitions the database has, with their comments and grants (a read-only role given
-- SELECT on them keeps it). A view of your own over these columns stops the migration,
-- named, before anything changes: drop it, migrate, create it again (the columns keep
-- their names and type).

DO $$
DECLARE
  others text;
BEGIN
  SELECT string_agg(DISTINCT r.ev_class::regclass::text, ', ') INTO others
  FROM (VALUES ('notifications', 'tenant'), ('notifications', 'event_id'),
               ('notifications', 'recipient_ref'), ('notifications', 'provider_message_id'),
               ('events', 'event_id'), ('events', 'tenant'),
               ('delivery_attempts', 'provider_message_id')) AS k(tbl, col)
  JOIN pg_partition_tree(k.tbl::regclass) t ON true
  JOIN pg_attribute a ON a.attrelid = t.relid AND a.attname = k.col
  JOIN pg_depend d ON d.refclassid = 'pg_class'::regclass AND d.refobjid = t.relid
                  AND d.refobjsubid = a.attnum AND d.classid = 'pg_rewrite'::regclass
  JOIN pg_rewrite r ON r.oid = d.objid
  WHERE r.ev_class NOT IN (SELECT oid FROM pg_class
                           WHERE oid IN (to_regclass('audit_undelivered'),
                                         to_regclass('audit_event_outcomes')));
  IF others IS NOT NULL THEN
    RAISE EXCEPTION 'migration 0019 changes the collation of the audit''s text keys, which these views of yours read: %. Save each one''s definition (SELECT pg_get_viewdef(''<view>'')), DROP VIEW it, run the migration again, then CREATE VIEW it again', others;
  END IF;
END $$;

CREATE TEMP TABLE herald_0019_views ON COMMIT DROP AS
SELECT c.relname AS name, c.relowner AS owner, pg_get_viewdef(c.oid) AS definition,
       obj_description(c.oid, 'pg_class') AS note, c.relacl AS acl
FROM pg_class c
WHERE c.oid IN (to_regclass('audit_undelivered'), to_regclass('audit_event_outcomes'));

DROP VIEW IF EXISTS audit_undelivered;
DROP VIEW IF EXISTS audit_event_outcomes;

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

DO $$
DECLARE
  v record;
  g record;
BEGIN
  FOR v IN SELECT * FROM herald_0019_views LOOP
    EXECUTE format('CREATE VIEW %I AS %s', v.name, rtrim(v.definition, E'; \n'));
    IF v.note IS NOT NULL THEN
      EXECUTE format('COMMENT ON VIEW %I IS %L', v.name, v.note);
    END IF;
    -- Grants to others than the view's owner (grantee 0: PUBLIC).
    FOR g IN SELECT * FROM aclexplode(v.acl) WHERE grantee <> v.owner LOOP
      EXECUTE format('GRANT %s ON %I TO %s%s', g.privilege_type, v.name,
        CASE WHEN g.grantee = 0 THEN 'PUBLIC' ELSE g.grantee::regrole::text END,
        CASE WHEN g.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END);
    END LOOP;
  END LOOP;
END $$;
