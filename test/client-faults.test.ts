// The sync client where the Source or the network misbehaves: a feed page cut off mid-body, two
// DocumentReferences sharing one Binary, a document stored after its DocumentReference, a document
// that keeps failing, and a proxy that drops the server's digest. Nothing may wedge the sync, and no
// document may count as held unverified or be given up on for good.
import http from 'node:http';
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateResource } from '@dtm/shared';
import { startTestServer, type TestServer } from './support/server.ts';
import { clientFixture, serverState, storeState, type ClientFixture } from './support/client.ts';
import { ingest, upsert } from './support/dtm.ts';
import { loadClientConfig } from '../packages/dtm-client/src/config.ts';
import { openSession, type Session } from '../packages/dtm-client/src/session.ts';
import { retryDelayMs, MAX_ATTEMPTS } from '../packages/dtm-client/src/sync/binaries.ts';
import { verify } from '../packages/dtm-client/src/cutover.ts';

const ODS = 'F10001';
let s: TestServer;
let fx: ClientFixture;

/** What the interposed proxy does to the next answers. */
const faults = { cutChangesBodies: 0, dropReprDigest: false, cut: 0 };

/**
 * An HTTP proxy in front of the test server that can cut a feed page's body half-way (headers and
 * some bytes sent, then the connection dropped) and strip the Repr-Digest header from binaries.
 */
