// The sync client over a compressed feed (issue 7: bandwidth): with each compression setting, an
// initial extract from a real server into a fresh Target store holds the same resources, byte for
// byte, and the pages really came in the coding asked for; a page in a coding the client cannot
// decode is a clear error, not garbage JSON.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, type Dispatcher } from 'undici';
import { validateResource } from '@dtm/shared';
import { startTestServer, TEST_CLIENTS, type TestServer } from './support/server.ts';
import { serverState, storeState } from './support/client.ts';
import { createTestDatabase, type TestDatabase } from './support/db.ts';
import { ContentEncodingError, DtmClient, acceptEncodingFor, type Compression } from '../packages/dtm-client/src/client.ts';
import { loadClientConfig } from '../packages/dtm-client/src/config.ts';
import { openStore } from '../packages/dtm-client/src/store/open.ts';
import { Syncer } from '../packages/dtm-client/src/sync/syncer.ts';
import { generatePractice } from '../packages/dtm-server/src/seed/synthetic-practice.ts';
import { publishPractice } from '../packages/dtm-server/src/seed/publish.ts';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const ODS = 'T20001';
let s: TestServer;
let dir: string;
const practice = generatePractice({ ods: ODS, patients: 12, seed: 11 });
const dbs: TestDatabase[] = [];

beforeAll(async () => {
  s = await startTestServer();
  await s.grant(ODS);
  await publishPractice(s.url, practice, { headers: { authorization: `Bearer ${await s.token('publisher')}` } });
  dir = await mkdtemp(path.join(os.tmpdir(), 'dtm-client-compression-'));
});
afterAll(async () => {
  for (const db of dbs) await db.drop();
  await s?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/**
 * An undici agent that notes the Content-Encoding of every feed page as it arrives (before the
 * client decodes it) and, when told, relabels it: a server answering in a coding nobody asked for.
 */
function watchingAgent(seen: string[], relabelAs?: string): Dispatcher {
  return new Agent().compose((dispatch) => (opts, handler) => dispatch(opts, {
    onRequestStart: (c, ctx) => handler.onRequestStart?.(c, ctx),
    onRequestUpgrade: (c, status, headers, socket) => handler.onRequestUpgrade?.(c, status, headers, socket),
    onResponseStart: (c, status, headers, message) => {
      if (opts.path.includes('/changes') && status === 200) {
        seen.push(String(headers['content-encoding'] ?? 'identity'));
        if (relabelAs) headers['content-encoding'] = relabelAs;
      }
      return handler.onResponseStart?.(c, status, headers, message);
    },
    onResponseData: (c, chunk) => handler.onResponseData?.(c, chunk),
    onResponseEnd: (c, trailers) => handler.onResponseEnd?.(c, trailers),
    onResponseError: (c, err) => handler.onResponseError?.(c, err),
  }));
}

const clientFor = (compression: Compression, dispatcher: Dispatcher) =>
  new DtmClient({ baseUrl: s.url, clientId: TEST_CLIENTS.consumer, privateKey: s.privateKeys.consumer, compression, dispatcher });

describe('dtm-client sync over a compressed feed', () => {
  const bodies = new Map<Compression, Map<string, string>>();

  it.each(['auto', 'zstd', 'gzip', 'none'] as const)('compression %s: the Target holds exactly the server\'s resources, and the pages came in that coding', async (compression) => {
    const seen: string[] = [];
    const dispatcher = watchingAgent(seen);
    const db = await createTestDatabase('dtm_target');
    dbs.push(db);
    const opened = await openStore({ databaseUrl: db.url, dataDir: dir });
    const client = clientFor(compression, dispatcher);
    try {
      const syncer = new Syncer({ practice: ODS, client, store: opened.store, validate: validateResource, binaryDir: path.join(dir, compression), pageSize: 100 });
      const summary = await syncer.sync();
      expect(summary).toMatchObject({ stoppedBy: 'up-to-date', applied: practice.resources.length, binariesFailed: 0 });
      expect(await storeState(opened.store.pool, ODS)).toEqual(await serverState(s, ODS));
      const rows = await opened.store.pool.query<{ k: string; body: string }>("SELECT resource_type || '/' || id AS k, body FROM dtm_resource WHERE practice = $1", [ODS]);
      bodies.set(compression, new Map(rows.rows.map((r) => [r.k, r.body])));
    } finally {
      await client.close();
      await opened.close();
      await dispatcher.close();
    }
    // Full pages of 100 changes are well over 1 KB: all compressed as asked; the last page may be small.
    const expected = { auto: 'zstd', zstd: 'zstd', gzip: 'gzip', none: 'identity' }[compression];
    expect(seen.length).toBeGreaterThan(2);
    expect(seen.slice(0, -1).every((e) => e === expected), seen.join(',')).toBe(true);
    expect(['identity', expected]).toContain(seen.at(-1));
  });

  it('stores the same bodies byte for byte whatever the coding', () => {
    const plain = bodies.get('none')!;
    expect(plain.size).toBe(practice.resources.length);
    for (const c of ['auto', 'zstd', 'gzip'] as const) expect(bodies.get(c), c).toEqual(plain);
  });

  it('refuses, with a clear error, a page in a coding it did not ask for', async () => {
    const seen: string[] = [];
    const dispatcher = watchingAgent(seen, 'br');
    const client = clientFor('auto', dispatcher);
    try {
      await expect(client.changes(ODS, { limit: 100 })).rejects.toThrowError(ContentEncodingError);
      await expect(client.changes(ODS, { limit: 100 })).rejects.toThrowError(/GET \/v1\/practices\/T20001\/changes answered in Content-Encoding "br", which this client does not decode/);
    } finally {
      await client.close();
      await dispatcher.close();
    }
  });
});

describe('the compression setting', () => {
  it('defaults to auto, reads DTM_COMPRESSION and --compression, and refuses anything else', () => {
    expect(loadClientConfig({}, {}).compression).toBe('auto');
    expect(loadClientConfig({}, { DTM_COMPRESSION: 'none' }).compression).toBe('none');
    expect(loadClientConfig({ compression: 'gzip' }, { DTM_COMPRESSION: 'none' }).compression).toBe('gzip');
    expect(() => loadClientConfig({ compression: 'brotli' }, {})).toThrowError(/compression must be auto, zstd, gzip or none/);
  });

  it('asks for the codings it names', () => {
    expect(acceptEncodingFor('auto')).toBe('zstd, gzip');
    expect(acceptEncodingFor('zstd')).toBe('zstd');
    expect(acceptEncodingFor('gzip')).toBe('gzip');
    expect(acceptEncodingFor('none')).toBe('identity');
  });
});
