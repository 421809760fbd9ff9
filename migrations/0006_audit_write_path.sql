-- 0006: a lighter write path for the auditor (docs/status-events.md, "Throughput").
--
-- status_events is the raw stream; every question users ask of it by recipient, by
-- event id, by tenant + state + time or by provider message id is answered by
-- `notifications` (which carries the same columns, one row per notification, with its
-- own index for each), and a notification's statuses are then read by
-- (notification_id, event_time) through status_events_notification_idx. These four
-- indexes duplicated that work on the table with the most rows: every status event
-- paid six index insertions, now two (the primary key and the notification index).
-- Measured with the auditor bench (apps/auditor/bench): see docs/status-events.md.
DROP INDEX IF EXISTS status_events_tenant_state_idx;
DROP INDEX IF EXISTS status_events_event_idx;
DROP INDEX IF EXISTS status_events_recipient_idx;
DROP INDEX IF EXISTS status_events_provider_message_idx;
