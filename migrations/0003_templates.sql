-- 0003: templates, partials and layouts, versioned per channel and locale.
--
-- Contract (packages/store/src/templates-store.ts):
-- * template_applies: one row per apply that changed something; its `revision` is
--   the marker workers poll (max(revision)) to hot-reload templates.
-- * template_versions: every saved version of a template (id, channel, locale).
--   A save whose parts are unchanged (same checksum) adds nothing. Rows are never
--   updated or deleted: a job pinned to "id@3" renders the same text forever.
-- * template_fragments: every saved version of a partial or an email layout
--   (kind, name, locale); the latest version of each is in use.
-- Writers serialise on pg_advisory_xact_lock(hashtext('herald.templates')).

CREATE TABLE template_applies (
  revision    bigserial   PRIMARY KEY,
  applied_by  text        NOT NULL,
  applied_at  timestamptz NOT NULL DEFAULT now(),
  summary     jsonb       NOT NULL
);

CREATE TABLE template_versions (
  id          text        NOT NULL,
  channel     text        NOT NULL,
  locale      text        NOT NULL,
  version     integer     NOT NULL CHECK (version > 0),
  parts       jsonb       NOT NULL,
  sample_data jsonb,
  checksum    text        NOT NULL,
  revision    bigint      NOT NULL REFERENCES template_applies (revision),
  created_by  text        NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (id, channel, locale, version)
);

CREATE TABLE template_fragments (
  kind        text        NOT NULL CHECK (kind IN ('partial', 'layout')),
  name        text        NOT NULL,
  locale      text        NOT NULL,
  version     integer     NOT NULL CHECK (version > 0),
  source      text        NOT NULL,
  checksum    text        NOT NULL,
  revision    bigint      NOT NULL REFERENCES template_applies (revision),
  created_by  text        NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (kind, name, locale, version)
);
