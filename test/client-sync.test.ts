// The sync client against a real server, each on its own PostgreSQL database: an initial extract
// then deltas converge to identical content; binaries are fetched and verified; replayed pages and
// out-of-order versions change nothing; an epoch change forces a loud full resync.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateResource } from '@dtm/shared';
import { startTestServer, type TestServer } from './support/server.ts';
import { clientFixture, serverState, storeState, type ClientFixture } from './support/client.ts';
import { ingest, readAll, upsert, del } from './support/dtm.ts';
import { openSession, type Session } from '../packages/dtm-client/src/session.ts';
import { prepareChanges } from '../packages/dtm-client/src/sync/prepare.ts';
import { Syncer } from '../packages/dtm-client/src/sync/syncer.ts';
import { generatePractice } from '../packages/dtm-server/src/seed/synthetic-practice.ts';
import { publishPractice } from '../packages/dtm-server/src/seed/publish.ts';
import { inTransaction } from '../packages/dtm-server/src/db/pool.ts';
import { resetEpoch } from '../packages/dtm-server/src/repo/meta.ts';

const ODS = 'T10001';
let s: TestServer;
let fx: ClientFixture;
let session: Session;
const practice = generatePractice({ ods: ODS, patients: 40, seed: 7 });

beforeAll(async () => {
  s = await startTestServer();
  await s.grant(ODS);
  await publishPractice(s.url, practice, { headers: { authorization: `Bearer ${await s.token('publisher')}` } });
  fx = await clientFixture(s, ODS);
  session = await openSession(fx.config, validateResource);
});
afterAll(async () => {
  await session?.close();
  await fx?.targetDb.drop();
  await s?.stop();
});

