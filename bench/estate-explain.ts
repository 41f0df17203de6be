// Bench scenario `estate`: EXPLAIN (ANALYZE, BUFFERS) of the feed page query, to record the plan's
// shape (which index, any sort) and the buffers a page touches at each table size.
import pg from 'pg';
// The server's own statement and the planner setting it runs under (readChanges).
import { FEED_LIMITS } from '@dtm/shared';
import { FEED_PAGE_PLANNER_SETTINGS, FEED_PAGE_SQL } from '../packages/dtm-server/src/repo/changes.ts';

export interface PlanSummary {
  page: string;
  /** Node types from the top, with the index each scan uses, e.g. "Limit > WindowAgg > Index Scan (resource_feed)". */
  shape: string;
  sorts: boolean;
  rows: number;
  sharedHitBlocks: number;
  sharedReadBlocks: number;
  planningMs: number;
  executionMs: number;
}

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Relation Name'?: string;
  'Actual Rows'?: number;
  'Shared Hit Blocks'?: number;
  'Shared Read Blocks'?: number;
  Plans?: PlanNode[];
}

function shapeOf(n: PlanNode): string {
  const here = n['Index Name'] ? `${n['Node Type']} (${n['Index Name']})` : n['Node Type'];
  const kids = (n.Plans ?? []).map(shapeOf);
  if (kids.length === 0) return here;
  return kids.length === 1 ? `${here} > ${kids[0]}` : `${here} > [${kids.join(' | ')}]`;
}

const hasSort = (n: PlanNode): boolean => n['Node Type'].includes('Sort') || (n.Plans ?? []).some(hasSort);

/**
 * Explains the page of `limit` + 1 rows (as readChanges asks) that starts after the practice's
 * `offset`-th change (0: the first page of an initial extract), as a prepared statement like the
 * server's: by default with a custom plan (PostgreSQL's choice for a prepared statement's first five
 * runs), or `generic` (its usual choice afterwards for a statement like this one, whose custom and
 * generic plans cost about the same). Runs it twice and keeps the second unless `cold`.
 */
export async function explainFeedPage(
  url: string, ods: string, offset: number, limit: number, opts: { cold?: boolean; generic?: boolean } = {},
): Promise<PlanSummary> {
  const c = new pg.Client({ connectionString: url, application_name: 'dtm-bench-estate-explain' });
  await c.connect();
  try {
    let txid = '0';
    let seq = '0';
    if (offset > 0) {
      const r = await c.query<{ t: string; s: string }>(
        'SELECT txid::text AS t, seq::text AS s FROM resource WHERE practice = $1 ORDER BY txid, seq OFFSET $2 LIMIT 1',
        [ods, offset - 1],
      );
      if (!r.rows[0]) throw new Error(`practice ${ods} has no change at offset ${offset}`);
      ({ t: txid, s: seq } = r.rows[0]);
    }
    if (opts.generic) await c.query('SET plan_cache_mode = force_generic_plan');
    // As the server runs it: in a read-only transaction under its planner setting; parameter types
    // left to PostgreSQL to infer, as the driver does.
    await c.query(`BEGIN READ ONLY; ${FEED_PAGE_PLANNER_SETTINGS}`);
    await c.query(`PREPARE feed_page AS ${FEED_PAGE_SQL}`);
    const explain = async () => {
      const r = await c.query<{ 'QUERY PLAN': [{ Plan: PlanNode; 'Planning Time': number; 'Execution Time': number }] }>(
        `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) EXECUTE feed_page('${ods}', '${txid}', ${seq}, ${limit + 1}, ${FEED_LIMITS.pageBodyBytes})`,
      );
      return r.rows[0]!['QUERY PLAN'][0];
    };
    if (!/^[A-Z0-9]+$/.test(ods) || !/^\d+$/.test(txid) || !/^\d+$/.test(seq)) throw new Error('unexpected practice or position');
    const first = await explain();
    const p = opts.cold ? first : await explain();
    return {
      page: `${offset === 0 ? 'first page' : `page after change ${offset.toLocaleString('en-GB')}`}, ${opts.generic ? 'generic' : 'custom'} plan${opts.cold ? ', first run after the load' : ''}`,
      shape: shapeOf(p.Plan),
      sorts: hasSort(p.Plan),
      rows: p.Plan['Actual Rows'] ?? 0,
      sharedHitBlocks: p.Plan['Shared Hit Blocks'] ?? 0,
      sharedReadBlocks: p.Plan['Shared Read Blocks'] ?? 0,
      planningMs: Math.round(p['Planning Time'] * 1000) / 1000,
      executionMs: Math.round(p['Execution Time'] * 1000) / 1000,
    };
  } finally {
    await c.query('ROLLBACK').catch(() => undefined);
    await c.end();
  }
}
