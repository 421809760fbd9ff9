-- An event's outcome said `delivered` when its notifications were only `sent`: a
-- provider accepting a message is not the message arriving (only a receipt says that,
-- docs/status-events.md). From now on (AuditStore computes it on every write):
--   delivered  every notification that succeeded is `delivered`
--   sent       every one succeeded, some only `sent` (no receipt, or not yet)
-- pending, suppressed, failed and partial are unchanged. This corrects the rows
-- written before; it is safe to run again.
UPDATE events e
SET outcome = 'sent'
WHERE e.outcome = 'delivered'
  AND EXISTS (
    SELECT 1 FROM notifications n
    WHERE n.event_id = e.event_id AND n.tenant = e.tenant AND n.event_time = e.event_time
      AND n.state = 'sent');

COMMENT ON COLUMN events.outcome IS
  'pending · delivered (every success a receipt of arrival) · sent (every one succeeded, some only accepted by the provider) · suppressed · failed · partial';

COMMENT ON VIEW audit_event_outcomes IS
  'Each accepted event with its outcome and counts. Not known to have arrived: WHERE outcome <> ''delivered''; accepted by every provider: outcome IN (''delivered'', ''sent'')';
