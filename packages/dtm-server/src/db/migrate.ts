// Forward-only numbered migrations (src/migrations/NNNN_name.sql), run at start under an advisory
// lock so that several server processes starting together apply each exactly once, and recorded in
// dtm_schema_migrations.
import { readdir, readFile } from 'node:fs/promises';
import type { Pool } from './pool.ts';

const MIGRATIONS_DIR = new URL('../migrations/', import.meta.url);
// Arbitrary constant identifying "DTM schema migration" among advisory locks.
const MIGRATION_LOCK_KEY = 7_300_401;

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export async function loadMigrations(): Promise<Migration[]> {
  const files = (await readdir(MIGRATIONS_DIR)).filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f)).sort();
  return Promise.all(
    files.map(async (f) => ({
      version: Number(f.slice(0, 4)),
      name: f.slice(5, -4),
      sql: await readFile(new URL(f, MIGRATIONS_DIR), 'utf8'),
    })),
  );
}

/** Applies pending migrations; returns the versions applied by this call. */
export async function migrate(pool: Pool): Promise<number[]> {
  const migrations = await loadMigrations();
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    await client.query(`CREATE TABLE IF NOT EXISTS dtm_schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const done = new Set(
      (await client.query<{ version: number }>('SELECT version FROM dtm_schema_migrations')).rows.map((r) => r.version),
    );
    const applied: number[] = [];
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      await client.query('BEGIN');
      try {
        await client.query(m.sql);
        await client.query('INSERT INTO dtm_schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${m.version} (${m.name}) failed: ${(err as Error).message}`, { cause: err });
      }
      applied.push(m.version);
    }
    return applied;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    client.release();
  }
}

/** Versions on disk that the database has not applied (readiness check). */
export async function pendingMigrations(pool: Pool): Promise<number[]> {
  const migrations = await loadMigrations();
  const res = await pool
    .query<{ version: number }>('SELECT version FROM dtm_schema_migrations')
    .catch(() => ({ rows: [] as { version: number }[] }));
  const done = new Set(res.rows.map((r) => r.version));
  return migrations.map((m) => m.version).filter((v) => !done.has(v));
}
