// `npm start`: a first look. Starts the server (embedded PostgreSQL unless DATABASE_URL is set),
// registers a demo publisher and consumer with generated keys (kept under the data directory),
// publishes a small synthetic practice through the ingest API exactly as a Source system would, and
// prints how to try it.
import { mkdir, readFile, writeFile, access } from 'node:fs/promises';
import path from 'node:path';
import { fetchAccessToken, type Role } from '@dtm/shared';
import type { Config } from './config.ts';
import type { Logger } from './logger.ts';
import { startServer } from './main.ts';
import { systemClock } from './clock.ts';
import { addClient, addGrant } from './services/admin.ts';
import { activeGrant, getClient } from './repo/clients.ts';
import type { Pool } from './db/pool.ts';
import { generatePractice } from './seed/synthetic-practice.ts';
import { publishPractice } from './seed/publish.ts';

export const DEMO_ODS = 'A12345';
export const DEMO_CLIENTS: Record<Role, string> = { publisher: 'demo-publisher', consumer: 'demo-consumer' };

const exists = (p: string) => access(p).then(() => true, () => false);

/** Demo clients with keys in `dir` (created on first start, reused after), granted the demo practice. */
async function demoCredentials(pool: Pool, dir: string): Promise<Record<Role, string>> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const files = {} as Record<Role, string>;
  for (const role of ['publisher', 'consumer'] as const) {
    const id = DEMO_CLIENTS[role];
    const file = path.join(dir, `${id}.private.jwk.json`);
    if (!(await getClient(pool, id)) || !(await exists(file))) {
      if (await getClient(pool, id)) throw new Error(`demo client ${id} exists but its key file ${file} is gone: delete the data directory to start again`);
      const { privateJwk } = await addClient({ pool, clock: systemClock }, { id, name: `Demo ${role}`, role, generateKey: true });
      await writeFile(file, JSON.stringify(privateJwk, null, 2) + '\n', { mode: 0o600 });
    }
    if (!(await activeGrant(pool, id, DEMO_ODS))) {
      // The demo consumer may sync as often as it likes; a real grant carries the agreed terms.
      await addGrant({ pool, clock: systemClock }, { clientId: id, practice: DEMO_ODS, sessionsPerDay: 1000 });
    }
    files[role] = file;
  }
  return files;
}

export async function runDemo(config: Config, logger: Logger, opts: { patients: number }): Promise<void> {
  const server = await startServer(config, { logger, handleSignals: true });
  const keyDir = path.join(config.dataDir, 'demo-credentials');
  const keys = await demoCredentials(server.pool, keyDir);
  const tokenUrl = `${server.url}/oauth2/token`;
  const publisherToken = await fetchAccessToken({ tokenUrl, clientId: DEMO_CLIENTS.publisher, privateKey: await readFile(keys.publisher, 'utf8') });
  const practice = generatePractice({ ods: DEMO_ODS, name: 'Demo Surgery (synthetic)', patients: opts.patients, seed: 1 });
  const summary = await publishPractice(server.url, practice, { headers: { authorization: `Bearer ${publisherToken.access_token}` } });
  const token = `$(npx dtm-server token --url ${server.url} --client-id ${DEMO_CLIENTS.consumer} --private-key ${keys.consumer})`;
  process.stdout.write(`
DTM server running at ${server.url}
Synthetic practice ${DEMO_ODS} published: ${summary.resources} resources (${summary.created} new, ${summary.updated} updated, ${summary.unchanged} unchanged), ${summary.binaries} binaries.

Every /v1 route needs an access token (OAuth 2.0 client credentials with a signed JWT assertion).
Demo clients and their private keys are in ${keyDir}:
  ${DEMO_CLIENTS.publisher} (publishes)  ${keys.publisher}
  ${DEMO_CLIENTS.consumer}  (reads)      ${keys.consumer}

Try, in another terminal from this directory:
  TOKEN=${token}
  curl -H "Authorization: Bearer $TOKEN" ${server.url}/v1/practices/${DEMO_ODS}/status
  curl -H "Authorization: Bearer $TOKEN" '${server.url}/v1/practices/${DEMO_ODS}/changes?limit=5'
  curl -H "Authorization: Bearer $TOKEN" '${server.url}/v1/practices/${DEMO_ODS}/changes?since=<nextCursor>&wait=30'   (long-poll)
  curl ${server.url}/.well-known/smart-configuration
  curl ${server.url}/openapi.yaml
  curl ${server.url}/metrics

Data lives in ${server.database.embedded ? config.dataDir : 'DATABASE_URL'}; restarting keeps it. Ctrl-C stops the server.
`);
}
