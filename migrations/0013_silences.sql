-- 0013: silences (docs/rules.md, "Silences"): time-bounded label matchers over events
-- (tenant, type, severity, source, any CloudEvents extension). Routers poll the ones
-- that have not ended and suppress matching notifications with reason `silenced`.
-- Created and expired by `herald silences`; each change also writes a
-- config_audit_log row (entity_type 'silence'). Expiring sets ends_at to the time of
-- expiry (as Alertmanager does), so "active" is only ever starts_at <= now < ends_at.

CREATE TABLE silences (
  id          uuid        PRIMARY KEY,
  -- [{"name": "service", "op": "=~", "value": "db-.*"}, ...]; checked by the CLI.
  matchers    jsonb       NOT NULL CHECK (jsonb_typeof(matchers) = 'array' AND jsonb_array_length(matchers) > 0),
  starts_at   timestamptz NOT NULL,
  ends_at     timestamptz NOT NULL,
  created_by  text        NOT NULL CHECK (created_by <> ''),
  comment     text        NOT NULL CHECK (comment <> ''),
  created_at  timestamptz NOT NULL DEFAULT now(),
  expired_at  timestamptz,
  expired_by  text,
  CHECK (ends_at > starts_at)
);

-- What routers poll: the silences not ended yet.
CREATE INDEX silences_ends_at_idx ON silences (ends_at);
