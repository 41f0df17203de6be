// Writing resources: current version plus tombstones, one row per (practice, type, id). Every
// write moves the row to the end of the practice's feed with a new (txid, seq).
import type { Pool, PoolClient } from '../db/pool.ts';
import { resourceKey, type CurrentVersion, type ResourceWrite } from '../domain/ingest-plan.ts';

export async function currentVersions(
  client: PoolClient,
  ods: string,
  keys: { resourceType: string; id: string }[],
): Promise<Map<string, CurrentVersion>> {
  const res = await client.query<{ resource_type: string; id: string; version_id: number; content_hash: Buffer | null; deleted: boolean }>(
    `SELECT resource_type, id, version_id, content_hash, deleted
       FROM resource
      WHERE practice = $1
        AND (resource_type, id) IN (SELECT * FROM unnest($2::text[], $3::text[]))`,
    [ods, keys.map((k) => k.resourceType), keys.map((k) => k.id)],
  );
  const map = new Map<string, CurrentVersion>();
  for (const r of res.rows) {
    map.set(resourceKey(r.resource_type, r.id), {
      resourceType: r.resource_type, id: r.id, versionId: r.version_id, contentHash: r.content_hash, deleted: r.deleted,
    });
  }
  return map;
}

/**
 * Writes the planned versions in one statement; each gets a new feed position. The caller's
 * transaction must hold lockPracticeForWrite (taken before its first write).
 */
export async function writeResources(client: PoolClient, ods: string, writes: ResourceWrite[], now: Date): Promise<void> {
  if (writes.length === 0) return;
  await client.query(
    `INSERT INTO resource (practice, resource_type, id, version_id, deleted, body, content_hash,
                           last_updated, available_at, source_updated_at)
     SELECT $1, t.resource_type, t.id, t.version_id, t.deleted, t.body, t.content_hash, $8, $8, t.source_updated_at
       FROM unnest($2::text[], $3::text[], $4::bigint[], $5::boolean[], $6::text[], $7::bytea[], $9::timestamptz[])
            WITH ORDINALITY AS t(resource_type, id, version_id, deleted, body, content_hash, source_updated_at, ord)
      ORDER BY t.ord
     ON CONFLICT (practice, resource_type, id) DO UPDATE SET
        version_id = excluded.version_id,
        txid = pg_current_xact_id(),
        seq = nextval('change_seq'),
        deleted = excluded.deleted,
        body = excluded.body,
        content_hash = excluded.content_hash,
        last_updated = excluded.last_updated,
        available_at = excluded.available_at,
        source_updated_at = excluded.source_updated_at`,
    [
      ods,
      writes.map((w) => w.resourceType),
      writes.map((w) => w.id),
      writes.map((w) => w.versionId),
      writes.map((w) => w.deleted),
      writes.map((w) => w.body),
      writes.map((w) => w.contentHash),
      now,
      writes.map((w) => w.sourceUpdatedAt),
    ],
  );
}

export async function addCounts(
  client: PoolClient,
  ods: string,
  deltas: Map<string, { live: number; deleted: number }>,
): Promise<void> {
  if (deltas.size === 0) return;
  const types = [...deltas.keys()];
  await client.query(
    `INSERT INTO resource_count AS rc (practice, resource_type, live, deleted)
     SELECT $1, * FROM unnest($2::text[], $3::bigint[], $4::bigint[])
     ON CONFLICT (practice, resource_type) DO UPDATE SET
        live = rc.live + excluded.live, deleted = rc.deleted + excluded.deleted`,
    [ods, types, types.map((t) => deltas.get(t)!.live), types.map((t) => deltas.get(t)!.deleted)],
  );
}

export async function countsByType(db: Pool, ods: string): Promise<{ resourceType: string; live: number; deleted: number }[]> {
  const res = await db.query<{ resource_type: string; live: number; deleted: number }>(
    `SELECT resource_type, live, deleted FROM resource_count
      WHERE practice = $1 AND (live > 0 OR deleted > 0) ORDER BY resource_type`,
    [ods],
  );
  return res.rows.map((r) => ({ resourceType: r.resource_type, live: r.live, deleted: r.deleted }));
}

/** Announces committed changes to long-polling readers in every server process (LISTEN/NOTIFY). */
export async function notifyChanged(client: PoolClient, ods: string): Promise<void> {
  await client.query("SELECT pg_notify('dtm_changes', $1)", [ods]);
}
