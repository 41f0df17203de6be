-- Security: client credentials (RFC 7523 signed-JWT assertions), per-practice grants with the agreed
-- retrieval terms, opaque access tokens stored hashed, assertion replay protection, retrieval sessions
-- and an append-only access log.

CREATE TABLE client (
  id          text PRIMARY KEY,
  name        text NOT NULL,
  -- publisher: a Source supplier's system, may only ingest; consumer: a Target supplier's sync client, may only read
  role        text NOT NULL CHECK (role IN ('publisher', 'consumer')),
  jwks        jsonb,
  jwks_url    text,
  created_at  timestamptz NOT NULL,
  revoked_at  timestamptz,
  CHECK ((jwks IS NULL) <> (jwks_url IS NULL))
);

CREATE TABLE client_grant (
  id                   bigserial PRIMARY KEY,
  client_id            text NOT NULL REFERENCES client (id),
  practice             text NOT NULL,
  -- the migration period; null means open-ended
  valid_from           timestamptz,
  valid_until          timestamptz,
  -- roadmap item: more than one retrieval within 24 h only as agreed with the Source supplier
  sessions_per_day     integer NOT NULL DEFAULT 1 CHECK (sessions_per_day > 0),
  requests_per_minute  integer NOT NULL DEFAULT 600 CHECK (requests_per_minute > 0),
  created_at           timestamptz NOT NULL,
  revoked_at           timestamptz
);
CREATE UNIQUE INDEX client_grant_active ON client_grant (client_id, practice) WHERE revoked_at IS NULL;
CREATE INDEX client_grant_practice ON client_grant (practice);

CREATE TABLE access_token (
  token_hash  bytea PRIMARY KEY,
  client_id   text NOT NULL REFERENCES client (id),
  scopes      text[] NOT NULL,
  issued_at   timestamptz NOT NULL,
  expires_at  timestamptz NOT NULL
);
CREATE INDEX access_token_expiry ON access_token (expires_at);

-- RFC 7523 §3: a jti is used once; remembered until the assertion it came with expires
CREATE TABLE assertion_jti (
  client_id   text NOT NULL,
  jti         text NOT NULL,
  expires_at  timestamptz NOT NULL,
  PRIMARY KEY (client_id, jti)
);

-- A retrieval session: a run of feed requests by one consumer for one practice with no long gap
CREATE TABLE retrieval_session (
  id          bigserial PRIMARY KEY,
  client_id   text NOT NULL REFERENCES client (id),
  practice    text NOT NULL,
  started_at  timestamptz NOT NULL,
  last_at     timestamptz NOT NULL,
  requests    bigint NOT NULL DEFAULT 1
);
CREATE INDEX retrieval_session_recent ON retrieval_session (client_id, practice, started_at DESC);

CREATE TABLE access_log (
  id           bigserial PRIMARY KEY,
  at           timestamptz NOT NULL,
  request_id   text,
  client_id    text,
  practice     text,
  method       text NOT NULL,
  route        text NOT NULL,
  status       integer NOT NULL,
  outcome      text NOT NULL,
  resources    integer NOT NULL DEFAULT 0,
  binaries     integer NOT NULL DEFAULT 0,
  cursor_from  text,
  cursor_to    text,
  ip           text
);
CREATE INDEX access_log_practice ON access_log (practice, at);

CREATE FUNCTION access_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'access_log is append-only';
END $$;
CREATE TRIGGER access_log_no_change BEFORE UPDATE OR DELETE ON access_log
  FOR EACH ROW EXECUTE FUNCTION access_log_append_only();
CREATE TRIGGER access_log_no_truncate BEFORE TRUNCATE ON access_log
  FOR EACH STATEMENT EXECUTE FUNCTION access_log_append_only();
