-- Digests and cancellation (issue 16). docs/ARCHITECTURE.md, "Digests and cancellation",
-- says why this state lives in Postgres.

-- One digest per (tenant, recipient, channel, key) and window. `open` takes items;
-- `closed` (window over, or `max` reached) waits for a flush, which claims it for
-- `claimed_until`; `flushed` once its job is on Kafka. Only one open digest per key:
-- a new item opens the next one when the previous is closed.
CREATE TABLE digests (
  id             text        PRIMARY KEY,
  tenant         text        NOT NULL,
  recipient_ref  text        NOT NULL,
  channel        text        NOT NULL,
  digest_key     text        NOT NULL,
  state          text        NOT NULL CHECK (state IN ('open', 'closed', 'flushed')),
  item_count     integer     NOT NULL DEFAULT 0,
  max_items      integer,
  opened_at      timestamptz NOT NULL,
  due_at         timestamptz NOT NULL,
  claimed_until  timestamptz,
  flushed_at     timestamptz,
  -- The first item's job: recipient, template, locale, priority of the digest's own job.
  job            jsonb       NOT NULL
);
CREATE UNIQUE INDEX digests_open_key ON digests (tenant, recipient_ref, channel, digest_key)
  WHERE state = 'open';
CREATE INDEX digests_due ON digests (due_at) WHERE state <> 'flushed';

-- One row per collected job, keyed by its notification id: a job collected again after
-- a crash or redelivery inserts nothing and reads back the digest it went into.
CREATE TABLE digest_items (
  notification_id text        PRIMARY KEY,
  digest_id       text        NOT NULL REFERENCES digests (id),
  position        integer     NOT NULL,
  added_at        timestamptz NOT NULL,
  event_id        text        NOT NULL,
  event_type      text        NOT NULL,
  event_time      text,
  payload         jsonb
);
CREATE INDEX digest_items_digest ON digest_items (digest_id, position);

-- A cancellation key cancelled at `cancelled_at` by `event_id`: jobs with that key
-- planned at or before it are not sent. A later cancel of the same key moves it on.
CREATE TABLE cancel_marks (
  tenant        text        NOT NULL,
  cancel_key    text        NOT NULL,
  event_id      text        NOT NULL,
  cancelled_at  timestamptz NOT NULL,
  PRIMARY KEY (tenant, cancel_key)
);

-- The one decision per (notification, attempt) taken by the lease holder just before a
-- send: `send` or `cancelled`. A redelivered attempt reads the same decision back, so
-- a cancel racing a send has exactly one winner.
CREATE TABLE cancel_decisions (
  notification_id  text        NOT NULL,
  attempt          integer     NOT NULL,
  decision         text        NOT NULL CHECK (decision IN ('send', 'cancelled')),
  cancel_event_id  text,
  decided_at       timestamptz NOT NULL,
  PRIMARY KEY (notification_id, attempt)
);
