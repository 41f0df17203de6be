// The rows behind the completeness digest: (resource_type, id, version_id, deleted) of a practice's
// resources and tombstones, in keyset batches on the primary key (practice, resource_type, id), never
// the bodies. The ordering is the database's collation for text, the same for ORDER BY and the keyset
// comparison, so pages never skip or repeat.
import type { Pool, PoolClient } from '../db/pool.ts';

export interface DigestRow {
  resource_type: string;
  id: string;
  version_text: string;
  deleted: boolean;
}

export interface EntryKey {
  resourceType: string;
  id: string;
}

/**
 * Up to `limit` entries after `after`, optionally of one resource type. Each case is its own
 * statement, so the keyset condition is an index range (as the feed's is, repo/changes.ts) and a
 * page costs the same wherever it starts, rather than a filter that rescans from the first row.
 */
export async function digestRows(db: Pool | PoolClient, ods: string, after: EntryKey | null, limit: number, resourceType?: string): Promise<DigestRow[]> {
  const where = ['practice = $1'];
  const values: unknown[] = [ods];
  if (resourceType !== undefined) {
    values.push(resourceType);
    where.push(`resource_type = $${values.length}`);
  }
  if (after) {
    values.push(after.resourceType, after.id);
    where.push(`(resource_type, id) > ($${values.length - 1}, $${values.length})`);
  }
  values.push(limit);
  const res = await db.query<DigestRow>({
    name: `digest-rows${resourceType !== undefined ? '-type' : ''}${after ? '-after' : ''}`,
    text: `SELECT resource_type, id, version_id::text AS version_text, deleted
             FROM resource
            WHERE ${where.join(' AND ')}
            ORDER BY resource_type, id
            LIMIT $${values.length}`,
    values,
  });
  return res.rows;
}
