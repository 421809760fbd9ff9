-- 0002: rules with full version history, recipients with their addresses,
-- preferences (per recipient and tenant defaults), and the config audit log.
--
-- Rules: one rule set per installation (rules carry their own `tenant`). Every
-- apply that changes something is a new row in rule_set_versions holding the file
-- as applied; each rule whose definition changed gets a new revision in
-- rule_revisions; rule_set_members says which revision of which rule each set
-- version contains. Rows are never updated or deleted: a rollback re-applies an
-- old version's file as a new version. Writers serialise on
-- pg_advisory_xact_lock(hashtext('herald_rules')).

CREATE TABLE rule_set_versions (
  version          integer     PRIMARY KEY CHECK (version > 0),
  kind             text        NOT NULL CHECK (kind IN ('apply', 'rollback')),
  -- For a rollback: the version whose file was re-applied.
  rolled_back_from integer     REFERENCES rule_set_versions (version),
  source           text        NOT NULL,
  source_name      text        NOT NULL,
  checksum         text        NOT NULL,
  -- { "added": [ids], "changed": [ids], "removed": [ids] } against the previous version.
  summary          jsonb       NOT NULL,
  applied_by       text        NOT NULL,
  applied_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE rule_revisions (
  rule_id     text        NOT NULL,
  revision    integer     NOT NULL CHECK (revision > 0),
  -- The rule as canonical JSON (no positions, no version); equal JSON = same rule.
  definition  jsonb       NOT NULL,
  checksum    text        NOT NULL,
  set_version integer     NOT NULL REFERENCES rule_set_versions (version),
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (rule_id, revision)
);

CREATE TABLE rule_set_members (
  set_version integer NOT NULL REFERENCES rule_set_versions (version),
  rule_id     text    NOT NULL,
  revision    integer NOT NULL,
  position    integer NOT NULL,
  PRIMARY KEY (set_version, rule_id),
  FOREIGN KEY (rule_id, revision) REFERENCES rule_revisions (rule_id, revision)
);

-- Who changed which configuration, when, and what changed. One row per rules
-- apply or rollback; other configuration (templates, policies) adds its own
-- entity types.
CREATE TABLE config_audit_log (
  id          bigserial   PRIMARY KEY,
  occurred_at timestamptz NOT NULL DEFAULT now(),
  actor       text        NOT NULL,
  action      text        NOT NULL,
  entity_type text        NOT NULL,
  entity_id   text        NOT NULL,
  version     integer,
  details     jsonb       NOT NULL DEFAULT '{}'
);

CREATE INDEX config_audit_log_entity_idx ON config_audit_log (entity_type, entity_id, occurred_at);

-- Recipients: people (or systems) notified through rules' `recipients`, by id,
-- within a tenant.
CREATE TABLE recipients (
  tenant      text        NOT NULL,
  id          text        NOT NULL,
  locale      text,
  timezone    text,
  -- What rules may test: recipient.attributes.team == "payments".
  attributes  jsonb       NOT NULL DEFAULT '{}',
  -- Own preferences (see docs/rules.md "Preferences"), overlaid on the tenant's.
  preferences jsonb,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant, id)
);

-- One address per recipient and channel: e-mail, E.164 phone, push token, chat
-- handle, webhook URL.
CREATE TABLE recipient_addresses (
  tenant       text NOT NULL,
  recipient_id text NOT NULL,
  channel      text NOT NULL CHECK (channel IN ('email', 'sms', 'push', 'slack', 'discord',
                 'webhook', 'pagerduty', 'teams', 'telegram', 'inapp')),
  address      text NOT NULL CHECK (length(address) BETWEEN 1 AND 4096),
  PRIMARY KEY (tenant, recipient_id, channel),
  FOREIGN KEY (tenant, recipient_id) REFERENCES recipients (tenant, id) ON DELETE CASCADE,
  CHECK (channel <> 'sms' OR address ~ '^\+[1-9][0-9]{6,14}$'),
  CHECK (channel <> 'email' OR address ~ '^[^@\s]+@[^@\s]+$'),
  CHECK (channel <> 'webhook' OR address ~ '^https?://')
);

CREATE TABLE tenant_preferences (
  tenant      text        PRIMARY KEY,
  preferences jsonb       NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now()
);
