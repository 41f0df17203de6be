import type { Pool, PoolClient } from '../db/pool.ts';

export interface PracticeRow {
  ods: string;
  name: string | null;
  source_as_of: Date | null;
  last_updated_at: Date | null;
  changes_measured: number;
  changes_over_limit: number;
  max_delay_seconds: number | null;
  binary_count: number;
  binary_bytes: number;
}

const COLUMNS = `ods, name, source_as_of, last_updated_at, changes_measured, changes_over_limit,
  max_delay_seconds, binary_count, binary_bytes`;

export async function getPractice(db: Pool | PoolClient, ods: string): Promise<PracticeRow | null> {
  const res = await db.query<PracticeRow>({
    name: 'practice-get',
    text: `SELECT ${COLUMNS} FROM practice WHERE ods = $1`,
    values: [ods],
  });
  return res.rows[0] ?? null;
}

export async function listPractices(db: Pool): Promise<PracticeRow[]> {
  return (await db.query<PracticeRow>(`SELECT ${COLUMNS} FROM practice ORDER BY ods`)).rows;
}

export async function ensurePractice(client: PoolClient, ods: string, now: Date): Promise<void> {
  await client.query('INSERT INTO practice (ods, created_at) VALUES ($1, $2) ON CONFLICT (ods) DO NOTHING', [ods, now]);
}

export async function setPracticeName(db: Pool | PoolClient, ods: string, name: string, now: Date): Promise<PracticeRow> {
  const res = await db.query<PracticeRow>(
    `INSERT INTO practice (ods, name, created_at) VALUES ($1, $2, $3)
     ON CONFLICT (ods) DO UPDATE SET name = excluded.name
     RETURNING ${COLUMNS}`,
    [ods, name, now],
  );
  return res.rows[0]!;
}

/**
 * Serialises writers of one practice for the rest of the transaction. The feed's correctness rests on
 * it (see repo/changes.ts): call it before the transaction writes anything, so that its transaction
 * id and sequence numbers are drawn after the previous writer of the practice has committed. Every
 * writer of `resource` must hold it. Different practices never wait for each other.
 */
export async function lockPracticeForWrite(client: PoolClient, ods: string): Promise<void> {
  await client.query('SELECT pg_advisory_xact_lock(7300402, hashtext($1))', [ods]);
}

export interface FreshnessUpdate {
  sourceAsOf: Date;
  /** Set when the batch changed data. */
  changedAt: Date | null;
  measured: number;
  overLimit: number;
  maxDelaySeconds: number | null;
}

export async function recordFreshness(client: PoolClient, ods: string, u: FreshnessUpdate): Promise<PracticeRow> {
  const res = await client.query<PracticeRow>(
    `UPDATE practice SET
        source_as_of = GREATEST(source_as_of, $2),
        last_updated_at = COALESCE($3, last_updated_at),
        changes_measured = changes_measured + $4,
        changes_over_limit = changes_over_limit + $5,
        max_delay_seconds = GREATEST(max_delay_seconds, $6)
      WHERE ods = $1
      RETURNING ${COLUMNS}`,
    [ods, u.sourceAsOf, u.changedAt, u.measured, u.overLimit, u.maxDelaySeconds],
  );
  return res.rows[0]!;
}

export async function addBinaryTotals(client: PoolClient, ods: string, countDelta: number, bytesDelta: number): Promise<void> {
  await client.query(
    'UPDATE practice SET binary_count = binary_count + $2, binary_bytes = binary_bytes + $3 WHERE ods = $1',
    [ods, countDelta, bytesDelta],
  );
}
