// The feed against a real server and PostgreSQL: keyset pages, resume from any cursor, compaction,
// long-poll wake-up, epoch refusal, and the freshness figures of /status.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.ts';
import { inTransaction } from '../db/pool.ts';
import { resetEpoch } from '../repo/meta.ts';
import { startTestServer, type Api, type TestServer } from '../../../../test/support/server.ts';
import { del, ingest as ingestAt, page, readAll, upsert } from '../../../../test/support/dtm.ts';

let s: TestServer;
const clock = new ManualClock('2026-11-20T12:00:00Z');
beforeAll(async () => {
  s = await startTestServer({ clock });
});
afterAll(async () => s?.stop());

// The server's clock is the manual one: publish with sourceAsOf on that clock.
const ingest = (api: Api, ods: string, items: Parameters<typeof ingestAt>[2], opts: Parameters<typeof ingestAt>[3] = {}) =>
  ingestAt(api, ods, items, { sourceAsOf: clock.now().toISOString(), ...opts }).then((r) => {
    if (r.status !== 200) throw new Error(`ingest answered ${r.status}`);
    return r;
  });

describe('GET /v1/practices/{ods}/changes', () => {
  it('pages an initial extract with limit and resumes from every cursor without gaps or repeats', async () => {
    const items = Array.from({ length: 23 }, (_, i) => upsert('Observation', `o${i}`, { status: 'final' }));
    await ingest(s, 'C10001', items, { sourceAsOf: clock.now().toISOString() });
    const all = await readAll(s, 'C10001', undefined, 5);
    expect(all.changes.map((c) => c.id)).toEqual(items.map((_, i) => `o${i}`));
    // From each change's own cursor, the rest of the feed follows exactly.
    for (let i = 0; i < all.changes.length; i++) {
      const rest = await readAll(s, 'C10001', all.changes[i]!.cursor, 7);
      expect(rest.changes.map((c) => c.id)).toEqual(all.changes.slice(i + 1).map((c) => c.id));
    }
  });

  it('says upToDate only on the last page and echoes the cursor on an empty page', async () => {
    const first = await page(s, 'C10001', { limit: 23 });
    expect(first.body.upToDate).toBe(true);
    const partial = await page(s, 'C10001', { limit: 22 });
    expect(partial.body.upToDate).toBe(false);
    const empty = await page(s, 'C10001', { since: first.body.nextCursor! });
    expect(empty.body).toMatchObject({ changes: [], upToDate: true, nextCursor: first.body.nextCursor });
  });

  it('ends a page before the change that would take it past its byte budget, and loses nothing', async () => {
    const small = await startTestServer({ env: { DTM_FEED_PAGE_BYTES: '4096' } });
    try {
      const text = (n: number) => 'x'.repeat(n);
      // One resource larger than the whole budget, then a run of about 1.5 KB each, and a deletion.
      const items = [upsert('Basic', 'big', { code: { text: text(10_000) } }), ...Array.from({ length: 12 }, (_, i) => upsert('Basic', `b${i}`, { code: { text: text(1400) } }))];
      expect((await ingestAt(small, 'C10009', items)).status).toBe(200);
      expect((await ingestAt(small, 'C10009', [del('Basic', 'b3')])).status).toBe(200);
      const first = await page(small, 'C10009', { limit: 10 });
      // The large one comes alone (a page always holds one change), and the page says more follow.
      expect(first.body.changes.map((c) => c.id)).toEqual(['big']);
      expect(first.body.upToDate).toBe(false);
      const sizes: number[] = [];
      let cursor = first.body.nextCursor!;
      const seen = ['big'];
      for (;;) {
        const p = await page(small, 'C10009', { since: cursor, limit: 10 });
        sizes.push(p.body.changes.length);
        seen.push(...p.body.changes.map((c) => c.id));
        cursor = p.body.nextCursor!;
        if (p.body.upToDate) break;
        expect(p.body.changes.reduce((n, c) => n + (c.op === 'upsert' ? JSON.stringify(c.resource).length : 0), 0)).toBeLessThan(4096 + 1600);
      }
      expect(seen).toEqual(['big', ...Array.from({ length: 12 }, (_, i) => `b${i}`).filter((id) => id !== 'b3'), 'b3']);
      expect(Math.max(...sizes)).toBeLessThan(10); // pages ended on bytes, not on limit
    } finally {
      await small.stop();
    }
  });

  it('moves a changed resource to the end and serves only its latest version (compacted log)', async () => {
    await ingest(s, 'C10002', [upsert('Patient', 'a'), upsert('Patient', 'b'), upsert('Patient', 'c')]);
    const mid = await readAll(s, 'C10002');
    await ingest(s, 'C10002', [upsert('Patient', 'a', { active: true })]);
    await ingest(s, 'C10002', [del('Patient', 'b')]);
    const full = await readAll(s, 'C10002');
    expect(full.changes.map((c) => `${c.op}:${c.id}@${c.versionId}`)).toEqual(['upsert:c@1', 'upsert:a@2', 'delete:b@2']);
    const delta = await readAll(s, 'C10002', mid.cursor);
    expect(delta.changes.map((c) => `${c.op}:${c.id}@${c.versionId}`)).toEqual(['upsert:a@2', 'delete:b@2']);
    const tomb = delta.changes[1]!;
    expect(tomb).not.toHaveProperty('resource');
  });

  it('writes each change whole: position, op, identity, version and the three instants in ISO 8601 UTC', async () => {
    const at = clock.now().toISOString();
    await ingest(s, 'C10006', [upsert('Patient', 'p1', { active: true }, '2026-11-20T11:59:58.5+01:00'), upsert('Patient', 'p2')]);
    await ingest(s, 'C10006', [del('Patient', 'p2')]);
    const { changes } = await readAll(s, 'C10006');
    expect(changes).toEqual([
      { cursor: expect.stringMatching(/^[A-Za-z0-9_-]{34}$/) as string, op: 'upsert', resourceType: 'Patient', id: 'p1', versionId: '1', lastUpdated: at,
        availableAt: at, sourceUpdatedAt: '2026-11-20T10:59:58.500Z', resource: expect.objectContaining({ resourceType: 'Patient', id: 'p1', active: true }) as unknown },
      { cursor: expect.stringMatching(/^[A-Za-z0-9_-]{34}$/) as string, op: 'delete', resourceType: 'Patient', id: 'p2', versionId: '2', lastUpdated: at,
        availableAt: at, sourceUpdatedAt: null },
    ]);
  });

  it('answers a long-poll as soon as a change commits', async () => {
    await ingest(s, 'C10003', [upsert('Patient', 'p0')]);
    const { cursor } = await readAll(s, 'C10003');
    const started = Date.now();
    const waiting = page(s, 'C10003', { since: cursor, wait: 30 });
    await new Promise((r) => setTimeout(r, 300));
    await ingest(s, 'C10003', [upsert('Patient', 'p1')]);
    const { body } = await waiting;
    const elapsed = Date.now() - started;
    expect(body.changes.map((c) => c.id)).toEqual(['p1']);
    expect(elapsed).toBeLessThan(10_000); // far below the 30 s wait: it was woken, not timed out
  });

  it('returns an empty page when the wait runs out', async () => {
    const { cursor } = await readAll(s, 'C10003');
    const started = Date.now();
    const { body } = await page(s, 'C10003', { since: cursor, wait: 1 });
    expect(body).toMatchObject({ changes: [], upToDate: true });
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('refuses bad parameters with 400 and an unknown practice with 404', async () => {
    for (const q of [{ limit: 0 }, { limit: 5001 }, { wait: 61 }, { since: 'not a cursor!' }, { since: 'AAAA' }, { bogus: 1 }]) {
      const r = await page(s, 'C10001', q);
      expect(r.status, JSON.stringify(q)).toBe(400);
      expect(r.body).toMatchObject({ status: 400 });
    }
    const missing = await page(s, 'Z99999');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ type: 'urn:dtm:problem:not-found' });
  });

  it('refuses, with 409, a cursor issued before the epoch was reset, and serves the whole feed again from the start', async () => {
    await ingest(s, 'C10004', [upsert('Patient', 'p1'), upsert('Patient', 'p2')]);
    const before = await readAll(s, 'C10004');
    await inTransaction(s.pool, resetEpoch);
    const stale = await page(s, 'C10004', { since: before.cursor });
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ type: 'urn:dtm:problem:cursor-epoch', status: 409 });
    const again = await readAll(s, 'C10004');
    expect(again.changes.map((c) => c.id)).toEqual(['p1', 'p2']);
    await ingest(s, 'C10004', [upsert('Patient', 'p3')]);
    expect((await readAll(s, 'C10004', again.cursor)).changes.map((c) => c.id)).toEqual(['p3']);
  });
});

