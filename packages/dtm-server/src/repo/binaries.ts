// Binary storage: content in 256 KiB chunks (bytea) keyed by an upload id, metadata in
// binary_content. Chunks are inserted one statement at a time, outside any long transaction.
import type { Pool, PoolClient } from '../db/pool.ts';

export const CHUNK_SIZE = 256 * 1024;

export interface BinaryRow {
  practice: string;
  id: string;
  content_type: string;
  size: number;
  sha256: Buffer;
  sha1: Buffer;
  upload_id: string;
}

export async function insertChunk(pool: Pool, uploadId: string, n: number, data: Buffer): Promise<void> {
  await pool.query({ name: 'binary-chunk-insert', text: 'INSERT INTO binary_chunk (upload_id, n, data) VALUES ($1, $2, $3)', values: [uploadId, n, data] });
}

export async function deleteChunks(db: Pool | PoolClient, uploadId: string): Promise<void> {
  await db.query('DELETE FROM binary_chunk WHERE upload_id = $1', [uploadId]);
}

export async function getBinary(db: Pool | PoolClient, ods: string, id: string, forUpdate = false): Promise<BinaryRow | null> {
  const res = await db.query<BinaryRow>(
    `SELECT practice, id, content_type, size, sha256, sha1, upload_id::text AS upload_id
       FROM binary_content WHERE practice = $1 AND id = $2 ${forUpdate ? 'FOR UPDATE' : ''}`,
    [ods, id],
  );
  return res.rows[0] ?? null;
}

export async function putBinary(client: PoolClient, row: BinaryRow, storedAt: Date): Promise<void> {
  await client.query(
    `INSERT INTO binary_content (practice, id, content_type, size, sha256, sha1, upload_id, stored_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (practice, id) DO UPDATE SET content_type = excluded.content_type, size = excluded.size,
       sha256 = excluded.sha256, sha1 = excluded.sha1, upload_id = excluded.upload_id, stored_at = excluded.stored_at`,
    [row.practice, row.id, row.content_type, row.size, row.sha256, row.sha1, row.upload_id, storedAt],
  );
}

/** Chunks read per statement: 2 MiB at most in memory per download (binaryBytes lets each go once sent). */
export const CHUNKS_PER_READ = 8;

export interface Chunk {
  n: number;
  data: Buffer;
}

/**
 * The binary and its chunks [first, first + count) as they stand in one snapshot, in one statement:
 * a document of up to 2 MiB is then read with a single round trip (issue 7: downloads are the
 * extract's most numerous requests). Null when the practice holds no such binary.
 */
export async function getBinaryWithChunks(db: Pool, ods: string, id: string, first: number, count: number): Promise<{ row: BinaryRow; chunks: Chunk[] } | null> {
  const res = await db.query<BinaryRow & { n: number | null; data: Buffer | null }>({
    name: 'binary-with-chunks',
    text: `SELECT b.practice, b.id, b.content_type, b.size, b.sha256, b.sha1, b.upload_id::text AS upload_id, c.n, c.data
             FROM binary_content b LEFT JOIN binary_chunk c ON c.upload_id = b.upload_id AND c.n BETWEEN $3 AND $4
            WHERE b.practice = $1 AND b.id = $2
            ORDER BY c.n`,
    values: [ods, id, first, first + count - 1],
  });
  const head = res.rows[0];
  if (!head) return null;
  const { n: _n, data: _data, ...row } = head;
  return { row, chunks: res.rows.filter((r) => r.n !== null).map((r) => ({ n: r.n!, data: r.data! })) };
}

/** Chunks n in [first, last], in order, `batch` at a time so memory stays bounded. */
export async function* readChunks(pool: Pool, uploadId: string, first: number, last: number, batch = CHUNKS_PER_READ): AsyncGenerator<Chunk> {
  for (let from = first; from <= last; from += batch) {
    const res = await pool.query<{ n: number; data: Buffer }>({
      name: 'binary-chunk-read',
      text: 'SELECT n, data FROM binary_chunk WHERE upload_id = $1 AND n BETWEEN $2 AND $3 ORDER BY n',
      values: [uploadId, from, Math.min(last, from + batch - 1)],
    });
    yield* res.rows;
  }
}

/** Up to `limit` of a practice's binaries after `after`, by id: id, size and SHA-256, never content. */
export async function listBinaryDigests(db: Pool, ods: string, after: string | null, limit: number): Promise<{ id: string; size: number; sha256: Buffer }[]> {
  const res = await db.query<{ id: string; size: number; sha256: Buffer }>({
    name: after === null ? 'binary-digests' : 'binary-digests-after',
    text: `SELECT id, size, sha256 FROM binary_content WHERE practice = $1 ${after === null ? '' : 'AND id > $3'} ORDER BY id LIMIT $2`,
    values: after === null ? [ods, limit] : [ods, limit, after],
  });
  return res.rows;
}
