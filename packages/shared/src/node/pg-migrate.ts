// Forward-only numbered migrations (NNNN_name.sql in one directory), applied under an advisory lock
// so that several processes starting together apply each exactly once, and recorded in a table.
// Used by the DTM server for its database and by the sync client for the Target's staging store.
import { readdir, readFile } from 'node:fs/promises';

interface Queryable {
  query<R = unknown>(text: string, values?: unknown[]): Promise<{ rows: R[] }>;
}
interface PoolLike {
  connect(): Promise<Queryable & { release(): void }>;
  query<R = unknown>(text: string, values?: unknown[]): Promise<{ rows: R[] }>;
}

export interface MigrationSet {
  /** Directory URL holding NNNN_name.sql files. */
  dir: URL;
  /** Table recording applied versions. */
  table: string;
  /** Advisory lock key for this set. */
  lockKey: number;
}

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export async function loadMigrations(set: MigrationSet): Promise<Migration[]> {
  const files = (await readdir(set.dir)).filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f)).sort();
  return Promise.all(files.map(async (f) => ({ version: Number(f.slice(0, 4)), name: f.slice(5, -4), sql: await readFile(new URL(f, set.dir), 'utf8') })));
}

/** Applies pending migrations; returns the versions applied by this call. */
export async function migrate(pool: PoolLike, set: MigrationSet): Promise<number[]> {
  if (!/^[a-z_]+$/.test(set.table)) throw new Error('migration table name must be [a-z_]+');
  const migrations = await loadMigrations(set);
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [set.lockKey]);
    await client.query(`CREATE TABLE IF NOT EXISTS ${set.table} (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const done = new Set((await client.query<{ version: number }>(`SELECT version FROM ${set.table}`)).rows.map((r) => r.version));
    const applied: number[] = [];
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      await client.query('BEGIN');
      try {
        await client.query(m.sql);
        await client.query(`INSERT INTO ${set.table} (version, name) VALUES ($1, $2)`, [m.version, m.name]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${m.version} (${m.name}) failed: ${(err as Error).message}`, { cause: err });
      }
      applied.push(m.version);
    }
    return applied;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [set.lockKey]).catch(() => undefined);
    client.release();
  }
}

/** Versions on disk that the database has not applied (readiness checks). */
export async function pendingMigrations(pool: PoolLike, set: MigrationSet): Promise<number[]> {
  const migrations = await loadMigrations(set);
  const res = await pool.query<{ version: number }>(`SELECT version FROM ${set.table}`).catch(() => ({ rows: [] as { version: number }[] }));
  const done = new Set(res.rows.map((r) => r.version));
  return migrations.map((m) => m.version).filter((v) => !done.has(v));
}
