// Clients (publisher or consumer systems) and their per-practice grants.
import type { Pool, PoolClient } from '../db/pool.ts';

type Db = Pool | PoolClient;

export interface ClientRow {
  id: string;
  name: string;
  role: 'publisher' | 'consumer';
  jwks: { keys: Record<string, unknown>[] } | null;
  jwks_url: string | null;
  created_at: Date;
  revoked_at: Date | null;
}

export interface GrantRow {
  id: number;
  client_id: string;
  practice: string;
  valid_from: Date | null;
  valid_until: Date | null;
  sessions_per_day: number;
  requests_per_minute: number;
  created_at: Date;
  revoked_at: Date | null;
}

export async function insertClient(db: Db, c: Omit<ClientRow, 'revoked_at'>): Promise<void> {
  await db.query(
    'INSERT INTO client (id, name, role, jwks, jwks_url, created_at) VALUES ($1, $2, $3, $4, $5, $6)',
    [c.id, c.name, c.role, c.jwks ? JSON.stringify(c.jwks) : null, c.jwks_url, c.created_at],
  );
}

export async function getClient(db: Db, id: string): Promise<ClientRow | null> {
  const res = await db.query<ClientRow>({ name: 'client-get', text: 'SELECT * FROM client WHERE id = $1', values: [id] });
  return res.rows[0] ?? null;
}

export async function listClients(db: Db): Promise<ClientRow[]> {
  return (await db.query<ClientRow>('SELECT * FROM client ORDER BY id')).rows;
}

export async function revokeClient(db: Db, id: string, at: Date): Promise<boolean> {
  const res = await db.query('UPDATE client SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL', [id, at]);
  if (res.rowCount) await db.query('DELETE FROM access_token WHERE client_id = $1', [id]);
  return (res.rowCount ?? 0) > 0;
}

export async function insertGrant(db: Db, g: Omit<GrantRow, 'id' | 'revoked_at'>): Promise<GrantRow> {
  const res = await db.query<GrantRow>(
    `INSERT INTO client_grant (client_id, practice, valid_from, valid_until, sessions_per_day, requests_per_minute, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
    [g.client_id, g.practice, g.valid_from, g.valid_until, g.sessions_per_day, g.requests_per_minute, g.created_at],
  );
  return res.rows[0]!;
}

/** The client's unrevoked grant for a practice, whatever its validity window. */
export async function activeGrant(db: Db, clientId: string, practice: string): Promise<GrantRow | null> {
  const res = await db.query<GrantRow>({
    name: 'grant-active',
    text: 'SELECT * FROM client_grant WHERE client_id = $1 AND practice = $2 AND revoked_at IS NULL',
    values: [clientId, practice],
  });
  return res.rows[0] ?? null;
}

export async function listGrants(db: Db, filter: { clientId?: string; practice?: string; includeRevoked?: boolean }): Promise<GrantRow[]> {
  const res = await db.query<GrantRow>(
    `SELECT * FROM client_grant
      WHERE ($1::text IS NULL OR client_id = $1) AND ($2::text IS NULL OR practice = $2) AND ($3 OR revoked_at IS NULL)
      ORDER BY practice, client_id, id`,
    [filter.clientId ?? null, filter.practice ?? null, filter.includeRevoked ?? false],
  );
  return res.rows;
}

export async function revokeGrant(db: Db, clientId: string, practice: string, at: Date): Promise<boolean> {
  const res = await db.query(
    'UPDATE client_grant SET revoked_at = $3 WHERE client_id = $1 AND practice = $2 AND revoked_at IS NULL',
    [clientId, practice, at],
  );
  return (res.rowCount ?? 0) > 0;
}

/** Practices the client holds an unrevoked grant for. */
export async function grantedPractices(db: Db, clientId: string): Promise<string[]> {
  const res = await db.query<{ practice: string }>(
    'SELECT practice FROM client_grant WHERE client_id = $1 AND revoked_at IS NULL ORDER BY practice',
    [clientId],
  );
  return res.rows.map((r) => r.practice);
}
