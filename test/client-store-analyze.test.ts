// The Target store's queries at scale: it refreshes its statistics after a large batch (before the
// data-issue checks) without waiting on a table whose lock is held, as autovacuum's own analyse holds
// it (the end of an initial extract waited about 1 s for that: issue 7, bench client-e2e); and the
// documents pass finds the next binaries due without stepping over those already verified, and marks
// a batch of them verified in one statement.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PENDING_BINARIES_SQL, Store } from '../packages/dtm-client/src/store/store.ts';
import { createTestDatabase, type TestDatabase } from './support/db.ts';

let db: TestDatabase;
let store: Store;
let other: pg.Client;
beforeAll(async () => {
  db = await createTestDatabase('dtm_store_analyze');
  store = new Store(db.url);
  await store.migrate();
  other = new pg.Client({ connectionString: db.url });
  await other.connect();
});
afterAll(async () => {
  await other?.end();
  await store?.pool.end();
  await db?.drop();
});

const lastAnalyze = async (table: string): Promise<Date | null> =>
  (await store.pool.query<{ at: Date | null }>('SELECT last_analyze AS at FROM pg_stat_user_tables WHERE relname = $1', [table])).rows[0]?.at ?? null;

/** Before PostgreSQL 15 the statistics collector reported within about half a second, not at once. */
async function analysedSoon(table: string): Promise<boolean> {
  for (let i = 0; i < 20; i++) {
    if (await lastAnalyze(table)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

describe('Store.analyze', () => {
  it('analyses the tables it can and skips, without waiting, one whose lock another session holds', async () => {
    // The lock ANALYZE takes, held as autovacuum's analyse of the table would hold it.
    await other.query('BEGIN');
    await other.query('LOCK TABLE dtm_binary IN SHARE UPDATE EXCLUSIVE MODE');
    try {
      const outcome = await Promise.race([
        store.analyze().then(() => 'returned'),
        new Promise((r) => setTimeout(r, 5000)).then(() => 'still waiting after 5 s'),
      ]);
      expect(outcome).toBe('returned');
      expect(await analysedSoon('dtm_resource')).toBe(true);
      expect(await analysedSoon('dtm_quarantine')).toBe(true);
      expect(await lastAnalyze('dtm_binary')).toBeNull();
    } finally {
      await other.query('ROLLBACK');
    }
    await store.analyze();
    expect(await analysedSoon('dtm_binary')).toBe(true);
  });
});

describe('Store.pendingBinaries', () => {
  it('reads the binaries due through their own index, not past every verified one', async () => {
    // The largest practice has about 40,000 documents; near the end of its extract nearly all are verified.
    await store.pool.query(`INSERT INTO dtm_binary (practice, id, state, updated_at)
      SELECT 'A81001', 'b' || lpad(g::text, 6, '0'), CASE WHEN g > 39900 THEN 'pending' ELSE 'verified' END, now() FROM generate_series(1, 40000) g`);
    await store.pool.query('ANALYZE dtm_binary');
    const plan = await store.pool.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN ${PENDING_BINARIES_SQL.replace('$1', "'A81001'").replace('$2', '48').replace('$3', 'now()')}`);
    const text = plan.rows.map((r) => r['QUERY PLAN']).join('\n');
    expect(text).toMatch(/Index Scan using dtm_binary_due/);
    expect((await store.pendingBinaries('A81001', 48, new Date())).map((b) => b.id)[0]).toBe('b039901');
  });
});

describe('Store.binariesVerified', () => {
  it('marks a batch in one statement, only the binaries still expecting what was verified', async () => {
    await store.pool.query(`INSERT INTO dtm_binary (practice, id, state, expected_size, expected_sha1, updated_at) VALUES
      ('A81002', 'same', 'pending', 3, 'qUqP5cyxm6YcTAhz05Hph5gvu9M=', now()),
      ('A81002', 'changed', 'pending', 9, NULL, now()),
      ('A81002', 'unknown-size', 'failed', NULL, NULL, now())`);
    const at = new Date('2026-11-22T12:00:00Z');
    const v = { sha256: 'LCa0a2j/xo/5m0U8HTBBNBNCLXBkg7+g+YpeiGJm564=', contentType: 'text/plain' };
    const marked = await store.binariesVerified('A81002', [
      { id: 'same', size: 3, expectedSize: 3, expectedSha1: 'qUqP5cyxm6YcTAhz05Hph5gvu9M=', ...v },
      // Fetched under an older DocumentReference (size 3): its new one expects 9 bytes, so it stays pending.
      { id: 'changed', size: 3, expectedSize: 3, expectedSha1: null, ...v },
      { id: 'unknown-size', size: 3, expectedSize: null, expectedSha1: null, ...v },
    ], at);
    expect([...marked].sort()).toEqual(['same', 'unknown-size']);
    const rows = (await store.pool.query<{ id: string; state: string; size: string | null; attempts: number }>(
      "SELECT id, state, size::text, attempts FROM dtm_binary WHERE practice = 'A81002' ORDER BY id")).rows;
    expect(rows).toEqual([
      { id: 'changed', state: 'pending', size: null, attempts: 0 },
      { id: 'same', state: 'verified', size: '3', attempts: 1 },
      { id: 'unknown-size', state: 'verified', size: '3', attempts: 1 },
    ]);
    expect((await store.binariesVerified('A81002', [], at)).size).toBe(0);
  });
});
