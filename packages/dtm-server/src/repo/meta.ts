import type { Pool, PoolClient } from '../db/pool.ts';

export async function getEpoch(db: Pool | PoolClient): Promise<string> {
  const res = await db.query<{ value: string }>({
    name: 'meta-epoch',
    text: "SELECT value FROM dtm_meta WHERE key = 'epoch'",
  });
  const epoch = res.rows[0]?.value;
  if (!epoch) throw new Error('dtm_meta has no epoch: migrations have not run');
  return epoch;
}

/**
 * After a restore: give every row a new position in one transaction (keeping their relative order)
 * and a new epoch, so positions are valid in this database and every old cursor is refused.
 */
export async function resetEpoch(client: PoolClient): Promise<{ epoch: string; rows: number }> {
  // Writers must not interleave: one that already has a transaction id waits to be waited for (it
  // holds a lock on practice), and one that has not yet written waits here without an id, so every
  // later write sorts after the renumbered feed.
  await client.query('LOCK TABLE practice, resource IN EXCLUSIVE MODE');
  const moved = await client.query(
    `UPDATE resource r SET txid = pg_current_xact_id(), seq = o.new_seq
       FROM (SELECT practice, resource_type, id, nextval('change_seq') AS new_seq
               FROM (SELECT practice, resource_type, id FROM resource ORDER BY txid, seq) ordered) o
      WHERE (r.practice, r.resource_type, r.id) = (o.practice, o.resource_type, o.id)`,
  );
  // A frozen practice's final watermark is its high-water mark (nothing is written after the freeze),
  // so it moves with the renumbering. Any other final position (a migration aborted after its freeze,
  // or superseded by a new one) named a point in a feed that has since changed: it is cleared rather
  // than left to name a wrong place.
  await client.query(
    `WITH latest AS (SELECT DISTINCT ON (practice) id, practice, state FROM migration ORDER BY practice, seq DESC),
          frozen AS (SELECT l.id, hw.txid, hw.seq FROM latest l
                       CROSS JOIN LATERAL (SELECT r.txid, r.seq FROM resource r WHERE r.practice = l.practice
                                            ORDER BY r.txid DESC, r.seq DESC LIMIT 1) hw
                      WHERE l.state IN ('source-frozen', 'target-complete', 'business-go-live', 'run-off', 'accepted'))
     UPDATE migration m SET final_txid = f.txid, final_seq = f.seq
       FROM (SELECT m2.id, frozen.txid, frozen.seq FROM migration m2 LEFT JOIN frozen ON frozen.id = m2.id
              WHERE m2.final_txid IS NOT NULL) f
      WHERE m.id = f.id`,
  );
  const res = await client.query<{ value: string }>(
    `UPDATE dtm_meta SET value = substr(md5(random()::text || clock_timestamp()::text), 1, 16)
      WHERE key = 'epoch' RETURNING value`,
  );
  return { epoch: res.rows[0]!.value, rows: moved.rowCount ?? 0 };
}
