-- 0001: the status stream's audit table, range-partitioned by month, and the
-- function that creates monthly partitions ahead of time.
--
-- Partition key: event_time, the time of the event that caused the notification
-- (its CloudEvents `time`, else its Kafka timestamp). It is the same for every
-- re-publication of a status, so (id, event_time) makes replays idempotent.

CREATE TABLE status_events (
  id                  uuid        NOT NULL,
  event_time          timestamptz NOT NULL,
  notification_id     uuid        NOT NULL,
  state               text        NOT NULL,
  reason              text,
  tenant              text        NOT NULL,
  event_id            text        NOT NULL,
  event_type          text        NOT NULL,
  rule_id             text        NOT NULL,
  rule_version        integer     NOT NULL,
  channel             text        NOT NULL,
  recipient_ref       text        NOT NULL,
  attempt             integer     NOT NULL,
  max_attempts        integer,
  retryable           boolean,
  provider_status     integer,
  provider_message_id text,
  provider_message    text,
  occurred_at         timestamptz NOT NULL,
  recorded_at         timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (id, event_time)
) PARTITION BY RANGE (event_time);

CREATE INDEX status_events_notification_idx ON status_events (notification_id, occurred_at);
CREATE INDEX status_events_event_idx ON status_events (event_id);
CREATE INDEX status_events_tenant_state_idx ON status_events (tenant, state, occurred_at);

-- herald_ensure_monthly_partitions(parent, from_time, months_ahead) → partitions created
-- Creates the partitions of `parent` for the month of `from_time` (UTC) and the
-- `months_ahead` months after it, named <parent>_yYYYYmMM. Idempotent; an advisory
-- lock per parent makes concurrent callers (several auditor replicas) safe.
CREATE FUNCTION herald_ensure_monthly_partitions(parent text, from_time timestamptz, months_ahead integer)
RETURNS integer
LANGUAGE plpgsql
AS $$
DECLARE
  first_month timestamptz := date_trunc('month', from_time AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
  month_start timestamptz;
  partition_name text;
  created integer := 0;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('herald_partitions:' || parent));
  FOR i IN 0..months_ahead LOOP
    month_start := ((first_month AT TIME ZONE 'UTC') + make_interval(months => i)) AT TIME ZONE 'UTC';
    partition_name := format('%s_y%sm%s', parent,
      to_char(month_start AT TIME ZONE 'UTC', 'YYYY'), to_char(month_start AT TIME ZONE 'UTC', 'MM'));
    IF to_regclass(partition_name) IS NULL THEN
      EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)',
        partition_name, parent, month_start,
        ((month_start AT TIME ZONE 'UTC') + interval '1 month') AT TIME ZONE 'UTC');
      created := created + 1;
    END IF;
  END LOOP;
  RETURN created;
END;
$$;