describe('dtm-client sync', () => {
  it('takes the initial extract into the Target store, identical to the server', async () => {
    const summary = await session.syncer.sync();
    expect(summary).toMatchObject({ stoppedBy: 'up-to-date', received: practice.resources.length, applied: practice.resources.length, skipped: 0 });
    expect(await storeState(session.opened.store.pool, ODS)).toEqual(await serverState(s, ODS));
    // Bodies are the server's, byte for byte.
    const { changes } = await readAll(s, ODS, undefined, 5000);
    const stored = await session.opened.store.pool.query<{ resource_type: string; id: string; body: string }>('SELECT resource_type, id, body FROM dtm_resource WHERE practice = $1', [ODS]);
    const byKey = new Map(stored.rows.map((r) => [`${r.resource_type}/${r.id}`, r.body]));
    for (const c of changes) if (c.op === 'upsert') expect(byKey.get(`${c.resourceType}/${c.id}`)).toBe(JSON.stringify(c.resource));
  });

  it('fetches every binary and verifies it against its digests', async () => {
    const rows = (await session.opened.store.pool.query<{ id: string; state: string; sha256: string }>('SELECT id, state, sha256 FROM dtm_binary WHERE practice = $1 ORDER BY id', [ODS])).rows;
    expect(rows.map((r) => r.id)).toEqual(practice.binaries.map((b) => b.id).sort());
    for (const b of practice.binaries) {
      const onDisk = await readFile(path.join(fx.config.binaryDir, ODS, b.id));
      expect(onDisk.equals(b.content)).toBe(true);
      expect(rows.find((r) => r.id === b.id)).toMatchObject({ state: 'verified', sha256: createHash('sha256').update(b.content).digest('base64') });
    }
  });

  it('finishes a download killed between writing and renaming (a whole .part answers 416 to its Range)', async () => {
    const b = practice.binaries[0]!;
    const { writeFile: write } = await import('node:fs/promises');
    await write(path.join(fx.config.binaryDir, ODS, `${b.id}.part`), b.content);
    await session.opened.store.pool.query("UPDATE dtm_binary SET state = 'pending', attempts = 0 WHERE practice = $1 AND id = $2", [ODS, b.id]);
    const summary = await session.syncer.sync();
    expect(summary).toMatchObject({ binariesVerified: 1, binariesFailed: 0 });
    expect((await readFile(path.join(fx.config.binaryDir, ODS, b.id))).equals(b.content)).toBe(true);
  });

  it('applies deltas: updates, deletes and new resources converge', async () => {
    const patient = practice.resources.find((r) => r.resourceType === 'Patient')!;
    const cond = practice.resources.find((r) => r.resourceType === 'Condition')!;
    await ingest(s, ODS, [upsert('Patient', String(patient.id), { ...patient, active: false }), del('Condition', String(cond.id)), upsert('Flag', 'flag-new', { status: 'active', code: { text: 'x' }, subject: { reference: `Patient/${patient.id}` } })]);
    const summary = await session.syncer.sync();
    expect(summary.applied).toBe(3);
    expect(await storeState(session.opened.store.pool, ODS)).toEqual(await serverState(s, ODS));
  });

  it('stores each body byte for byte whatever its strings hold, beside tombstones, and a page of one deletion', async () => {
    // A page's bodies reach PostgreSQL as one text split on U+0001 (store.ts): a control character,
    // quotes, backslashes and non-BMP text inside a resource must not move a body onto another row.
    const awkward = 'a\u0001b\u001fc "q" \\ \n\t é 😀 \u2028';
    const patient = practice.resources.find((r) => r.resourceType === 'Patient')!;
    const r = await ingest(s, ODS, [
      upsert('Flag', 'flag-awkward-1', { status: 'active', code: { text: awkward }, subject: { reference: `Patient/${patient.id}` } }),
      del('Flag', 'flag-new'),
      upsert('Flag', 'flag-awkward-2', { status: 'inactive', code: { text: [...awkward].reverse().join('') } }),
    ]);
    expect(r.status).toBe(200);
    expect((await session.syncer.sync()).applied).toBe(3);
    const rows = (await session.opened.store.pool.query<{ id: string; deleted: boolean; body: string | null }>(
      "SELECT id, deleted, body FROM dtm_resource WHERE practice = $1 AND resource_type = 'Flag' AND id IN ('flag-awkward-1', 'flag-new', 'flag-awkward-2') ORDER BY id", [ODS])).rows;
    const { changes } = await readAll(s, ODS, undefined, 5000);
    const sent = (id: string) => {
      const c = changes.find((x) => x.resourceType === 'Flag' && x.id === id);
      return c?.op === 'upsert' ? JSON.stringify(c.resource) : undefined;
    };
    expect(rows).toEqual([
      { id: 'flag-awkward-1', deleted: false, body: sent('flag-awkward-1') },
      { id: 'flag-awkward-2', deleted: false, body: sent('flag-awkward-2') },
      { id: 'flag-new', deleted: true, body: null },
    ]);
    expect(JSON.parse(rows[0]!.body!).code.text).toBe(awkward);
    expect(await storeState(session.opened.store.pool, ODS)).toEqual(await serverState(s, ODS));

    // A page that is a single deletion (no body at all) is applied too.
    expect((await ingest(s, ODS, [del('Flag', 'flag-awkward-2')])).status).toBe(200);
    expect(await session.syncer.sync()).toMatchObject({ received: 1, applied: 1 });
    const gone = await session.opened.store.pool.query("SELECT deleted, body FROM dtm_resource WHERE practice = $1 AND resource_type = 'Flag' AND id = 'flag-awkward-2'", [ODS]);
    expect(gone.rows).toEqual([{ deleted: true, body: null }]);
    expect(await storeState(session.opened.store.pool, ODS)).toEqual(await serverState(s, ODS));
  });

  it('keeps numbers in the Target exactly as the Source wrote them (7.50 is not 7.5)', async () => {
    const raw = JSON.stringify({ sourceAsOf: new Date().toISOString(), items: [upsert('Observation', 'obs-precise', { status: 'final', code: { text: 'Haemoglobin' }, valueQuantity: { value: 0 } })] })
      .replace('"value":0', '"value":7.50,"comparator":"<"').replace('"status":"final"', '"status":"final","extension":[{"url":"https://example.org/x","valueDecimal":3.14159265358979323846264338}]');
    expect((await ingest(s, ODS, [], { raw })).status).toBe(200);
    expect((await session.syncer.sync()).applied).toBe(1);
    const body = (await session.opened.store.pool.query<{ body: string }>("SELECT body FROM dtm_resource WHERE practice = $1 AND resource_type = 'Observation' AND id = 'obs-precise'", [ODS])).rows[0]!.body;
    expect(body).toContain('"valueQuantity":{"value":7.50,"comparator":"<"}');
    expect(body).toContain('"valueDecimal":3.14159265358979323846264338');
    expect(await storeState(session.opened.store.pool, ODS)).toEqual(await serverState(s, ODS));
  });

  it('changes nothing when a page is replayed or an older version arrives after a newer one', async () => {
    const before = await storeState(session.opened.store.pool, ODS);
    const { changes } = await readAll(s, ODS, undefined, 5000);
    const prepared = prepareChanges(changes, () => []);
    const cp = await session.opened.store.checkpoint(ODS);
    const replay = await session.opened.store.applyPage(ODS, prepared, cp!.cursor, new Date(), true);
    expect(replay).toMatchObject({ applied: 0, skipped: prepared.length });
    const older = prepared.filter((c) => c.versionId > 1).map((c) => ({ ...c, versionId: c.versionId - 1, deleted: false, body: '{}' }));
    expect(older.length).toBeGreaterThan(0);
    expect((await session.opened.store.applyPage(ODS, older, cp!.cursor, new Date(), true)).applied).toBe(0);
    expect(await storeState(session.opened.store.pool, ODS)).toEqual(before);
  });

  it('resyncs from the beginning, loudly, when the server epoch changes', async () => {
    await inTransaction(s.pool, resetEpoch);
    const events: string[] = [];
    session.syncer.on('resync', (e) => events.push(e.reason));
    const summary = await session.syncer.sync();
    expect(summary.resyncs).toBe(1);
    expect(events).toHaveLength(1);
    expect(await storeState(session.opened.store.pool, ODS)).toEqual(await serverState(s, ODS));
    expect((await session.opened.store.checkpoint(ODS))!.resyncs).toBe(1);
  });

  it('follows: applies a change within seconds of it being published, then stops on request', async () => {
    const following = session.syncer.follow();
    await new Promise<void>((r) => session.syncer.once('idle', () => r()));
    const t = Date.now();
    await ingest(s, ODS, [upsert('Flag', 'flag-live', { status: 'active', code: { text: 'y' }, subject: { reference: 'Patient/x' } })]);
    await new Promise<void>((r) => session.syncer.on('page', (e) => e.applied > 0 && r()));
    expect(Date.now() - t).toBeLessThan(3000);
    session.syncer.stop();
    expect((await following).stoppedBy).toBe('signal');
    expect(await storeState(session.opened.store.pool, ODS)).toEqual(await serverState(s, ODS));
  });

  it('follows without holding new changes behind the checks that run after a catch-up', async () => {
    // The data-issue checks read the whole practice; a change published while they run must not wait
    // for them (issue 7, bench freshness). Here they are held until the change has been applied.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let checks = 0;
    const syncer = new Syncer({
      practice: ODS, client: session.client, store: session.opened.store, validate: validateResource, binaryDir: fx.config.binaryDir, waitSeconds: 5,
      afterCycle: async () => {
        checks++;
        await held;
      },
    });
    const following = syncer.follow();
    try {
      await new Promise<void>((r) => syncer.once('idle', () => r()));
      const applied = new Promise<void>((r) => syncer.on('applied', (e) => e.changes.some((c) => c.id === 'flag-during-checks') && r()));
      await ingest(s, ODS, [upsert('Flag', 'flag-during-checks', { status: 'active', code: { text: 'z' }, subject: { reference: 'Patient/x' } })]);
      const timedOut = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 4000).unref());
      expect(await Promise.race([applied.then(() => 'applied'), timedOut])).toBe('applied');
      expect(checks).toBe(1);
    } finally {
      release();
      syncer.stop();
    }
    expect((await following).stoppedBy).toBe('signal');
  });

  it('ends a follow whose background checks failed, and runs again afterwards', async () => {
    let calls = 0;
    const syncer = new Syncer({
      practice: ODS, client: session.client, store: session.opened.store, validate: validateResource, binaryDir: fx.config.binaryDir, waitSeconds: 1,
      afterCycle: async () => {
        if (++calls === 1) throw new Error('the issues channel refused');
      },
    });
    await expect(syncer.follow()).rejects.toThrow('the issues channel refused');
    expect(await syncer.sync()).toMatchObject({ stoppedBy: 'up-to-date' });
    expect(calls).toBe(2);
  });
});
