// Opaque access tokens, stored only as their SHA-256; and the assertion jti replay cache.
import type { Pool, PoolClient } from '../db/pool.ts';

type Db = Pool | PoolClient;

export async function insertToken(db: Db, hash: Buffer, clientId: string, scopes: string[], issuedAt: Date, expiresAt: Date): Promise<void> {
  await db.query(
    'INSERT INTO access_token (token_hash, client_id, scopes, issued_at, expires_at) VALUES ($1, $2, $3, $4, $5)',
    [hash, clientId, scopes, issuedAt, expiresAt],
  );
}

export interface TokenLookup {
  client_id: string;
  role: 'publisher' | 'consumer';
  scopes: string[];
  expires_at: Date;
  revoked_at: Date | null;
}

/** The token's client. Revocation applies at once: services/access-cache.ts keeps a lookup only until a change is announced. */
export async function findToken(db: Db, hash: Buffer): Promise<TokenLookup | null> {
  const res = await db.query<TokenLookup>({
    name: 'token-find',
    text: `SELECT t.client_id, c.role, t.scopes, t.expires_at, c.revoked_at
             FROM access_token t JOIN client c ON c.id = t.client_id
            WHERE t.token_hash = $1`,
    values: [hash],
  });
  return res.rows[0] ?? null;
}

/** Records a jti; false when it was already used (a replayed assertion). */
export async function rememberJti(db: Db, clientId: string, jti: string, expiresAt: Date): Promise<boolean> {
  const res = await db.query(
    'INSERT INTO assertion_jti (client_id, jti, expires_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
    [clientId, jti, expiresAt],
  );
  return res.rowCount === 1;
}

export async function purgeExpired(db: Db, now: Date): Promise<void> {
  await db.query('DELETE FROM access_token WHERE expires_at < $1', [now]);
  await db.query('DELETE FROM assertion_jti WHERE expires_at < $1', [now]);
}