async function startProxy(target: string): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => !['host', 'connection', 'accept-encoding', 'content-length'].includes(k))) as Record<string, string>;
      const upstream = await fetch(`${target}${req.url}`, { method: req.method!, headers, ...(chunks.length ? { body: Buffer.concat(chunks) } : {}) });
      const body = Buffer.from(await upstream.arrayBuffer());
      const out: Record<string, string> = {};
      upstream.headers.forEach((v, k) => {
        if (!['content-encoding', 'content-length', 'transfer-encoding', 'connection', 'keep-alive'].includes(k)) out[k] = v;
      });
      if (faults.dropReprDigest && req.url!.includes('/binaries/')) delete out['repr-digest'];
      res.writeHead(upstream.status, { ...out, 'content-length': String(body.length) });
      if (req.url!.includes('/changes') && faults.cutChangesBodies > 0 && body.length > 200) {
        faults.cutChangesBodies--;
        faults.cut++;
        res.write(body.subarray(0, Math.floor(body.length / 2)));
        setTimeout(() => res.socket?.destroy(), 20);
        return;
      }
      res.end(body);
    })().catch(() => res.socket?.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

let proxy: Awaited<ReturnType<typeof startProxy>>;
let session: Session;

const putBinary = (id: string, content: Buffer) => putBinaryFor(ODS, id, content);
const putBinaryFor = async (ods: string, id: string, content: Buffer) => {
  const res = await s.fetch(`/v1/ingest/practices/${ods}/binaries/${id}`, {
    method: 'PUT', headers: { 'content-type': 'text/plain', 'repr-digest': `sha-256=:${createHash('sha256').update(content).digest('base64')}:` }, body: content,
  });
  expect(res.status).toBeLessThan(300);
};
const documentFor = (id: string, binaryId: string) => upsert('DocumentReference', id, {
  status: 'current', content: [{ attachment: { contentType: 'text/plain', url: `Binary/${binaryId}` } }],
});
const binaryRow = async (id: string) => (await session.opened.store.pool.query<{ state: string; attempts: number; retry_after: Date | null }>(
  'SELECT state, attempts, retry_after FROM dtm_binary WHERE practice = $1 AND id = $2', [ODS, id])).rows[0];
/** Time passes: the binary's next attempt is due. */
const dueNow = (id: string) => session.opened.store.pool.query("UPDATE dtm_binary SET retry_after = now() - interval '1 second' WHERE practice = $1 AND id = $2", [ODS, id]);

beforeAll(async () => {
  s = await startTestServer();
  await s.grant(ODS);
  proxy = await startProxy(s.url);
  fx = await clientFixture(s, ODS);
  const config = loadClientConfig({
    server: proxy.url, 'client-id': fx.config.clientId, 'private-key': fx.keyFile, practice: ODS,
    'target-database-url': fx.config.targetDatabaseUrl, 'data-dir': fx.dir, progress: 'none', 'page-size': '5',
  }, {});
  session = await openSession(config, validateResource);
});
afterAll(async () => {
  await session?.close();
  await proxy?.close();
  await fx?.targetDb.drop();
  await s?.stop();
});

describe('dtm-client sync when things go wrong', () => {
  it('reads a feed page again when its body is cut off part-way, and takes the extract whole', async () => {
    await ingest(s, ODS, Array.from({ length: 12 }, (_, i) => upsert('Patient', `p${i}`, { active: true })));
    faults.cutChangesBodies = 2;
    const summary = await session.syncer.sync();
    expect(faults.cut).toBe(2);
    expect(summary).toMatchObject({ stoppedBy: 'up-to-date', applied: 12 });
    expect(await storeState(session.opened.store.pool, ODS)).toEqual(await serverState(s, ODS));
  });

  it('applies a page in which two DocumentReferences point at the same Binary, and fetches it once', async () => {
    const content = Buffer.from('a letter both documents refer to');
    await putBinary('shared1', content);
    await ingest(s, ODS, [documentFor('d1', 'shared1'), documentFor('d2', 'shared1')]);
    const summary = await session.syncer.sync();
    expect(summary).toMatchObject({ stoppedBy: 'up-to-date', applied: 2, binariesVerified: 1, binariesFailed: 0 });
    expect(await binaryRow('shared1')).toMatchObject({ state: 'verified' });
    expect((await readFile(path.join(fx.config.binaryDir, ODS, 'shared1'))).equals(content)).toBe(true);
  });

  it('waits before trying a document again, and fetches it once the Source has stored it', async () => {
    await ingest(s, ODS, [documentFor('d3', 'late1')]); // the Binary is not there yet: 404
    await session.syncer.sync();
    const first = await binaryRow('late1');
    expect(first).toMatchObject({ state: 'pending', attempts: 1 });
    expect(first!.retry_after!.getTime()).toBeGreaterThan(Date.now() + retryDelayMs(1) - 5000);

    const content = Buffer.from('stored after its DocumentReference');
    await putBinary('late1', content);
    await session.syncer.sync(); // not due yet: not tried
    expect(await binaryRow('late1')).toMatchObject({ state: 'pending', attempts: 1 });
    await dueNow('late1');
    const summary = await session.syncer.sync();
    expect(summary.binariesVerified).toBe(1);
    expect(await binaryRow('late1')).toMatchObject({ state: 'verified', retry_after: null });
  });

  it('reports a document failed after its last attempt, and still tries it again, hourly', async () => {
    await ingest(s, ODS, [documentFor('d4', 'missing1')]);
    await session.syncer.sync();
    for (let attempt = 2; attempt <= MAX_ATTEMPTS; attempt++) {
      await dueNow('missing1');
      const summary = await session.syncer.sync();
      expect(summary.binariesFailed).toBe(attempt === MAX_ATTEMPTS ? 1 : 0);
    }
    const failed = await binaryRow('missing1');
    expect(failed).toMatchObject({ state: 'failed', attempts: MAX_ATTEMPTS });
    expect(failed!.retry_after!.getTime()).toBeGreaterThan(Date.now() + retryDelayMs(MAX_ATTEMPTS) - 60_000);

    // Its hourly retry fails again: still failed, but not reported as a new failure.
    await dueNow('missing1');
    expect((await session.syncer.sync()).binariesFailed).toBe(0);
    expect(await binaryRow('missing1')).toMatchObject({ state: 'failed', attempts: MAX_ATTEMPTS + 1 });

    await putBinary('missing1', Buffer.from('found at last'));
    await dueNow('missing1');
    expect((await session.syncer.sync()).binariesVerified).toBe(1);
    expect(await binaryRow('missing1')).toMatchObject({ state: 'verified' });
  });

  it('does not count a document as held when the server\'s digest does not reach the client', async () => {
    await putBinary('nodigest1', Buffer.from('no size or hash in its attachment either'));
    await ingest(s, ODS, [documentFor('d5', 'nodigest1')]);
    faults.dropReprDigest = true;
    try {
      expect((await session.syncer.sync()).binariesVerified).toBe(0);
      expect(await binaryRow('nodigest1')).toMatchObject({ state: 'pending', attempts: 1 });
    } finally {
      faults.dropReprDigest = false;
    }
    await dueNow('nodigest1');
    expect((await session.syncer.sync()).binariesVerified).toBe(1);
  });

  it('finds a document whose file changed or went missing after it was verified, and fetches it again', async () => {
    expect((await verify(session.client, session.opened.store, ODS, fx.config.binaryDir)).match).toBe(true);
    const dir = path.join(fx.config.binaryDir, ODS);
    await writeFile(path.join(dir, 'shared1'), 'a power loss left this'); // as if the write never reached the disk
    await rm(path.join(dir, 'late1'));
    const v = await verify(session.client, session.opened.store, ODS, fx.config.binaryDir);
    expect(v.match).toBe(false);
    expect(v.binaries).toMatchObject({ damaged: 2, pending: 2 });
    expect(await binaryRow('shared1')).toMatchObject({ state: 'pending' });
    expect((await session.syncer.sync()).binariesVerified).toBe(2);
    expect((await readFile(path.join(dir, 'shared1'))).toString()).toBe('a letter both documents refer to');
    expect((await verify(session.client, session.opened.store, ODS, fx.config.binaryDir)).match).toBe(true);
  });
});

describe('dtm-client verify when the Source replaces a document under the same id', () => {
  it('finds it changed at the DTM, fetches it again, and then matches', async () => {
    expect((await verify(session.client, session.opened.store, ODS, fx.config.binaryDir)).match).toBe(true);
    // New bytes under an id the DocumentReferences already name; their attachments carry no hash or size.
    await putBinary('shared1', Buffer.from('a corrected letter'));
    const v = await verify(session.client, session.opened.store, ODS, fx.config.binaryDir);
    expect(v.match).toBe(false);
    expect(v.binaries).toMatchObject({ changed: 1, pending: 1 });
    expect((await session.syncer.sync()).binariesVerified).toBe(1);
    expect((await readFile(path.join(fx.config.binaryDir, ODS, 'shared1'))).toString()).toBe('a corrected letter');
    expect((await verify(session.client, session.opened.store, ODS, fx.config.binaryDir)).match).toBe(true);
  });
});

describe('dtm-client sync stopped during its last documents pass', () => {
  it('says it was stopped, not up to date', async () => {
    const ods = 'F10003';
    await s.grant(ods);
    for (let i = 0; i < 30; i++) await putBinaryFor(ods, `sb${i}`, Buffer.from(`document ${i}`));
    await ingest(s, ods, Array.from({ length: 30 }, (_, i) => documentFor(`sd${i}`, `sb${i}`)));
    const f = await clientFixture(s, ods, { 'binary-parallel': '1' });
    const one = await openSession(f.config, validateResource);
    try {
      one.syncer.once('binary', () => one.syncer.stop()); // one page, up to date: every document is in the last pass
      const summary = await one.syncer.sync();
      expect(summary.stoppedBy).toBe('signal');
      expect(summary.binariesVerified).toBeLessThan(30);
    } finally {
      await one.close();
      await f.targetDb.drop();
    }
  });
});

describe('dtm-client sync when its document store fails mid-extract', () => {
  it('ends the run with the error, recorded, instead of ending the process', async () => {
    const ods = 'F10002';
    await s.grant(ods);
    await ingest(s, ods, [
      ...Array.from({ length: 8 }, (_, i) => documentFor(`e${i}`, `eb${i}`)),
      ...Array.from({ length: 8 }, (_, i) => upsert('Patient', `q${i}`, { active: true })),
    ]);
    const f = await clientFixture(s, ods, { 'page-size': '4' });
    // Where this practice's documents go is a file, not a directory: the documents pass that starts
    // alongside the first pages fails there (once an unhandled rejection that ended the process).
    await mkdir(f.config.binaryDir, { recursive: true });
    await writeFile(path.join(f.config.binaryDir, ods), 'not a directory');
    const broken = await openSession(f.config, validateResource);
    try {
      await expect(broken.syncer.sync()).rejects.toThrow(/EEXIST|ENOTDIR|file already exists|not a directory/);
      const run = await broken.opened.store.pool.query<{ outcome: string; error: string }>('SELECT outcome, error FROM dtm_sync_run ORDER BY id DESC LIMIT 1');
      expect(run.rows[0]).toMatchObject({ outcome: 'error' });
    } finally {
      await broken.close();
      await f.targetDb.drop();
    }
  });
});
