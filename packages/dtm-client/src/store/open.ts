// Opens the Target's staging store: DTM_TARGET_DATABASE_URL, or an embedded PostgreSQL under the
// client's data directory (a `dtm_target` database, persistent across runs). Migrations run first.
import pg from 'pg';
import { Store } from './store.ts';

export interface OpenedStore {
  store: Store;
  embedded: boolean;
  close(): Promise<void>;
}

export async function openStore(o: { databaseUrl: string | undefined; dataDir: string }): Promise<OpenedStore> {
  let url = o.databaseUrl;
  let stopEmbedded: (() => Promise<void>) | null = null;
  if (!url) {
    const { startEmbeddedPostgres } = await import('@dtm/shared/embedded-postgres');
    const pgServer = await startEmbeddedPostgres(o.dataDir);
    stopEmbedded = () => pgServer.stop();
    const admin = new pg.Client({ connectionString: pgServer.adminUrl });
    await admin.connect();
    try {
      if ((await admin.query("SELECT 1 FROM pg_database WHERE datname = 'dtm_target'")).rowCount === 0) await admin.query('CREATE DATABASE dtm_target');
    } finally {
      await admin.end();
    }
    url = pgServer.urlFor('dtm_target');
  }
  const store = new Store(url);
  try {
    await store.migrate();
  } catch (err) {
    await store.close();
    await stopEmbedded?.();
    throw err;
  }
  return {
    store,
    embedded: stopEmbedded !== null,
    async close() {
      await store.close();
      await stopEmbedded?.();
    },
  };
}
