// Feed pages read from a real PostgreSQL hot standby (DTM_READ_DATABASE_URL; docs/scaling.md, read
// replicas). Two server processes share one primary, as behind a load balancer: `viaReplica` reads
// pages on the standby, `viaPrimary` does not. The standby's replay is paused to make it lag on demand.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Change } from '@dtm/shared';
import { ingest, page, readAll, upsert } from '../../../test/support/dtm.ts';
import { startTestServer, type TestServer } from '../../../test/support/server.ts';
import { startHotStandby, type HotStandby } from './testing/hot-standby.ts';

const ODS = 'R10001';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const patient = (id: string, round: number) => upsert('Patient', id, { name: [{ family: `F${round}` }] });
const versions = (changes: Change[]) => changes.map((c) => `${c.id}@${c.versionId}`);

async function sql<T extends pg.QueryResultRow>(url: string, text: string): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<T>(text)).rows;
  } finally {
    await c.end();
  }
}

async function replicaLag(server: TestServer): Promise<number | null> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const m = /^dtm_read_replica_lag_seconds (\S+)$/m.exec(text);
  return m ? Number(m[1]) : null;
}

async function fallbacks(server: TestServer, reason: 'behind' | 'error' | 'resting'): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const m = new RegExp(`^dtm_read_replica_fallbacks_total\\{reason="${reason}"\\} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

let standby: HotStandby;
let viaPrimary: TestServer;
let viaReplica: TestServer;
beforeAll(async () => {
  standby = await startHotStandby();
  await sql(standby.primaryUrl('postgres'), 'CREATE DATABASE dtm');
  const db = { url: standby.primaryUrl('dtm'), drop: async () => undefined };
  viaPrimary = await startTestServer({ db });
  viaReplica = await startTestServer({ db, privateKeys: viaPrimary.privateKeys, env: { DTM_READ_DATABASE_URL: standby.standbyUrl('dtm') } });
});
afterAll(async () => {
  await viaReplica?.stop();
  await viaPrimary?.stop();
  await standby?.stop();
});

describe('feed pages from a hot standby', () => {
  it('reads the whole feed exactly while publishing continues', async () => {
    const published = new Map<string, number>(); // id -> rounds written
    let publishing = true;
    const publisher = (async () => {
      for (let round = 0; round < 20; round++) {
        // Ten new patients a round, and the previous round's first three written again (new versions).
        const ids = [...Array.from({ length: 10 }, (_, i) => `p${round}-${i}`), ...(round ? [0, 1, 2].map((i) => `p${round - 1}-${i}`) : [])];
        const r = await ingest(viaPrimary, ODS, ids.map((id) => patient(id, round)));
        expect(r.status).toBe(200);
        for (const id of ids) published.set(id, (published.get(id) ?? 0) + 1);
      }
      publishing = false;
    })();

    const seen: Change[] = [];
    let cursor: string | undefined;
    for (;;) {
      const wasPublishing = publishing;
      if (!wasPublishing) await standby.caughtUp();
      const { status, body } = await page(viaReplica, ODS, { since: cursor, limit: 25 });
      if (status === 404) continue; // the standby has not replayed the practice's first batch yet
      expect(status).toBe(200);
      seen.push(...body.changes);
      cursor = body.nextCursor ?? cursor;
      if (!wasPublishing && body.upToDate) break;
    }
    await publisher;

    // Every change once, each resource's versions in order, and the last one is the one published.
    expect(new Set(versions(seen)).size).toBe(seen.length);
    const last = new Map<string, number>();
    for (const c of seen) {
      expect(Number(c.versionId)).toBeGreaterThan(last.get(c.id) ?? 0);
      last.set(c.id, Number(c.versionId));
    }
    expect(last.size).toBe(published.size);
    expect(last.size).toBe(200);
    expect(Object.fromEntries(last)).toEqual(Object.fromEntries(published));
    expect(versions((await readAll(viaReplica, ODS)).changes)).toEqual(versions((await readAll(viaPrimary, ODS)).changes));
  });

  it('answers a long-poll promptly after a write', async () => {
    await standby.caughtUp();
    let { cursor } = await readAll(viaReplica, ODS);
    for (let i = 0; i < 3; i++) {
      const waiting = page(viaReplica, ODS, { since: cursor, wait: 30 });
      await sleep(300);
      const t = Date.now();
      await ingest(viaPrimary, ODS, [patient(`poll-${i}`, 0)]);
      const { body } = await waiting;
      expect(body.changes.map((c) => c.id)).toEqual([`poll-${i}`]);
      // The notification usually arrives before the standby has replayed the change: without the
      // quick re-checks after it, this took the whole 1 s re-check.
      expect(Date.now() - t).toBeLessThan(500);
      cursor = body.nextCursor!;
    }
  });

  it('keeps a long-poll waiting while the standby has not replayed the change it was told of, then answers at once', async () => {
    await standby.caughtUp();
    const { cursor } = await readAll(viaReplica, ODS);
    await standby.pauseReplay();
    let answeredAt = 0;
    let resumedAt: number;
    const waiting = page(viaReplica, ODS, { since: cursor, wait: 30 }).finally(() => (answeredAt = Date.now()));
    try {
      await sleep(300);
      await ingest(viaPrimary, ODS, [patient('notified-early', 0)]); // NOTIFY now; replay later
      await sleep(100);
      expect(answeredAt).toBe(0); // no empty page just because the standby is behind
    } finally {
      resumedAt = Date.now();
      await standby.resumeReplay();
    }
    const { body } = await waiting;
    expect(body.changes.map((c) => c.id)).toEqual(['notified-early']);
    // Re-checked at 10, 30, 70, 150, 310 ms after the notification, not at the next 1 s re-check
    // (which would answer about 900 ms after the resume).
    expect(answeredAt - resumedAt).toBeLessThan(450);
  });

  it('serves a cursor the standby has not replayed from the primary, never a 409', async () => {
    await standby.caughtUp();
    await standby.pauseReplay();
    try {
      await ingest(viaPrimary, ODS, [patient('ahead-1', 0), patient('ahead-2', 0)]);
      const onPrimary = await readAll(viaPrimary, ODS);
      // Pages without a cursor come from the standby, which has not replayed the last batch.
      const onStandby = await readAll(viaReplica, ODS);
      expect(onStandby.changes.length).toBe(onPrimary.changes.length - 2);
      expect(await replicaLag(viaReplica)).toBeGreaterThan(0);

      // The primary's cursor is ahead of the standby: served (by the primary), not refused.
      const atTip = await page(viaReplica, ODS, { since: onPrimary.cursor });
      expect(atTip.status).toBe(200);
      expect(atTip.body).toMatchObject({ changes: [], upToDate: true, nextCursor: onPrimary.cursor });
      await ingest(viaPrimary, ODS, [patient('ahead-3', 0)]);
      const next = await page(viaReplica, ODS, { since: onPrimary.cursor });
      expect(next.body.changes.map((c) => c.id)).toEqual(['ahead-3']);
      expect(next.body.watermark.highWaterCursor).toBe(next.body.nextCursor);

      // And a long-poll from there is woken by the next write.
      const waiting = page(viaReplica, ODS, { since: next.body.nextCursor!, wait: 30 });
      await sleep(300);
      const t = Date.now();
      await ingest(viaPrimary, ODS, [patient('ahead-4', 0)]);
      expect((await waiting).body.changes.map((c) => c.id)).toEqual(['ahead-4']);
      expect(Date.now() - t).toBeLessThan(1000);
    } finally {
      await standby.resumeReplay();
    }
    await standby.caughtUp();
    expect(versions((await readAll(viaReplica, ODS)).changes)).toEqual(versions((await readAll(viaPrimary, ODS)).changes));
    // The requests just made write book-keeping on the primary, which the standby then replays: wait for it.
    await expect.poll(() => replicaLag(viaReplica), { timeout: 10_000 }).toBe(0);
    expect(await fallbacks(viaReplica, 'behind')).toBeGreaterThan(0);
  });

  // Last: it stops the standby for good.
  it('serves every page from the primary when the standby is down, and counts it', async () => {
    await standby.caughtUp();
    const before = await readAll(viaPrimary, ODS);
    await standby.stopStandby();
    const t = Date.now();
    const whole = await readAll(viaReplica, ODS, undefined, 25); // several pages
    expect(Date.now() - t).toBeLessThan(5000);
    expect(versions(whole.changes)).toEqual(versions(before.changes));
    // One page finds it down; the others leave it alone for 10 s rather than each try it again.
    expect(await fallbacks(viaReplica, 'error')).toBe(1);
    expect(await fallbacks(viaReplica, 'resting')).toBeGreaterThan(0);
    // A long-poll is still woken by a write (the listener is on the primary).
    const waiting = page(viaReplica, ODS, { since: whole.cursor, wait: 30 });
    await sleep(300);
    await ingest(viaPrimary, ODS, [patient('after-standby', 0)]);
    expect((await waiting).body.changes.map((c) => c.id)).toEqual(['after-standby']);
  });
});
