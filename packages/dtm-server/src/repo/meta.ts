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
  const res = await client.query<{ value: string }>(
    `UPDATE dtm_meta SET value = substr(md5(random()::text || clock_timestamp()::text), 1, 16)
      WHERE key = 'epoch' RETURNING value`,
  );
  return { epoch: res.rows[0]!.value, rows: moved.rowCount ?? 0 };
}
