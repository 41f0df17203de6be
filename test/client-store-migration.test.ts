// The Target store's schema moves forward without losing what a store already holds: a store made
// by an earlier release (migration 0001, references in their own table) keeps every reference when
// 0002 moves them into the resource rows, and the unresolved-reference check reads the same result.
import { cp, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '@dtm/shared/pg-migrate';
import { STORE_MIGRATIONS, Store } from '../packages/dtm-client/src/store/store.ts';
import { createTestDatabase, type TestDatabase } from './support/db.ts';

let db: TestDatabase;
let dir: string;
beforeAll(async () => {
  db = await createTestDatabase('dtm_store_mig');
  dir = await mkdtemp(path.join(os.tmpdir(), 'dtm-store-mig-'));
});
afterAll(async () => {
  await db.drop();
  await rm(dir, { recursive: true, force: true });
});

describe('Target store migration 0002 (references into the resource row)', () => {
  it('carries every reference of a store made by 0001', async () => {
    // The store as the earlier release left it: only 0001 applied, references in dtm_reference.
    await cp(new URL('0001_staging.sql', STORE_MIGRATIONS.dir), path.join(dir, '0001_staging.sql'));
    const pool = new pg.Pool({ connectionString: db.url, max: 2 });
    await migrate(pool, { ...STORE_MIGRATIONS, dir: pathToFileURL(`${dir}/`) });
    const row = (type: string, id: string, deleted = false) => pool.query(
      `INSERT INTO dtm_resource (practice, resource_type, id, version_id, deleted, body, last_updated, available_at, applied_at, valid)
       VALUES ('A1', $1, $2, 1, $3, $4, now(), now(), now(), true)`, [type, id, deleted, deleted ? null : '{}']);
    await row('Patient', 'p1');
    await row('Encounter', 'e1');
    await row('Condition', 'c1');
    await row('Condition', 'c2');
    await row('Observation', 'o1', true);
    const ref = (fromType: string, fromId: string, toType: string, toId: string) =>
      pool.query('INSERT INTO dtm_reference (practice, from_type, from_id, to_type, to_id) VALUES ($1, $2, $3, $4, $5)', ['A1', fromType, fromId, toType, toId]);
    await ref('Condition', 'c1', 'Patient', 'p1');
    await ref('Condition', 'c1', 'Encounter', 'e1');
    await ref('Condition', 'c2', 'Patient', 'p-missing');
    await ref('Condition', 'c2', 'Encounter', 'e-missing');
    await pool.end();

    const store = new Store(db.url);
    try {
      expect(await store.migrate()).toEqual([2, 3, 4, 5]);
      const refs = await store.pool.query<{ id: string; refs: string[] | null }>("SELECT id, refs FROM dtm_resource WHERE practice = 'A1' ORDER BY id");
      expect(Object.fromEntries(refs.rows.map((r) => [r.id, r.refs]))).toEqual({
        c1: ['Encounter/e1', 'Patient/p1'], c2: ['Encounter/e-missing', 'Patient/p-missing'], e1: null, o1: null, p1: null,
      });
      expect(await store.pool.query("SELECT to_regclass('dtm_reference') AS t").then((r) => r.rows[0].t)).toBeNull();
      // c2 has two references that do not resolve and is listed once.
      const groups = await store.unresolvedReferenceGroups('A1');
      expect(groups).toEqual([expect.objectContaining({ rule: 'dtm.reference-unresolved', resourceType: 'Condition', resources: [expect.objectContaining({ id: 'c2' })] })]);
    } finally {
      await store.close();
    }
  });

  it('gives binaries failed before 0003 another attempt at once (no retry time yet)', async () => {
    const mdb = await createTestDatabase('dtm_store_mig3');
    const mdir = await mkdtemp(path.join(os.tmpdir(), 'dtm-store-mig3-'));
    try {
      for (const f of ['0001_staging.sql', '0002_references_inline.sql']) await cp(new URL(f, STORE_MIGRATIONS.dir), path.join(mdir, f));
      const pool = new pg.Pool({ connectionString: mdb.url, max: 2 });
      await migrate(pool, { ...STORE_MIGRATIONS, dir: pathToFileURL(`${mdir}/`) });
      await pool.query(`INSERT INTO dtm_binary (practice, id, state, attempts, error, updated_at) VALUES
        ('A1', 'gave-up', 'failed', 5, 'answered 404', now()), ('A1', 'held', 'verified', 1, NULL, now())`);
      await pool.end();
      const store = new Store(mdb.url);
      try {
        expect(await store.migrate()).toEqual([3, 4, 5]);
        expect((await store.pendingBinaries('A1', 10, new Date())).map((b) => b.id)).toEqual(['gave-up']);
      } finally {
        await store.close();
      }
    } finally {
      await mdb.drop();
      await rm(mdir, { recursive: true, force: true });
    }
  });
});
