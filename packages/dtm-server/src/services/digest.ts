// Proof of completeness on the server side: the practice's digest (shared/digest.ts) computed by
// streaming its rows from PostgreSQL in keyset batches, in one read-only snapshot so that the digest
// and the high-water cursor it names describe the same state; and the entries behind it, paged, so a
// Target whose digest differs can find exactly which ids.
import { DIGEST_LIMITS, DigestAccumulator, type Digest, type DigestEntryPage } from '@dtm/shared';
import type { Pool } from '../db/pool.ts';
import { notFound } from '../errors.ts';
import { encodeCursor } from '../domain/cursor.ts';
import { getPractice } from '../repo/practices.ts';
import { highWater } from '../repo/changes.ts';
import { getEpoch } from '../repo/meta.ts';
import { digestRows, type EntryKey } from '../repo/digest.ts';

/** Rows per batch: a few hundred kilobytes of keys at a time, whatever the practice's size. */
const BATCH = 5000;

async function requirePracticeHeld(pool: Pool, ods: string): Promise<void> {
  if (!(await getPractice(pool, ods))) throw notFound(`No practice ${ods} is held by this DTM.`);
}

/**
 * The digest of everything the DTM holds for the practice now, with the high-water cursor. Read in
 * one REPEATABLE READ snapshot: each practice's writers commit in feed order (repo/changes.ts), so a
 * snapshot holds exactly the changes up to its high-water position, and a Target that has applied
 * the feed through that cursor holds exactly these entries.
 */
export async function practiceDigest(deps: { pool: Pool }, ods: string): Promise<Digest> {
  await requirePracticeHeld(deps.pool, ods);
  const client = await deps.pool.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const epoch = await getEpoch(client);
    const hw = await highWater(client, ods);
    const acc = new DigestAccumulator();
    let after: EntryKey | null = null;
    for (;;) {
      const rows = await digestRows(client, ods, after, BATCH);
      for (const r of rows) acc.add(r.resource_type, r.id, r.version_text, r.deleted);
      const last = rows.at(-1);
      if (!last || rows.length < BATCH) break;
      after = { resourceType: last.resource_type, id: last.id };
    }
    await client.query('COMMIT');
    return acc.toDigest(hw ? encodeCursor(epoch, hw) : null);
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** Parses `{resourceType}/{id}` (the contract's pattern has already checked its form). */
export function parseEntryKey(key: string | undefined): EntryKey | null {
  if (key === undefined) return null;
  const slash = key.indexOf('/');
  return { resourceType: key.slice(0, slash), id: key.slice(slash + 1) };
}

export async function digestEntries(
  deps: { pool: Pool },
  ods: string,
  q: { resourceType?: string; after?: string; limit?: number },
): Promise<DigestEntryPage> {
  await requirePracticeHeld(deps.pool, ods);
  const limit = q.limit ?? DIGEST_LIMITS.defaultLimit;
  const rows = await digestRows(deps.pool, ods, parseEntryKey(q.after), limit, q.resourceType);
  const last = rows.at(-1);
  return {
    entries: rows.map((r) => ({ resourceType: r.resource_type, id: r.id, versionId: r.version_text, deleted: r.deleted })),
    next: last && rows.length === limit ? `${last.resource_type}/${last.id}` : null,
  };
}
