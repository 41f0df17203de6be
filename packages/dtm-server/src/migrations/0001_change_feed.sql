-- The change feed: current version of every resource plus tombstones, partitioned by practice ODS
-- code (every key starts with it). See repo/changes.ts for why the feed position is (txid, seq).

CREATE TABLE dtm_meta (
  key   text PRIMARY KEY,
  value text NOT NULL
);

-- The epoch goes into every cursor; `dtm-server reset-epoch` changes it after a restore so that old
-- cursors are refused (409) instead of silently skipping changes.
INSERT INTO dtm_meta (key, value)
VALUES ('epoch', substr(md5(random()::text || clock_timestamp()::text), 1, 16));

CREATE TABLE practice (
  ods                 text PRIMARY KEY,
  name                text,
  created_at          timestamptz NOT NULL,
  -- roadmap item: the instant up to which the DTM reflects the live source (12 h limit)
  source_as_of        timestamptz,
  -- roadmap item: when data within the DTM was last updated
  last_updated_at     timestamptz,
  -- roadmap item: all updated data available within 6 h, measured per change
  changes_measured    bigint NOT NULL DEFAULT 0,
  changes_over_limit  bigint NOT NULL DEFAULT 0,
  max_delay_seconds   double precision,
  binary_count        bigint NOT NULL DEFAULT 0,
  binary_bytes        bigint NOT NULL DEFAULT 0
);

CREATE SEQUENCE change_seq AS bigint;

CREATE TABLE resource (
  practice           text   NOT NULL REFERENCES practice (ods),
  resource_type      text   NOT NULL,
  id                 text   NOT NULL,
  version_id         bigint NOT NULL,
  -- feed position: the writing transaction's id, then a sequence number within it
  txid               xid8   NOT NULL DEFAULT pg_current_xact_id(),
  seq                bigint NOT NULL DEFAULT nextval('change_seq'),
  deleted            boolean NOT NULL,
  -- the resource as served (meta.versionId and meta.lastUpdated set), kept as text and sent as-is
  body               text,
  -- SHA-256 of the canonical JSON without meta.versionId/lastUpdated: an equal upsert is a no-op
  content_hash       bytea,
  last_updated       timestamptz NOT NULL,
  available_at       timestamptz NOT NULL,
  source_updated_at  timestamptz,
  PRIMARY KEY (practice, resource_type, id),
  CHECK (deleted = (body IS NULL))
);

-- Keyset pagination of the feed: the cost of a page does not grow with the table.
CREATE INDEX resource_feed ON resource (practice, txid, seq);

CREATE TABLE resource_count (
  practice       text   NOT NULL REFERENCES practice (ods),
  resource_type  text   NOT NULL,
  live           bigint NOT NULL DEFAULT 0,
  deleted        bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (practice, resource_type)
);

CREATE TABLE ingest_batch (
  id               bigserial PRIMARY KEY,
  practice         text NOT NULL REFERENCES practice (ods),
  idempotency_key  text,
  request_hash     bytea NOT NULL,
  received_at      timestamptz NOT NULL,
  source_as_of     timestamptz NOT NULL,
  result           jsonb NOT NULL,
  UNIQUE (practice, idempotency_key)
);

CREATE TABLE binary_content (
  practice      text   NOT NULL REFERENCES practice (ods),
  id            text   NOT NULL,
  content_type  text   NOT NULL,
  size          bigint NOT NULL,
  sha256        bytea  NOT NULL,
  sha1          bytea  NOT NULL,
  upload_id     uuid   NOT NULL,
  stored_at     timestamptz NOT NULL,
  PRIMARY KEY (practice, id)
);

-- Binaries are written chunk by chunk outside any long transaction, then swapped into
-- binary_content in one short transaction.
CREATE TABLE binary_chunk (
  upload_id  uuid    NOT NULL,
  n          integer NOT NULL,
  data       bytea   NOT NULL,
  PRIMARY KEY (upload_id, n)
);
