// Retrieval sessions: how often a consumer syncs a practice (roadmap item: at least weekly; more than
// one retrieval in 24 h only as agreed).
import type { PoolClient, Pool } from '../db/pool.ts';

export interface SessionRow {
  id: number;
  started_at: Date;
  last_at: Date;
}

/**
 * The common case without a lock: a request that continues the latest session (within the gap)
 * just moves it on. Returns false when a new session may be needed (then decide under the lock).
 */
export async function continueLatestSession(db: Pool, clientId: string, practice: string, now: Date, gapSeconds: number, requests = 1): Promise<boolean> {
  const r = await db.query({
    name: 'retrieval-continue',
    text: `UPDATE retrieval_session SET last_at = GREATEST(last_at, $3), requests = requests + $5
            WHERE id = (SELECT id FROM retrieval_session WHERE client_id = $1 AND practice = $2 ORDER BY started_at DESC LIMIT 1)
              AND last_at >= $3::timestamptz - make_interval(secs => $4)`,
    values: [clientId, practice, now, gapSeconds, requests],
  });
  return (r.rowCount ?? 0) > 0;
}

export async function lockSessions(client: PoolClient, clientId: string, practice: string): Promise<void> {
  await client.query('SELECT pg_advisory_xact_lock(7300403, hashtext($1 || $2))', [clientId, practice]);
}

export async function latestSession(db: PoolClient, clientId: string, practice: string): Promise<SessionRow | null> {
  const res = await db.query<SessionRow>(
    `SELECT id, started_at, last_at FROM retrieval_session
      WHERE client_id = $1 AND practice = $2 ORDER BY started_at DESC LIMIT 1`,
    [clientId, practice],
  );
  return res.rows[0] ?? null;
}

export async function sessionStartsSince(db: PoolClient, clientId: string, practice: string, since: Date): Promise<Date[]> {
  const res = await db.query<{ started_at: Date }>(
    `SELECT started_at FROM retrieval_session
      WHERE client_id = $1 AND practice = $2 AND started_at > $3 ORDER BY started_at`,
    [clientId, practice, since],
  );
  return res.rows.map((r) => r.started_at);
}

export async function touchSession(db: PoolClient, id: number, at: Date, requests = 1): Promise<void> {
  await db.query('UPDATE retrieval_session SET last_at = GREATEST(last_at, $2), requests = requests + $3 WHERE id = $1', [id, at, requests]);
}

export async function startSession(db: PoolClient, clientId: string, practice: string, at: Date, requests = 1): Promise<void> {
  await db.query('INSERT INTO retrieval_session (client_id, practice, started_at, last_at, requests) VALUES ($1, $2, $3, $3, $4)', [clientId, practice, at, requests]);
}

export interface ConsumerRetrieval {
  client_id: string;
  last_at: Date | null;
  sessions_24h: number;
  sessions_per_day: number;
}

/** Each consumer granted the practice, with its last retrieval and sessions in the 24 h before `now`. */
export async function consumerRetrievals(pool: Pool, practice: string, now: Date): Promise<ConsumerRetrieval[]> {
  const res = await pool.query<ConsumerRetrieval>(
    `SELECT g.client_id, g.sessions_per_day,
            (SELECT max(s.last_at) FROM retrieval_session s WHERE s.client_id = g.client_id AND s.practice = g.practice) AS last_at,
            (SELECT count(*)::int FROM retrieval_session s
              WHERE s.client_id = g.client_id AND s.practice = g.practice AND s.started_at > $2::timestamptz - interval '24 hours') AS sessions_24h
       FROM client_grant g JOIN client c ON c.id = g.client_id
      WHERE g.practice = $1 AND g.revoked_at IS NULL AND c.role = 'consumer' AND c.revoked_at IS NULL
      ORDER BY g.client_id`,
    [practice, now],
  );
  return res.rows;
}
