-- 0009: address states (issue 17). A push provider's answer that a device token or
-- Web Push subscription is gone (APNs 410 / BadDeviceToken, Web Push 404/410, FCM
-- UNREGISTERED) marks the address invalid for its tenant and channel, so the router
-- suppresses later jobs to it (`address_invalid`) and the worker does not send them.
--
-- Keyed by a hash of the normalised address (core's addressRef), not by recipient: the
-- worker knows the address, not always a stored recipient (inline recipients, fixed
-- channel addresses), one token may sit under several recipients, and the raw token
-- (a credential-like value) never lands in this table. A separate table rather than a
-- column on recipient_addresses, because RecipientStore.upsert rewrites those rows.
-- Re-registering the address (a recipient upsert carrying it, registered after the
-- mark) deletes the row.
CREATE TABLE address_states (
  tenant          text        NOT NULL,
  channel         text        NOT NULL,
  address_ref     text        NOT NULL CHECK (address_ref ~ '^addr-[0-9a-f]{24}$'),
  state           text        NOT NULL CHECK (state IN ('invalid')),
  -- The provider's answer, e.g. "invalid-token (Unregistered)".
  reason          text        NOT NULL CHECK (length(reason) BETWEEN 1 AND 1000),
  provider        text        NOT NULL,
  -- The notification whose attempt found it, for tracing back to the audit rows.
  notification_id uuid,
  marked_at       timestamptz NOT NULL,
  PRIMARY KEY (tenant, channel, address_ref)
);
