-- The Target's staging store: the current version of every resource of each practice (tombstones
-- included), quarantined records with their validation issues, binaries to fetch and fetched, the
-- checkpoint, and the figures the roadmap item asks for (6 h consumption, 12 h freshness).

CREATE TABLE dtm_checkpoint (
  practice                      text PRIMARY KEY,
  server_url                    text NOT NULL,
  -- the feed cursor after the last applied page; null means read from the beginning
  cursor                        text,
  resyncs                       integer NOT NULL DEFAULT 0,
  initial_extract_completed_at  timestamptz,
  updated_at                    timestamptz NOT NULL
);

CREATE TABLE dtm_resource (
  practice       text    NOT NULL,
  resource_type  text    NOT NULL,
  id             text    NOT NULL,
  version_id     bigint  NOT NULL,
  deleted        boolean NOT NULL,
  -- kept as text: nothing here queries inside it, and parsing into jsonb would dominate apply time
  body           text,
  last_updated   timestamptz NOT NULL,
  available_at   timestamptz NOT NULL,
  applied_at     timestamptz NOT NULL,
  valid          boolean NOT NULL,
  PRIMARY KEY (practice, resource_type, id)
);

-- A record that fails validation is stored like any other (above) and listed here with its issues:
-- never dropped, never "fixed".
CREATE TABLE dtm_quarantine (
  practice        text   NOT NULL,
  resource_type   text   NOT NULL,
  id              text   NOT NULL,
  version_id      bigint NOT NULL,
  issues          jsonb  NOT NULL,
  quarantined_at  timestamptz NOT NULL,
  PRIMARY KEY (practice, resource_type, id)
);

CREATE TABLE dtm_binary (
  practice       text NOT NULL,
  id             text NOT NULL,
  state          text NOT NULL CHECK (state IN ('pending', 'verified', 'failed')),
  -- from the DocumentReference attachment (FHIR R4: size, base64 SHA-1 hash), when given
  expected_size  bigint,
  expected_sha1  text,
  size           bigint,
  sha256         text,
  content_type   text,
  attempts       integer NOT NULL DEFAULT 0,
  error          text,
  updated_at     timestamptz NOT NULL,
  PRIMARY KEY (practice, id)
);

-- Roadmap item: the Target consumes data within 6 h of it being made available. Exact count, max
-- and breaches, and a histogram for percentiles (flat in size whatever the practice).
CREATE TABLE dtm_consumption (
  practice           text PRIMARY KEY,
  changes            bigint NOT NULL DEFAULT 0,
  over_limit         bigint NOT NULL DEFAULT 0,
  max_delay_seconds  double precision
);
CREATE TABLE dtm_consumption_bucket (
  practice     text NOT NULL,
  le_seconds   double precision NOT NULL,
  changes      bigint NOT NULL,
  PRIMARY KEY (practice, le_seconds)
);

-- One row per sync/follow run: what the server said about freshness at the time (12 h rule).
CREATE TABLE dtm_sync_run (
  id                  bigserial PRIMARY KEY,
  practice            text NOT NULL,
  mode                text NOT NULL,
  started_at          timestamptz NOT NULL,
  finished_at         timestamptz,
  pages               integer NOT NULL DEFAULT 0,
  changes             bigint NOT NULL DEFAULT 0,
  source_as_of        timestamptz,
  server_last_updated timestamptz,
  outcome             text,
  error               text
);
CREATE INDEX dtm_sync_run_practice ON dtm_sync_run (practice, started_at DESC);

-- Data issues this client raised with the DTM, one per (rule, resource type) of quarantined records:
-- lets a later version that passes close the issue.
CREATE TABLE dtm_issue (
  practice          text NOT NULL,
  client_reference  text NOT NULL,
  issue_id          text NOT NULL,
  resources         integer NOT NULL,
  status            text NOT NULL,
  updated_at        timestamptz NOT NULL,
  PRIMARY KEY (practice, client_reference)
);

-- The patient-record references of each resource (subject, patient, encounter), so that references
-- which do not resolve within the practice (a Condition whose subject is absent) can be reported.
CREATE TABLE dtm_reference (
  practice   text NOT NULL,
  from_type  text NOT NULL,
  from_id    text NOT NULL,
  to_type    text NOT NULL,
  to_id      text NOT NULL,
  PRIMARY KEY (practice, from_type, from_id, to_type, to_id)
);
CREATE INDEX dtm_reference_target ON dtm_reference (practice, to_type, to_id);
