-- 0005: rate-limit policies, read by workers (packages/ratelimit runs them in Redis).
--
-- A policy is "limit per period_ms" for every subject of its scope: one recipient
-- address, a whole channel, a provider account, or a tenant. tenant / channel /
-- provider narrow which jobs it applies to (NULL = all). GCRA: requests are spaced
-- period_ms / limit apart with `burst` allowed back to back (1 = never more than
-- `limit` in any window of period_ms). Over the limit a job waits for the next allowed
-- time ('defer') or is suppressed with the reason ('drop'). bypass_critical lets
-- `critical` jobs through.

CREATE TABLE rate_limit_policies (
  id              text        PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9._-]{1,100}$'),
  scope           text        NOT NULL CHECK (scope IN ('recipient', 'channel', 'provider', 'tenant')),
  tenant          text,
  channel         text,
  provider        text,
  "limit"         integer     NOT NULL CHECK ("limit" > 0),
  period_ms       bigint      NOT NULL CHECK (period_ms > 0),
  burst           integer     NOT NULL DEFAULT 1 CHECK (burst > 0),
  action          text        NOT NULL DEFAULT 'defer' CHECK (action IN ('defer', 'drop')),
  bypass_critical boolean     NOT NULL DEFAULT true,
  enabled         boolean     NOT NULL DEFAULT true,
  description     text,
  updated_at      timestamptz NOT NULL DEFAULT now()
);
