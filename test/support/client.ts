// Sync-client test support: a client configuration pointing at a test server as its consumer, with
// the Target's store on a database of its own, and comparison of the two sides' states.
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import { loadClientConfig, type ClientConfig } from '../../packages/dtm-client/src/config.ts';
import { TEST_CLIENTS, type TestServer } from './server.ts';
import { createTestDatabase, type TestDatabase } from './db.ts';
import { readAll } from './dtm.ts';

export interface ClientFixture {
  config: ClientConfig;
  targetDb: TestDatabase;
  dir: string;
  keyFile: string;
}

export async function clientFixture(s: TestServer, practice: string, overrides: Record<string, string> = {}): Promise<ClientFixture> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dtm-client-'));
  const keyFile = path.join(dir, 'consumer.jwk.json');
  await writeFile(keyFile, s.privateKeys.consumer, { mode: 0o600 });
  const targetDb = await createTestDatabase('dtm_target');
  await s.grant(practice);
  const config = loadClientConfig({
    server: s.url, 'client-id': TEST_CLIENTS.consumer, 'private-key': keyFile, practice,
    'target-database-url': targetDb.url, 'data-dir': dir, progress: 'none', ...overrides,
  }, {});
  return { config, targetDb, dir, keyFile };
}

/** The server's current state of a practice: type/id → version and deleted flag. */
export async function serverState(s: TestServer, practice: string): Promise<Record<string, string>> {
  const { changes } = await readAll(s, practice, undefined, 5000);
  return Object.fromEntries(changes.map((c) => [`${c.resourceType}/${c.id}`, `${c.versionId}${c.op === 'delete' ? ' deleted' : ''}`]));
}

/** The Target store's state of a practice, in the same shape, plus whether bodies match the server's. */
export async function storeState(pool: pg.Pool, practice: string): Promise<Record<string, string>> {
  const r = await pool.query<{ resource_type: string; id: string; version_id: string; deleted: boolean }>(
    'SELECT resource_type, id, version_id::text, deleted FROM dtm_resource WHERE practice = $1', [practice]);
  return Object.fromEntries(r.rows.map((x) => [`${x.resource_type}/${x.id}`, `${x.version_id}${x.deleted ? ' deleted' : ''}`]));
}
