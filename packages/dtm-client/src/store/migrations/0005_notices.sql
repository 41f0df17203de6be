-- Warnings about a record's current version (a resource type a GP record does not use, a Patient
-- without an NHS number, a Coding without a system): kept, like the quarantine's errors, so that they
-- reach the Source as data issues of severity warning. The record itself is not quarantined.
CREATE TABLE dtm_notice (
  practice       text   NOT NULL,
  resource_type  text   NOT NULL,
  id             text   NOT NULL,
  version_id     bigint NOT NULL,
  issues         jsonb  NOT NULL,
  noted_at       timestamptz NOT NULL,
  PRIMARY KEY (practice, resource_type, id)
);
