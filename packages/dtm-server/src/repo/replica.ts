// Questions asked of the read replica (DTM_READ_DATABASE_URL, a hot standby of the primary): has it
// replayed a given feed position yet, and how far behind is it. docs/scaling.md, read replicas.
import type { Pool } from '../db/pool.ts';
import type { FeedPosition } from '../domain/cursor.ts';

/**
 * True when the transaction that wrote the position is committed in this database's snapshot: a
 * standby has replayed its commit record, so (repo/changes.ts) every change of the practice up to
 * the position is visible here and a page after it has no gap. False for a transaction the standby
 * has not reached or still shows as in progress; the primary answers for such a cursor instead.
 */
export async function hasReplayed(pool: Pool, pos: FeedPosition): Promise<boolean> {
  const res = await pool.query<{ replayed: boolean }>({
    name: 'replica-has-replayed',
    text: 'SELECT pg_visible_in_snapshot($1::xid8, pg_current_snapshot()) AS replayed',
    values: [pos.txid],
  });
  return res.rows[0]?.replayed ?? false;
}

/**
 * Seconds between now and the commit time of the last transaction the standby replayed; 0 when it
 * has replayed all the WAL it received (an idle primary is not lag). null when not a standby.
 */
export async function replayLagSeconds(pool: Pool): Promise<number | null> {
  const res = await pool.query<{ lag: number | null }>({
    name: 'replica-lag',
    text: `SELECT CASE WHEN NOT pg_is_in_recovery() THEN NULL
                       WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
                       ELSE greatest(0, extract(epoch FROM now() - pg_last_xact_replay_timestamp()))::float8
                   END AS lag`,
  });
  return res.rows[0]?.lag ?? null;
}
