// Each test file gets its own database on the run's PostgreSQL, dropped when the file finishes.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

function withDatabase(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

export async function createTestDatabase(prefix = 'dtm_t'): Promise<TestDatabase> {
  const adminUrl = inject('adminDatabaseUrl');
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  return {
    url: withDatabase(adminUrl, name),
    async drop() {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/**
 * A PostgreSQL cluster of the file's own. The feed's visibility horizon is cluster-wide, so a test
 * that holds transactions open on purpose would delay other files' reads on a shared cluster; such a
 * file runs on its own embedded cluster (whatever DATABASE_URL says).
 */
export async function createIsolatedDatabase(): Promise<TestDatabase> {
  const { mkdtemp, rm } = await import('node:fs/promises');
  const os = await import('node:os');
  const path = await import('node:path');
  const { startEmbeddedPostgres } = await import('../../packages/dtm-server/src/db/embedded.ts');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dtm-test-iso-'));
  const cluster = await startEmbeddedPostgres(dir);
  return {
    url: cluster.adminUrl,
    async drop() {
      await cluster.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
