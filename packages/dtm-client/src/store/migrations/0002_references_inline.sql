-- A resource's patient-record references (subject, patient, encounter) move into the resource's own
-- row, as 'Type/id' strings. As a table of their own (a row and two index entries per reference,
-- and a delete for each replaced resource) they cost PostgreSQL more than the resources themselves
-- in the initial extract (issue 7, bench client-e2e's pg_stat_activity samples). The row is now
-- replaced with its references in one write, and the unresolved-reference check reads them from it.
ALTER TABLE dtm_resource ADD COLUMN refs text[];

UPDATE dtm_resource f
   SET refs = r.refs
  FROM (SELECT practice, from_type, from_id, array_agg(to_type || '/' || to_id ORDER BY to_type, to_id) AS refs
          FROM dtm_reference GROUP BY practice, from_type, from_id) r
 WHERE f.practice = r.practice AND f.resource_type = r.from_type AND f.id = r.from_id;

DROP TABLE dtm_reference;
