-- The data-issues channel (roadmap item: "The TSS will notify the SSS of any issues they find with the
-- data in a timely manner, such that the weekend cutover can be completed"; "The SSS will respond to
-- any data issues raised by the TSS in a timely manner"). A consumer raises an issue about named
-- resources; the publisher answers it; every answer and status change is kept in data_issue_response.
-- The allowed status changes are in domain/issue-states.ts.

CREATE TABLE data_issue (
  id                 uuid PRIMARY KEY,
  -- raise order within the DTM; the list is keyset-paginated by it (drawn under the practice's issue
  -- lock, see repo/issues.ts, so a reader paging by it never skips a raise)
  seq                bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  practice           text NOT NULL REFERENCES practice (ods),
  raised_by          text NOT NULL REFERENCES client (id),
  raised_at          timestamptz NOT NULL,
  updated_at         timestamptz NOT NULL,
  -- when the issue last became open (raised, or reopened by a re-raise): the unanswered clock
  opened_at          timestamptz NOT NULL,
  severity           text NOT NULL CHECK (severity IN ('error', 'warning', 'information')),
  -- rule, message and resources come from the client and may name patient data: stored and served,
  -- never logged
  rule               text NOT NULL,
  message            text NOT NULL,
  resources          jsonb NOT NULL,
  client_reference   text,
  status             text NOT NULL CHECK (status IN ('open', 'acknowledged', 'resolved', 'wont-fix', 'closed')),
  -- the first publisher answer: the issue's response time (roadmap item: respond in a timely manner)
  first_response_at  timestamptz
);

-- Listing a practice's issues, oldest raise first, by keyset.
CREATE INDEX data_issue_list ON data_issue (practice, seq);
-- A client's own key for an issue: raising it again updates the same issue.
CREATE UNIQUE INDEX data_issue_client_reference ON data_issue (practice, raised_by, client_reference)
  WHERE client_reference IS NOT NULL;
-- /status counts the open ones and finds the oldest unanswered.
CREATE INDEX data_issue_open ON data_issue (practice, opened_at) WHERE status IN ('open', 'acknowledged');

CREATE TABLE data_issue_response (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  issue_id   uuid NOT NULL REFERENCES data_issue (id),
  client_id  text NOT NULL REFERENCES client (id),
  role       text NOT NULL CHECK (role IN ('publisher', 'consumer')),
  status     text NOT NULL CHECK (status IN ('open', 'acknowledged', 'resolved', 'wont-fix', 'closed')),
  comment    text,
  at         timestamptz NOT NULL
);
CREATE INDEX data_issue_response_issue ON data_issue_response (issue_id, id);
