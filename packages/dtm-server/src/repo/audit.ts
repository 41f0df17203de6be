// The access log: append-only (a trigger refuses UPDATE, DELETE and TRUNCATE). Who, what, when,
// from where and with what result; never a resource body.
import type { Pool } from '../db/pool.ts';

export interface AccessEntry {
  at: Date;
  requestId: string | null;
  clientId: string | null;
  practice: string | null;
  method: string;
  route: string;
  status: number;
  outcome: string;
  resources: number;
  binaries: number;
  cursorFrom: string | null;
  cursorTo: string | null;
  ip: string | null;
}

export async function appendAccess(pool: Pool, e: AccessEntry): Promise<void> {
  await pool.query({
    name: 'access-log-append',
    text: `INSERT INTO access_log (at, request_id, client_id, practice, method, route, status, outcome, resources, binaries, cursor_from, cursor_to, ip)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
    values: [e.at, e.requestId, e.clientId, e.practice, e.method, e.route, e.status, e.outcome, e.resources, e.binaries, e.cursorFrom, e.cursorTo, e.ip],
  });
}

export interface AccessRow extends AccessEntry {
  id: number;
}

export async function readAccess(pool: Pool, practice: string, since: Date | null, afterId: number, limit: number): Promise<AccessRow[]> {
  const res = await pool.query<AccessRow>(
    `SELECT id, at, request_id AS "requestId", client_id AS "clientId", practice, method, route, status, outcome,
            resources, binaries, cursor_from AS "cursorFrom", cursor_to AS "cursorTo", ip
       FROM access_log
      WHERE practice = $1 AND ($2::timestamptz IS NULL OR at >= $2) AND id > $3
      ORDER BY id
      LIMIT $4`,
    [practice, since, afterId, limit],
  );
  return res.rows;
}
