-- Announces every change to who may read what (clients, their grants, their access tokens) on the
-- channel 'dtm_access', delivered on commit to every server process. Each process keeps the tokens
-- and grants it has looked up (services/access-cache.ts) only until the next such announcement, so a
-- revocation still applies at once, while a sync's thousands of document downloads no longer read
-- the token and the grant again for every request (issue 7: they were a third of each download's
-- database work). Triggers, not application code: a revocation by SQL or any tool is announced too.
CREATE FUNCTION dtm_announce_access_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('dtm_access', TG_TABLE_NAME);
  RETURN NULL;
END;
$$;

CREATE TRIGGER client_access_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON client
  FOR EACH STATEMENT EXECUTE FUNCTION dtm_announce_access_change();
CREATE TRIGGER client_grant_access_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON client_grant
  FOR EACH STATEMENT EXECUTE FUNCTION dtm_announce_access_change();
-- Not on INSERT: a new token changes no token already looked up, and tokens are issued often. Per
-- row, not per statement: the occasional purge of expired tokens that deletes nothing (services/
-- tokens.ts) then announces nothing. PostgreSQL sends a transaction's identical notifications once.
CREATE TRIGGER access_token_change AFTER UPDATE OR DELETE ON access_token
  FOR EACH ROW EXECUTE FUNCTION dtm_announce_access_change();
CREATE TRIGGER access_token_truncate AFTER TRUNCATE ON access_token
  FOR EACH STATEMENT EXECUTE FUNCTION dtm_announce_access_change();
