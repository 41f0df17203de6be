// Data issues and their responses (migration 0003). Rule, message and resources are the client's
// words and may name patient data: they are stored and served, never logged.
import type { DataIssueResource, DataIssueSeverity, DataIssueStatus, Role } from '@dtm/shared';
import type { Pool, PoolClient } from '../db/pool.ts';

type Db = Pool | PoolClient;

export interface IssueRow {
  id: string;
  seq: number;
  practice: string;
  raised_by: string;
  raised_at: Date;
  updated_at: Date;
  opened_at: Date;
  severity: DataIssueSeverity;
  rule: string;
  message: string;
  resources: DataIssueResource[];
  client_reference: string | null;
  status: DataIssueStatus;
  first_response_at: Date | null;
}

export interface ResponseRow {
  issue_id: string;
  client_id: string;
  role: Role;
  status: DataIssueStatus;
  comment: string | null;
  at: Date;
}

const COLUMNS = `id, seq, practice, raised_by, raised_at, updated_at, opened_at, severity, rule, message,
  resources, client_reference, status, first_response_at`;

/**
 * Serialises raises within one practice until the transaction ends. The list is paged by `seq`, and
 * sequence numbers become visible in commit order, not draw order: two overlapping raises could
 * commit 6 before 5, and a reader that had already paged past 6 would never see 5. Drawing `seq`
 * only under this lock makes a practice's raises commit in `seq` order. Its own key, apart from the
 * feed's write lock (repo/practices.ts), so a raise never waits for an ingest batch.
 */
export async function lockPracticeIssues(client: PoolClient, ods: string): Promise<void> {
  await client.query('SELECT pg_advisory_xact_lock(7300404, hashtext($1))', [ods]);
}

export async function findByClientReference(client: PoolClient, ods: string, raisedBy: string, clientReference: string): Promise<IssueRow | null> {
  const res = await client.query<IssueRow>(
    `SELECT ${COLUMNS} FROM data_issue
      WHERE practice = $1 AND raised_by = $2 AND client_reference = $3
      FOR UPDATE`,
    [ods, raisedBy, clientReference],
  );
  return res.rows[0] ?? null;
}

export interface NewIssue {
  id: string;
  practice: string;
  raisedBy: string;
  at: Date;
  severity: DataIssueSeverity;
  rule: string;
  message: string;
  resources: DataIssueResource[];
  clientReference: string | null;
}

export async function insertIssue(client: PoolClient, i: NewIssue): Promise<IssueRow> {
  const res = await client.query<IssueRow>(
    `INSERT INTO data_issue (id, practice, raised_by, raised_at, updated_at, opened_at, severity, rule, message, resources, client_reference, status)
     VALUES ($1, $2, $3, $4, $4, $4, $5, $6, $7, $8::jsonb, $9, 'open')
     RETURNING ${COLUMNS}`,
    [i.id, i.practice, i.raisedBy, i.at, i.severity, i.rule, i.message, JSON.stringify(i.resources), i.clientReference],
  );
  return res.rows[0]!;
}

export interface Reraise {
  severity: DataIssueSeverity;
  message: string;
  resources: DataIssueResource[];
  status: DataIssueStatus;
  openedAt: Date;
  at: Date;
}

export async function updateRaise(client: PoolClient, id: string, u: Reraise): Promise<IssueRow> {
  const res = await client.query<IssueRow>(
    `UPDATE data_issue
        SET severity = $2, message = $3, resources = $4::jsonb, status = $5, opened_at = $6, updated_at = $7
      WHERE id = $1
      RETURNING ${COLUMNS}`,
    [id, u.severity, u.message, JSON.stringify(u.resources), u.status, u.openedAt, u.at],
  );
  return res.rows[0]!;
}

/** The issue if it belongs to the practice; `forUpdate` locks it for a status change. */
export async function getIssue(db: Db, ods: string, id: string, forUpdate = false): Promise<IssueRow | null> {
  const res = await db.query<IssueRow>(
    `SELECT ${COLUMNS} FROM data_issue WHERE practice = $1 AND id = $2${forUpdate ? ' FOR UPDATE' : ''}`,
    [ods, id],
  );
  return res.rows[0] ?? null;
}

export interface IssueFilter {
  statuses: DataIssueStatus[] | null;
  rule: string | null;
  after: number;
  limit: number;
}

/** Keyset page in raise order (data_issue_list index): the cost does not grow with the practice's issues. */
export async function listIssues(db: Db, ods: string, f: IssueFilter): Promise<IssueRow[]> {
  const res = await db.query<IssueRow>(
    `SELECT ${COLUMNS} FROM data_issue
      WHERE practice = $1 AND seq > $2
        AND ($3::text[] IS NULL OR status = ANY ($3::text[]))
        AND ($4::text IS NULL OR rule = $4)
      ORDER BY seq
      LIMIT $5`,
    [ods, f.after, f.statuses, f.rule, f.limit],
  );
  return res.rows;
}

/** Responses of the given issues, oldest first. */
export async function responsesOf(db: Db, issueIds: string[]): Promise<ResponseRow[]> {
  if (issueIds.length === 0) return [];
  const res = await db.query<ResponseRow>(
    `SELECT issue_id, client_id, role, status, comment, at FROM data_issue_response
      WHERE issue_id = ANY ($1::uuid[])
      ORDER BY id`,
    [issueIds],
  );
  return res.rows;
}

export async function insertResponse(client: PoolClient, r: ResponseRow): Promise<void> {
  await client.query(
    'INSERT INTO data_issue_response (issue_id, client_id, role, status, comment, at) VALUES ($1, $2, $3, $4, $5, $6)',
    [r.issue_id, r.client_id, r.role, r.status, r.comment, r.at],
  );
}

/** Sets the status; `answeredAt` (a publisher answer) sets first_response_at unless already set. */
export async function setStatus(client: PoolClient, id: string, status: DataIssueStatus, at: Date, answeredAt: Date | null): Promise<IssueRow> {
  const res = await client.query<IssueRow>(
    `UPDATE data_issue
        SET status = $2, updated_at = $3, first_response_at = COALESCE(first_response_at, $4)
      WHERE id = $1
      RETURNING ${COLUMNS}`,
    [id, status, at, answeredAt],
  );
  return res.rows[0]!;
}

export interface IssueCounts {
  open: number;
  unanswered: number;
  oldest_unanswered_at: Date | null;
  median_response_seconds: number | null;
}

/** The practice's figures for /status (see domain/issue-states.ts for what open and unanswered mean). */
export async function issueCounts(db: Db, ods: string): Promise<IssueCounts> {
  const res = await db.query<IssueCounts>(
    `SELECT count(*) FILTER (WHERE status IN ('open', 'acknowledged'))::int AS open,
            count(*) FILTER (WHERE status = 'open')::int AS unanswered,
            min(opened_at) FILTER (WHERE status = 'open') AS oldest_unanswered_at,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM first_response_at - raised_at)::double precision)
              FILTER (WHERE first_response_at IS NOT NULL) AS median_response_seconds
       FROM data_issue
      WHERE practice = $1`,
    [ods],
  );
  return res.rows[0]!;
}
