// The server's schema: forward-only migrations in src/migrations, applied at start under an advisory
// lock (several server processes may start together) and recorded in dtm_schema_migrations.
import { migrate as applyMigrations, pendingMigrations as pending, type MigrationSet } from '@dtm/shared/pg-migrate';
import type { Pool } from './pool.ts';

const SERVER_MIGRATIONS: MigrationSet = {
  dir: new URL('../migrations/', import.meta.url),
  table: 'dtm_schema_migrations',
  // Arbitrary constant identifying "DTM server schema migration" among advisory locks.
  lockKey: 7_300_401,
};

export const migrate = (pool: Pool) => applyMigrations(pool, SERVER_MIGRATIONS);
export const pendingMigrations = (pool: Pool) => pending(pool, SERVER_MIGRATIONS);