describe('GET /v1/practices/{ods}/status and /v1/practices', () => {
  it('reports sourceAsOf, lastUpdatedAt, staleness against 12 h and the 6 h availability figure', async () => {
    clock.set('2026-11-20T12:00:00Z');
    await ingest(s, 'C10005', [
      upsert('Patient', 'p1', {}, '2026-11-20T11:00:00Z'), // 1 h to availability
      upsert('Patient', 'p2', {}, '2026-11-20T05:00:00Z'), // 7 h: over the 6 h limit
      upsert('Patient', 'p3'),
    ], { sourceAsOf: '2026-11-20T11:30:00Z' });
    clock.set('2026-11-20T23:00:00Z');
    const st = (await (await s.fetch(`/v1/practices/C10005/status`)).json()) as Record<string, unknown>;
    expect(st).toMatchObject({
      practice: 'C10005',
      watermark: { sourceAsOf: '2026-11-20T11:30:00.000Z', lastUpdatedAt: '2026-11-20T12:00:00.000Z', serverTime: '2026-11-20T23:00:00.000Z' },
      staleness: { seconds: 41400, limitSeconds: 43200, withinLimit: true },
      availability: { limitSeconds: 21600, changesMeasured: 2, changesOverLimit: 1, maxDelaySeconds: 25200 },
      counts: [{ resourceType: 'Patient', live: 3, deleted: 0 }],
      binaries: { count: 0, bytes: 0 },
    });
    const all = await readAll(s, 'C10005');
    expect((st.watermark as { highWaterCursor: string }).highWaterCursor).toBe(all.cursor);
    clock.set('2026-11-21T00:00:00Z');
    const late = (await (await s.fetch(`/v1/practices/C10005/status`)).json()) as { staleness: unknown };
    expect(late.staleness).toEqual({ seconds: 45000, limitSeconds: 43200, withinLimit: false });
    const list = (await (await s.fetch(`/v1/practices`)).json()) as { practices: { practice: string; staleness: { withinLimit: boolean } }[] };
    expect(list.practices.find((p) => p.practice === 'C10005')?.staleness.withinLimit).toBe(false);
  });
});
