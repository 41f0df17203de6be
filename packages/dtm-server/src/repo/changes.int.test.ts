// The feed's central promise: no committed change is ever skipped, even when transactions commit
// out of the order they started in. These tests write through transactions held open on purpose
// (bypassing the per-practice ingest lock, as any other writer could) while readers page.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Change } from '@dtm/shared';
import { inTransaction } from '../db/pool.ts';
import type { ResourceWrite } from '../domain/ingest-plan.ts';
import { writeResources } from './resources.ts';
import { startTestServer, type TestServer } from '../../../../test/support/server.ts';
import { createIsolatedDatabase, type TestDatabase } from '../../../../test/support/db.ts';
import { del, ingest, page, readAll, upsert } from '../../../../test/support/dtm.ts';

let s: TestServer;
let db: TestDatabase;
beforeAll(async () => {
  db = await createIsolatedDatabase();
  s = await startTestServer({ db });
});
afterAll(async () => {
  await s?.stop();
  await db?.drop();
});

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const newWrite = (id: string): ResourceWrite => ({
  resourceType: 'Observation', id, versionId: 1, deleted: false, before: 'absent', contentHash: null, sourceUpdatedAt: null,
  body: JSON.stringify({ resourceType: 'Observation', id, meta: { versionId: '1' } }),
});

/** Writes resources in a transaction that stays open until `release` resolves. */
async function heldWrite(ods: string, ids: string[], release: Promise<void>) {
  await inTransaction(s.pool, async (c) => {
    await writeResources(c, ods, ids.map(newWrite), new Date());
    await release;
  });
}

describe('feed visibility horizon', () => {
  it('does not pass a change whose transaction started earlier but commits later', async () => {
    const ods = 'E10001';
    await ingest(s, ods, [upsert('Patient', 'p0')]);
    const { cursor } = await readAll(s, ods);
    let release!: () => void;
    const early = heldWrite(ods, ['early'], new Promise<void>((r) => (release = r)));
    await sleep(100); // "early" now holds the older transaction id, uncommitted
    await inTransaction(s.pool, (c) => writeResources(c, ods, [newWrite('late')], new Date()));
    // "late" has committed, but a reader must not be handed it yet: its cursor would pass "early".
    const blocked = await page(s, ods, { since: cursor });
    expect(blocked.body.changes).toEqual([]);
    expect(blocked.body.upToDate).toBe(true);
    release();
    await early;
    const after = await readAll(s, ods, cursor);
    expect(after.changes.map((c) => c.id).sort()).toEqual(['early', 'late']);
  });

  it('delivers every one of many concurrently committed new resources exactly once to a concurrent reader', async () => {
    const ods = 'E10002';
    await ingest(s, ods, [upsert('Patient', 'seed')]);
    const written: string[] = [];
    let writing = true;
    const rawWriter = async (w: number) => {
      for (let i = 0; i < 12; i++) {
        const ids = [0, 1, 2].map((k) => `r${w}-${i}-${k}`);
        await heldWrite(ods, ids, sleep(Math.random() * 25));
        written.push(...ids);
      }
    };
    const httpWriter = async (w: number) => {
      for (let i = 0; i < 12; i++) {
        const ids = [0, 1].map((k) => `h${w}-${i}-${k}`);
        const r = await ingest(s, ods, ids.map((id) => upsert('Observation', id)));
        expect(r.status).toBe(200);
        written.push(...ids);
      }
    };
    const seen: string[] = [];
    const reader = async () => {
      let cursor: string | undefined;
      for (;;) {
        const done = !writing;
        const { status, body } = await page(s, ods, { since: cursor, limit: 1 + Math.floor(Math.random() * 7) });
        expect(status).toBe(200);
        seen.push(...body.changes.map((c: Change) => c.id));
        cursor = body.nextCursor ?? cursor;
        if (done && body.upToDate) return;
        if (body.upToDate) await sleep(2);
      }
    };
    const readers = [reader(), reader()];
    await Promise.all([...[0, 1, 2, 3, 4, 5].map(rawWriter), httpWriter(0), httpWriter(1)]);
    writing = false;
    await Promise.all(readers);
    const expected = ['seed', ...written].sort();
    // Two readers each saw everything: every id exactly twice.
    expect(seen.length).toBe(expected.length * 2);
    expect([...new Set(seen)].sort()).toEqual(expected);
  });

  it('ends a reader racing updates and deletes at exactly the published state, versions never going back', async () => {
    const ods = 'E10003';
    const ids = Array.from({ length: 25 }, (_, i) => `x${i}`);
    await ingest(s, ods, ids.map((id) => upsert('Condition', id, { n: 0 })));
    let writing = true;
    const writer = async (w: number) => {
      for (let i = 0; i < 15; i++) {
        const items = Array.from({ length: 4 }, () => {
          const id = ids[Math.floor(Math.random() * ids.length)]!;
          return Math.random() < 0.25 ? del('Condition', id) : upsert('Condition', id, { n: `${w}-${i}-${Math.random()}` });
        });
        expect((await ingest(s, ods, items)).status).toBe(200);
      }
    };
    const state = new Map<string, { version: number; deleted: boolean }>();
    const reader = async () => {
      let cursor: string | undefined;
      for (;;) {
        const done = !writing;
        const { body } = await page(s, ods, { since: cursor, limit: 3 });
        for (const c of body.changes) {
          const prev = state.get(c.id);
          expect(Number(c.versionId)).toBeGreaterThan(prev?.version ?? 0);
          state.set(c.id, { version: Number(c.versionId), deleted: c.op === 'delete' });
        }
        cursor = body.nextCursor ?? cursor;
        if (done && body.upToDate) return;
      }
    };
    const reading = reader();
    await Promise.all([0, 1, 2, 3].map(writer));
    writing = false;
    await reading;
    const truth = await readAll(s, ods);
    expect(Object.fromEntries(state)).toEqual(
      Object.fromEntries(truth.changes.map((c) => [c.id, { version: Number(c.versionId), deleted: c.op === 'delete' }])),
    );
  });
});
