// Chooses the database: DATABASE_URL when set, otherwise an embedded PostgreSQL under DTM_DATA_DIR
// with a `dtm` database created on first start.
import pg from 'pg';
import type { Config } from '../config.ts';

export interface Database {
  connectionString: string;
  embedded: boolean;
  stop(): Promise<void>;
}

export async function openDatabase(config: Config, log: (msg: string) => void): Promise<Database> {
  if (config.databaseUrl) {
    return { connectionString: config.databaseUrl, embedded: false, stop: async () => undefined };
  }
  // Loaded only when needed: a deployment with DATABASE_URL never touches the embedded binaries.
  const { startEmbeddedPostgres } = await import('@dtm/shared/embedded-postgres');
  const embedded = await startEmbeddedPostgres(config.dataDir, log);
  const admin = new pg.Client({ connectionString: embedded.adminUrl });
  await admin.connect();
  try {
    const exists = await admin.query("SELECT 1 FROM pg_database WHERE datname = 'dtm'");
    if (exists.rowCount === 0) await admin.query('CREATE DATABASE dtm');
  } finally {
    await admin.end();
  }
  return { connectionString: embedded.urlFor('dtm'), embedded: true, stop: () => embedded.stop() };
}
