// Reading the change feed.
//
// Why the feed position is (txid, seq) and reads stop at the snapshot's xmin:
// a sequence number alone is not a safe cursor, because PostgreSQL sequences are allocated when a
// row is written but become visible when the transaction commits, and transactions commit out of
// the order they started in. A reader that saw seq 2 (committed) while seq 1 was still in flight,
// then asked for `seq > 2`, would lose seq 1 forever.
//
// So each row records the id of the transaction that wrote it (pg_current_xact_id(), an xid8 that
// never wraps) and the feed is ordered by (txid, seq). A page only returns rows whose txid is below
// pg_snapshot_xmin(pg_current_snapshot()): every transaction with an id below that horizon has
// finished, so no row can still appear before the last one returned, and any transaction that
// writes later has a txid at or above the horizon, which sorts after the cursor. Rows above the
// horizon wait for the next read. Ordering is on the table's own columns so the (practice, txid,
// seq) index serves it: the cost of a page does not grow with the table.
//
// The horizon stalls, never loses, behind a long-open transaction anywhere in the cluster: pools set
// idle_in_transaction_session_timeout, ingest uses bounded transactions, binaries are written outside
// one, and metrics expose the age of the oldest open transaction.
import type { Pool } from '../db/pool.ts';
import type { FeedPosition } from '../domain/cursor.ts';

export interface ChangeRow {
  txid_text: string;
  seq_text: string;
  resource_type: string;
  id: string;
  version_id: number;
  deleted: boolean;
  body: string | null;
  last_updated: Date;
  available_at: Date;
  source_updated_at: Date | null;
}

/** Up to `limit` changes after `after`, oldest first, below the visibility horizon. */
export async function readChanges(pool: Pool, ods: string, after: FeedPosition, limit: number): Promise<ChangeRow[]> {
  const res = await pool.query<ChangeRow>({
    name: 'feed-page',
    // Positions are selected as text (xid8 and bigint exceed JS numbers) under other names: ORDER BY
    // on a text alias would sort lexicographically ("10" < "9") and bypass the index.
    text: `SELECT r.txid::text AS txid_text, r.seq::text AS seq_text, r.resource_type, r.id, r.version_id,
                  r.deleted, r.body, r.last_updated, r.available_at, r.source_updated_at
             FROM resource r
            WHERE r.practice = $1
              AND (r.txid, r.seq) > ($2::xid8, $3::bigint)
              AND r.txid < pg_snapshot_xmin(pg_current_snapshot())
            ORDER BY r.txid, r.seq
            LIMIT $4`,
    values: [ods, after.txid, after.seq, limit],
  });
  return res.rows;
}

/** The newest change a reader can see now (the feed is complete through it), or null. */
export async function highWater(pool: Pool, ods: string): Promise<FeedPosition | null> {
  const res = await pool.query<{ txid_text: string; seq_text: string }>({
    name: 'feed-high-water',
    text: `SELECT r.txid::text AS txid_text, r.seq::text AS seq_text
             FROM resource r
            WHERE r.practice = $1 AND r.txid < pg_snapshot_xmin(pg_current_snapshot())
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

/** Age in seconds of the oldest open transaction holding back the horizon (metrics). */
export async function oldestTransactionAgeSeconds(pool: Pool): Promise<number> {
  const res = await pool.query<{ age: number | null }>(
    `SELECT extract(epoch FROM now() - min(xact_start))::float8 AS age
       FROM pg_stat_activity
      WHERE (backend_xid IS NOT NULL OR backend_xmin IS NOT NULL) AND pid <> pg_backend_pid()`,
  );
  return res.rows[0]?.age ?? 0;
}
