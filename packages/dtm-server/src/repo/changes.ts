// Reading the change feed.
//
// Why no committed change is ever skipped. A sequence number alone is not a safe cursor in general:
// sequences are allocated when a row is written but become visible when the transaction commits,
// and transactions commit out of the order they started in. A reader that saw seq 2 (committed)
// while seq 1 was still in flight, then asked for `seq > 2`, would lose seq 1 forever.
//
// The DTM serialises commit order per practice instead: every transaction that writes a practice's
// resources first takes that practice's advisory transaction lock (repo/practices.ts
// lockPracticeForWrite), before it writes anything, so before PostgreSQL gives it a transaction id
// or it draws a sequence number, and holds it until it commits. So for one practice, transaction ids
// and sequence numbers are drawn in commit order: every write that commits after a reader's snapshot
// sorts after every row that snapshot can see. The feed position is (txid, seq) of the writing
// transaction, ordered on the table's own columns so the (practice, txid, seq) index serves it and
// the cost of a page does not grow with the table.
//
// Compared with reading only below the snapshot's xmin (the other known-good design), nothing
// outside the practice can hold its feed back: a long transaction elsewhere in the cluster, or a large
// batch for another practice, does not delay this practice's readers. The cost is one writer at a time
// per practice, which is how a Source system publishes a practice anyway.
import { FEED_LIMITS } from '@dtm/shared';
import type { Pool, PoolClient } from '../db/pool.ts';
import type { FeedPosition } from '../domain/cursor.ts';
import { TIMESTAMPTZ_AS_ISO } from './timestamps.ts';

export interface ChangeRow {
  txid_text: string;
  seq_text: string;
  resource_type: string;
  id: string;
  version_id: number;
  deleted: boolean;
  body: string | null;
  /** ISO 8601 in UTC with milliseconds, as the feed sends them (repo/timestamps.ts). */
  last_updated: string;
  available_at: string;
  source_updated_at: string | null;
  /** The change would start past FEED_LIMITS.pageBodyBytes of bodies: its body is not read (null), and the page ends before it. */
  over_budget: boolean;
}

/** Bytes of the bodies before this change in the page (octet_length reads a TOASTed body's size from its header). */
const STARTS_AT = 'sum(COALESCE(octet_length(r.body), 0)) OVER page - COALESCE(octet_length(r.body), 0)';

/**
 * The feed page statement, exported so that tests and the estate benchmark explain the very text the
 * server runs. Positions are selected as text (xid8 and bigint exceed JS numbers) under other names:
 * ORDER BY on a text alias would sort lexicographically ("10" < "9") and bypass the index. A running
 * sum of body sizes in feed order ($5 is FEED_LIMITS.pageBodyBytes) leaves out the bodies of changes
 * that would start past the page's byte budget, so a run of large resources never loads `limit` of
 * them: the page ends before the first such change (services/feed.ts).
 */
export const FEED_PAGE_SQL = `SELECT r.txid::text AS txid_text, r.seq::text AS seq_text, r.resource_type, r.id, r.version_id,
                  r.deleted, CASE WHEN ${STARTS_AT} < $5 THEN r.body END AS body, r.last_updated, r.available_at, r.source_updated_at,
                  ${STARTS_AT} >= $5 AS over_budget
             FROM resource r
            WHERE r.practice = $1
              AND (r.txid, r.seq) > ($2::xid8, $3::bigint)
           WINDOW page AS (ORDER BY r.txid, r.seq ROWS UNBOUNDED PRECEDING)
            ORDER BY r.txid, r.seq
            LIMIT $4`;

/**
 * The planner setting FEED_PAGE_SQL runs under, in its own read-only transaction. Issue 7 (flat page
 * latency as the table grows): PostgreSQL estimates "this practice's rows after this position" as the
 * practice's share times the share of the whole table after that txid, as if independent. A practice
 * loaded in a burst (an initial load) is underestimated many times over, and a custom plan for a page
 * part-way through it then became a bitmap heap scan that sorts all the practice's remaining rows
 * before returning the first `limit` (PostgreSQL 15 and 18, half-way through a 20,000-row practice:
 * 6.5-8.3 ms instead of under 0.5 ms; the sort grows with the rows left, O(n^2) over an extract). With
 * sorting disabled the only plan left is the (practice, txid, seq) index scan in feed order, which
 * stops after `limit` rows, whatever the statistics say (repo/feed-plan.int.test.ts). SET LOCAL
 * confines this to the one statement, for two more round trips; a pool-wide setting (enable_sort, or
 * plan_cache_mode=force_generic_plan, whose plan also rests on estimates) would change every other
 * query the server runs.
 */
export const FEED_PAGE_PLANNER_SETTINGS = 'SET LOCAL enable_sort = off';

/** Up to `limit` changes after `after`, oldest first; those past `pageBodyBytes` of bodies come without theirs. */
export async function readChanges(pool: Pool, ods: string, after: FeedPosition, limit: number, pageBodyBytes: number = FEED_LIMITS.pageBodyBytes): Promise<ChangeRow[]> {
  const client = await pool.connect();
  try {
    // One round trip for both: a transaction, so that SET LOCAL ends with it.
    await client.query(`BEGIN READ ONLY; ${FEED_PAGE_PLANNER_SETTINGS}`);
    const res = await client.query<ChangeRow>({ name: 'feed-page', text: FEED_PAGE_SQL, values: [ods, after.txid, after.seq, limit, pageBodyBytes], types: TIMESTAMPTZ_AS_ISO });
    await client.query('COMMIT');
    return res.rows;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** The newest change a reader can see now (the feed is complete through it), or null. */
export async function highWater(pool: Pool | PoolClient, ods: string): Promise<FeedPosition | null> {
  const res = await pool.query<{ txid_text: string; seq_text: string }>({
    name: 'feed-high-water',
    text: `SELECT r.txid::text AS txid_text, r.seq::text AS seq_text
             FROM resource r
            WHERE r.practice = $1
            ORDER BY r.txid DESC, r.seq DESC
            LIMIT 1`,
    values: [ods],
  });
  const row = res.rows[0];
  return row ? { txid: row.txid_text, seq: row.seq_text } : null;
}

export const positionOf = (r: ChangeRow): FeedPosition => ({ txid: r.txid_text, seq: r.seq_text });

/**
 * True when the position names a transaction this database has not reached yet: the cursor came
 * from another database (for instance before a restore) and must be refused.
 */
export async function isFuturePosition(pool: Pool, pos: FeedPosition): Promise<boolean> {
  const res = await pool.query<{ future: boolean }>({
    name: 'feed-future-check',
    text: 'SELECT $1::xid8 >= pg_snapshot_xmax(pg_current_snapshot()) AS future',
    values: [pos.txid],
  });
  return res.rows[0]?.future ?? false;
}

/** Age in seconds of the oldest open transaction (metrics: it holds back vacuum, and a stuck writer holds its practice). */
export async function oldestTransactionAgeSeconds(pool: Pool): Promise<number> {
  const res = await pool.query<{ age: number | null }>(
    `SELECT extract(epoch FROM now() - min(xact_start))::float8 AS age
       FROM pg_stat_activity
      WHERE (backend_xid IS NOT NULL OR backend_xmin IS NOT NULL) AND pid <> pg_backend_pid()`,
  );
  return res.rows[0]?.age ?? 0;
}
