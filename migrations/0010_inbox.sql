-- 0010: the in-app inbox (issue 14). Written by the worker's `inapp` channel and read
-- and marked by apps/gateway, both through InboxStore (packages/inbox).
--
-- Sequence: every (tenant, subscriber) has one counter row in inbox_subscribers. An
-- append locks that row (INSERT … ON CONFLICT, then UPDATE … RETURNING in the same
-- transaction), so appends for one subscriber are serialised and their seqs strictly
-- increase without gaps; appends for different subscribers never wait for each other.
-- The counter row is also what makes idempotency by notification id safe without a
-- unique index across partitions (Postgres cannot have one without the partition key):
-- the duplicate check runs under the same row lock.
--
-- Collapse: a message with a collapse key supersedes the subscriber's live message with
-- the same key (superseded_by = the new seq); the feed lists only live rows, resume
-- (readAfter) returns the new row with its new seq.

CREATE TABLE inbox_subscribers (
  tenant      text        NOT NULL,
  subscriber  text        NOT NULL,
  last_seq    bigint      NOT NULL DEFAULT 0,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant, subscriber)
);

-- Range-partitioned by month on created_at (the time the message was stored), like the
-- audit tables: the auditor's maintenance creates partitions ahead and drops expired
-- ones (HERALD_INBOX_RETENTION_MONTHS); InboxStore creates a month on first sight.
CREATE TABLE inbox_messages (
  tenant           text        NOT NULL,
  subscriber       text        NOT NULL,
  seq              bigint      NOT NULL,
  notification_id  text        NOT NULL,
  title            text        NOT NULL,
  body             text        NOT NULL,
  action_url       text,
  avatar           text,
  category         text,
  tags             text[]      NOT NULL DEFAULT '{}',
  data             jsonb,
  collapse_key     text,
  -- The seq of the live message this one replaced (same collapse key), if any.
  replaces_seq     bigint,
  -- The seq of the message that replaced this one; a superseded row is no longer listed.
  superseded_by    bigint,
  -- What a status event about this message needs (gateway: delivered, seen, read, archived).
  event_id         text        NOT NULL,
  event_type       text        NOT NULL,
  event_time       timestamptz NOT NULL,
  rule_id          text        NOT NULL,
  rule_version     integer     NOT NULL,
  -- The job's recipient ref (the subscriber is its in-app address; they often match).
  recipient_ref    text        NOT NULL,
  attempt          integer     NOT NULL,
  created_at       timestamptz NOT NULL,
  seen_at          timestamptz,
  read_at          timestamptz,
  archived_at      timestamptz,
  deleted          boolean     NOT NULL DEFAULT false,
  PRIMARY KEY (tenant, subscriber, seq, created_at)
) PARTITION BY RANGE (created_at);

-- Idempotency (a redelivered job) and mark/delete by id.
CREATE INDEX inbox_messages_notification_idx ON inbox_messages (tenant, subscriber, notification_id);
-- The live message of a collapse key.
CREATE INDEX inbox_messages_collapse_idx ON inbox_messages (tenant, subscriber, collapse_key)
  WHERE collapse_key IS NOT NULL AND superseded_by IS NULL;

-- The auditor's notifications row keeps when an in-app message was first seen, read
-- and archived (status states seen, read, archived, published by the gateway; they
-- rank above delivered: packages/store/src/audit-rows.ts). Nullable, no default: on a
-- partitioned table this is a catalogue change only, no rewrite.
ALTER TABLE notifications
  ADD COLUMN seen_at     timestamptz,
  ADD COLUMN read_at     timestamptz,
  ADD COLUMN archived_at timestamptz;
