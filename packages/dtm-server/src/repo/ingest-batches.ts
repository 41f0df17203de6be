// Idempotency of ingest: a batch with an Idempotency-Key is recorded with its answer; a retry with the
// same key and body gets that answer back and writes nothing.
import type { PoolClient } from '../db/pool.ts';

export interface StoredBatch {
  requestHash: Buffer;
  result: unknown;
}

/**
 * Claims the key inside the caller's transaction. Returns null when claimed, or the earlier batch
 * when the key was already used (a concurrent claim waits for the other transaction to finish).
 */
export async function claimIdempotencyKey(
  client: PoolClient,
  ods: string,
  key: string,
  requestHash: Buffer,
  receivedAt: Date,
  sourceAsOf: string,
): Promise<StoredBatch | null> {
  const ins = await client.query(
    `INSERT INTO ingest_batch (practice, idempotency_key, request_hash, received_at, source_as_of, result)
     VALUES ($1, $2, $3, $4, $5, '{}'::jsonb)
     ON CONFLICT (practice, idempotency_key) DO NOTHING
     RETURNING id`,
    [ods, key, requestHash, receivedAt, sourceAsOf],
  );
  if (ins.rowCount === 1) return null;
  const res = await client.query<{ request_hash: Buffer; result: unknown }>(
    'SELECT request_hash, result FROM ingest_batch WHERE practice = $1 AND idempotency_key = $2',
    [ods, key],
  );
  const row = res.rows[0]!;
  return { requestHash: row.request_hash, result: row.result };
}

export async function recordBatch(
  client: PoolClient,
  ods: string,
  key: string | null,
  requestHash: Buffer,
  receivedAt: Date,
  sourceAsOf: string,
  result: unknown,
): Promise<void> {
  if (key) {
    await client.query('UPDATE ingest_batch SET result = $3 WHERE practice = $1 AND idempotency_key = $2', [ods, key, result]);
  } else {
    await client.query(
      `INSERT INTO ingest_batch (practice, idempotency_key, request_hash, received_at, source_as_of, result)
       VALUES ($1, NULL, $2, $3, $4, $5)`,
      [ods, requestHash, receivedAt, sourceAsOf, result],
    );
  }
}
