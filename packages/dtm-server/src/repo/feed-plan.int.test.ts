// Issue 7, flat page latency as the table grows: a feed page is read in index order and stops after
// `limit` rows, never by sorting all of a practice's remaining rows, whatever PostgreSQL's statistics
// say (repo/changes.ts FEED_PAGE_PLANNER_SETTINGS). The fixture is the shape that made PostgreSQL 15
// and 18 choose a bitmap heap scan and a sort for a custom plan: many small practices, then one
// practice loaded in a burst, so that its rows after a position are underestimated many times over.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { FEED_LIMITS } from '@dtm/shared';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/db.ts';
import { migrate } from '../db/migrate.ts';
import { FEED_PAGE_PLANNER_SETTINGS, FEED_PAGE_SQL, readChanges } from './changes.ts';

const SMALL_PRACTICES = 2000;
const SMALL_ROWS = 50;
const LARGE = 'P00000';
const LARGE_ROWS = 20_000;
/** Rows a practice gets per loading transaction, as one ingest batch would write. */
const RUN_ROWS = 500;
/** readChanges asks for one row more than the page, to know whether the feed is up to date. */
const PAGE_ROWS = FEED_LIMITS.defaultLimit + 1;

let db: TestDatabase;
let pool: pg.Pool;

/**
 * Loads the skewed table with the feed's invariant kept (per practice, (txid, seq) drawn in commit
 * order): one writer, one transaction per round, positions from the column defaults as ingest's.
 * Round 0 writes every practice; the later rounds only the large one.
 */
async function loadSkewedTable(): Promise<void> {
  const practices = [LARGE, ...Array.from({ length: SMALL_PRACTICES }, (_, i) => `P${String(i + 1).padStart(5, '0')}`)];
  await pool.query(`INSERT INTO practice (ods, created_at) SELECT unnest($1::text[]), now()`, [practices]);
  for (let first = 0; first < LARGE_ROWS; first += RUN_ROWS) {
    const runs = first === 0 ? practices.map((ods) => ({ ods, n: ods === LARGE ? RUN_ROWS : SMALL_ROWS })) : [{ ods: LARGE, n: RUN_ROWS }];
    await pool.query(
      `INSERT INTO resource (practice, resource_type, id, version_id, deleted, body, last_updated, available_at)
       SELECT p.ods, 'Observation', 'o' || g.k, 1, false, format('{"resourceType":"Observation","id":"o%s","status":"final"}', g.k), now(), now()
         FROM unnest($1::text[], $2::int[]) AS p(ods, n)
        CROSS JOIN LATERAL generate_series($3::int, $3::int + p.n - 1) AS g(k)`,
      [runs.map((r) => r.ods), runs.map((r) => r.n), first],
    );
  }
  await pool.query('VACUUM (ANALYZE) resource');
}

/** The large practice's feed position after its `offset`-th change ((0, 0) before the first). */
async function positionAfter(offset: number): Promise<{ txid: string; seq: string }> {
  if (offset === 0) return { txid: '0', seq: '0' };
  const r = await pool.query<{ txid: string; seq: string }>(
    'SELECT txid::text AS txid, seq::text AS seq FROM resource WHERE practice = $1 ORDER BY txid, seq OFFSET $2 LIMIT 1',
    [LARGE, offset - 1],
  );
  return r.rows[0]!;
}

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

const shapeOf = (n: PlanNode): string =>
  (n['Index Name'] ? `${n['Node Type']} (${n['Index Name']})` : n['Node Type']) + (n.Plans ? ` > ${n.Plans.map(shapeOf).join(' | ')}` : '');

type PlanMode = 'force_custom_plan' | 'force_generic_plan';

/**
 * The plan of FEED_PAGE_SQL prepared as the server's driver prepares it (parameter types inferred)
 * and executed with a custom or a generic plan, with or without the server's planner settings.
 */
async function planOf(offset: number, mode: PlanMode, serverSettings: boolean): Promise<string> {
  const { txid, seq } = await positionAfter(offset);
  const c = await pool.connect();
  try {
    await c.query('BEGIN READ ONLY');
    if (serverSettings) await c.query(FEED_PAGE_PLANNER_SETTINGS);
    await c.query(`SET LOCAL plan_cache_mode = ${mode}`);
    await c.query(`PREPARE feed_page_explained AS ${FEED_PAGE_SQL}`);
    const r = await c.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
      `EXPLAIN (FORMAT JSON) EXECUTE feed_page_explained(${[LARGE, txid, seq, String(PAGE_ROWS), String(FEED_LIMITS.pageBodyBytes)].map((v) => c.escapeLiteral(v)).join(', ')})`,
    );
    return shapeOf(r.rows[0]!['QUERY PLAN'][0].Plan);
  } finally {
    await c.query('ROLLBACK');
    await c.query('DEALLOCATE feed_page_explained'); // prepared statements outlive a rollback
    c.release();
  }
}

beforeAll(async () => {
  db = await createTestDatabase();
  pool = new pg.Pool({ connectionString: db.url, max: 4 });
  await migrate(pool);
  await loadSkewedTable();
});
afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

const MIDDLE = LARGE_ROWS / 2;
const positions = [0, MIDDLE, LARGE_ROWS * 0.9];

describe('feed page plan on a skewed table', () => {
  it('is a fixture that provokes the sort: without the settings, a custom plan mid-extract sorts the practice', async () => {
    // If a PostgreSQL version stops choosing this plan, the fixture no longer tests the fix: find a new shape.
    expect(await planOf(MIDDLE, 'force_custom_plan', false)).toMatch(/Sort/);
  });

  for (const mode of ['force_custom_plan', 'force_generic_plan'] as const) {
    it.each(positions)(`reads the feed index in order, no sort, after change %i (${mode})`, async (offset) => {
      const shape = await planOf(offset, mode, true);
      expect(shape).not.toMatch(/Sort/);
      expect(shape).toMatch(/^Limit > WindowAgg > Index Scan \(resource_feed\)$/);
    });
  }

  it('still delivers every change of the large practice exactly once, in feed order', async () => {
    const expected = await pool.query<{ id: string }>('SELECT id FROM resource WHERE practice = $1 ORDER BY txid, seq', [LARGE]);
    const seen: string[] = [];
    let after = { txid: '0', seq: '0' };
    for (;;) {
      const rows = await readChanges(pool, LARGE, after, PAGE_ROWS);
      const page = rows.slice(0, FEED_LIMITS.defaultLimit);
      seen.push(...page.map((r) => r.id));
      if (rows.length < PAGE_ROWS) break;
      after = { txid: page.at(-1)!.txid_text, seq: page.at(-1)!.seq_text };
    }
    expect(seen).toEqual(expected.rows.map((r) => r.id));
    expect(seen).toHaveLength(LARGE_ROWS);
  });
});
