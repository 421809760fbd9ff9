-- 0011: tenants, their API keys, topics (named subscriber groups), and who wrote
-- configuration through the API.
--
-- Tenants already exist as a text value on every row (events' `tenantid`, recipients,
-- notifications, rules' `tenant:`); this table lists the ones the API serves. Existing
-- rows keep their text tenant; nothing references this table from the audit tables.

CREATE TABLE tenants (
  -- Lower-case letters, digits, "_" and "-": it prefixes rule ids ("acme.orders") and
  -- policy ids, so it never holds a "." of its own.
  id          text        PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
  name        text        NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);

-- A key is `hk_<id>_<secret>`, shown once. Only SHA-256(secret) is stored: the secret
-- is 32 random bytes (256 bits), so the hash cannot be reversed by guessing, and a
-- slow password hash (bcrypt, argon2) would only add milliseconds to every request.
CREATE TABLE api_keys (
  id           text        PRIMARY KEY CHECK (id ~ '^[a-z0-9]{12}$'),
  tenant       text        NOT NULL REFERENCES tenants (id),
  name         text        NOT NULL,
  -- `hk_<id>`: what lists and logs show to tell keys apart.
  prefix       text        NOT NULL,
  secret_hash  bytea       NOT NULL CHECK (length(secret_hash) = 32),
  scopes       text[]      NOT NULL CHECK (cardinality(scopes) > 0
                             AND scopes <@ ARRAY['admin', 'publish', 'read']::text[]),
  created_by   text        NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  revoked_at   timestamptz,
  last_used_at timestamptz,
  -- Set on the key a rotation made: the key it replaces.
  rotated_from text        REFERENCES api_keys (id)
);

CREATE INDEX api_keys_tenant_idx ON api_keys (tenant, created_at);

-- Writes through the API name their tenant and key (actor stays the readable name).
ALTER TABLE config_audit_log ADD COLUMN tenant text, ADD COLUMN api_key_id text;
CREATE INDEX config_audit_log_tenant_idx ON config_audit_log (tenant, occurred_at);

-- Topics: named groups of a tenant's recipients; a rule's `recipients: ["topic:on-call"]`
-- stands for every subscriber of topic `on-call`.
CREATE TABLE topic_subscribers (
  tenant       text        NOT NULL,
  topic        text        NOT NULL CHECK (topic ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$'),
  recipient_id text        NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant, topic, recipient_id),
  FOREIGN KEY (tenant, recipient_id) REFERENCES recipients (tenant, id) ON DELETE CASCADE
);
