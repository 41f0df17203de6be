// The feed's central promise: no committed change is ever skipped, even when writers overlap. Writers
// of a practice commit in the order they draw positions (repo/changes.ts); these tests hold
// transactions open on purpose while other writers and readers run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Change } from '@dtm/shared';
import { inTransaction } from '../db/pool.ts';
import type { ResourceWrite } from '../domain/ingest-plan.ts';
import { writeResources } from './resources.ts';
import { ensurePractice, lockPracticeForWrite } from './practices.ts';
import { startTestServer, type TestServer } from '../../../../test/support/server.ts';
import { del, ingest, page, readAll, upsert } from '../../../../test/support/dtm.ts';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => s?.stop());

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const newWrite = (id: string): ResourceWrite => ({
  resourceType: 'Observation', id, versionId: 1, deleted: false, before: 'absent', contentHash: null, sourceUpdatedAt: null,
  body: JSON.stringify({ resourceType: 'Observation', id, meta: { versionId: '1' } }),
});

/** Writes resources as ingest does (practice lock first), in a transaction held open until `release`. */
async function heldWrite(ods: string, ids: string[], release: Promise<void>, started?: () => void) {
  await inTransaction(s.pool, async (c) => {
    await lockPracticeForWrite(c, ods);
    await ensurePractice(c, ods, new Date());
    await writeResources(c, ods, ids.map(newWrite), new Date());
    started?.();
    await release;
  });
}

describe('feed ordering under overlapping writers', () => {
  it('never passes a change whose transaction is still open: a later writer waits, readers see both in commit order', async () => {
    const ods = 'E10001';
    await ingest(s, ods, [upsert('Patient', 'p0')]);
    const { cursor } = await readAll(s, ods);
    let release!: () => void;
    let started!: () => void;
    const isOpen = new Promise<void>((r) => (started = r));
    const early = heldWrite(ods, ['early'], new Promise<void>((r) => (release = r)), started);
    await isOpen; // "early" has written and holds the practice, uncommitted
    const late = ingest(s, ods, [upsert('Observation', 'late')]);
    await sleep(200);
    const during = await page(s, ods, { since: cursor });
    expect(during.body.changes).toEqual([]); // neither is readable yet
    release();
    await early;
    expect((await late).status).toBe(200);
    const after = await readAll(s, ods, cursor);
    expect(after.changes.map((c) => c.id)).toEqual(['early', 'late']);
  });

  it('delivers every one of many concurrently written new resources exactly once to concurrent readers', async () => {
    const ods = 'E10002';
    await ingest(s, ods, [upsert('Patient', 'seed')]);
    const written: string[] = [];
    let writing = true;
    const rawWriter = async (w: number) => {
      for (let i = 0; i < 12; i++) {
        const ids = [0, 1, 2].map((k) => `r${w}-${i}-${k}`);
        await heldWrite(ods, ids, sleep(Math.random() * 15));
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
    expect(seen.length).toBe(expected.length * 2); // two readers, each saw everything once
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

  it('is not held back by an open transaction for another practice or elsewhere in the cluster', async () => {
    let release!: () => void;
    let started!: () => void;
    const isOpen = new Promise<void>((r) => (started = r));
    const other = heldWrite('E10004', ['stuck'], new Promise<void>((r) => (release = r)), started);
    await isOpen;
    try {
      await ingest(s, 'E10005', [upsert('Patient', 'fresh')]);
      const t = Date.now();
      expect((await readAll(s, 'E10005')).changes.map((c) => c.id)).toEqual(['fresh']);
      expect(Date.now() - t).toBeLessThan(2000);
    } finally {
      release();
      await other;
    }
  });
});
