-- The weekend cutover: one migration of a practice from the Source supplier (the publisher that
-- registers it) to a Target supplier (the consumer named in it), its state machine
-- (domain/migration-states.ts), every move with who made it, and the full initial extracts each
-- consumer made (CSMP Step 9: no more than 5 iterations of Data Extracts).
--
-- CSMP section 4.5: the Supplier "shall retain comprehensive evidence relating to each relevant stage
-- of the agreed migration process"; so the history is append-only, like the access log.

CREATE TABLE migration (
  id                     uuid PRIMARY KEY,
  -- registration order; "the practice's migration" is its latest by this
  seq                    bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  practice               text NOT NULL REFERENCES practice (ods),
  source_client_id       text NOT NULL REFERENCES client (id),
  target_client_id       text NOT NULL REFERENCES client (id),
  state                  text NOT NULL CHECK (state IN ('registered', 'syncing', 'readiness-confirmed', 'cutover-started',
                           'source-frozen', 'target-complete', 'business-go-live', 'run-off', 'accepted', 'aborted')),
  registered_at          timestamptz NOT NULL,
  updated_at             timestamptz NOT NULL,
  -- the plan: a Friday 17:00 Europe/London start (roadmap item), go-live, readiness 14 days before
  planned_cutover_start  timestamptz NOT NULL,
  planned_go_live        timestamptz NOT NULL CHECK (planned_go_live > planned_cutover_start),
  readiness_deadline     timestamptz NOT NULL,
  run_off_days           integer NOT NULL CHECK (run_off_days BETWEEN 0 AND 365),
  -- fixed at source-frozen: the feed position after which there will be nothing more
  final_txid             xid8,
  final_seq              bigint,
    frozen_at              timestamptz,
  -- at target-complete: the server's digest totals the Target's matched ({live, deleted, digest}),
  -- kept as evidence for the Data Acceptance and Technical Go-Live notices
  completion             jsonb,
  target_complete_at     timestamptz,
  business_go_live_at    timestamptz,
  accepted_at            timestamptz,
  aborted_at             timestamptz,
  CHECK ((final_txid IS NULL) = (final_seq IS NULL))
);

-- One live migration per practice; a new one may follow an accepted or aborted one.
CREATE UNIQUE INDEX migration_live ON migration (practice) WHERE state NOT IN ('accepted', 'aborted');
-- The practice's latest migration (ingest checks it for the freeze on every write).
CREATE INDEX migration_practice ON migration (practice, seq DESC);

CREATE TABLE migration_transition (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  migration_id  uuid NOT NULL REFERENCES migration (id),
  -- null for the registration
  from_state    text,
  to_state      text NOT NULL,
  client_id     text NOT NULL REFERENCES client (id),
  role          text NOT NULL CHECK (role IN ('publisher', 'consumer')),
  at            timestamptz NOT NULL,
  -- the client's words: stored and served, never logged
  note          text
);
CREATE INDEX migration_transition_migration ON migration_transition (migration_id, id);

CREATE FUNCTION migration_transition_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'migration_transition is append-only';
END $$;
CREATE TRIGGER migration_transition_no_change BEFORE UPDATE OR DELETE ON migration_transition
  FOR EACH ROW EXECUTE FUNCTION migration_transition_append_only();
CREATE TRIGGER migration_transition_no_truncate BEFORE TRUNCATE ON migration_transition
  FOR EACH STATEMENT EXECUTE FUNCTION migration_transition_append_only();

-- A consumer's feed read with no `since` is a full initial extract: one extract iteration.
CREATE TABLE migration_extract (
  migration_id  uuid NOT NULL REFERENCES migration (id),
  client_id     text NOT NULL REFERENCES client (id),
  count         integer NOT NULL CHECK (count > 0),
  last_at       timestamptz NOT NULL,
  PRIMARY KEY (migration_id, client_id)
);
