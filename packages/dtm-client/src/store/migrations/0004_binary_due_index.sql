-- The binaries still to fetch, by practice and id: each documents pass asks for the next few in id
-- order (store.ts pendingBinaries). Through the primary key it stepped over every binary already
-- verified, again for each batch of 48: work that grows with the square of a practice's documents
-- (2.6% of the Target's pg_stat_activity samples at 10,000 patients, issue 7; the largest practice
-- has about nine times as many). This index holds only the rows not yet verified.
CREATE INDEX dtm_binary_due ON dtm_binary (practice, id) WHERE state IN ('pending', 'failed');
