// Publishes a generated practice through the ingest API, as the live Source system would: binaries
// first (so every DocumentReference's Binary exists when it appears), then resources in bounded
// batches, each with an Idempotency-Key so a rerun is safe.
import { createHash } from 'node:crypto';
import { INGEST_LIMITS, type IngestResult } from '@dtm/shared';
import type { SyntheticBinary, SyntheticPractice } from './synthetic-practice.ts';

export interface PublishSummary {
  resources: number;
  created: number;
  updated: number;
  unchanged: number;
  binaries: number;
}

async function check(res: Response, what: string): Promise<Response> {
  if (!res.ok) throw new Error(`${what} failed: HTTP ${res.status} ${await res.text()}`);
  return res;
}

/** Stores one binary through the ingest API with its Repr-Digest, so the DTM checks the bytes; returns that SHA-256 (base64). */
export async function putBinary(baseUrl: string, ods: string, b: SyntheticBinary, headers: Record<string, string> = {}): Promise<string> {
  const sha256 = createHash('sha256').update(b.content).digest('base64');
  const res = await check(
    await fetch(`${baseUrl}/v1/ingest/practices/${ods}/binaries/${b.id}`, {
      method: 'PUT',
      headers: { 'content-type': b.contentType, 'repr-digest': `sha-256=:${sha256}:`, ...headers },
      body: b.content,
    }),
    `binary ${b.id}`,
  );
  await res.arrayBuffer();
  return sha256;
}

export async function publishPractice(
  baseUrl: string,
  practice: SyntheticPractice,
  opts: { batchSize?: number; sourceAsOf?: Date; headers?: Record<string, string> } = {},
): Promise<PublishSummary> {
  const batchSize = Math.min(opts.batchSize ?? 1000, INGEST_LIMITS.maxItemsPerBatch);
  const base = `${baseUrl}/v1/ingest/practices/${practice.ods}`;
  await check(
    await fetch(base, { method: 'PUT', headers: { 'content-type': 'application/json', ...opts.headers }, body: JSON.stringify({ name: practice.name }) }),
    'practice registration',
  );
  for (const b of practice.binaries) await putBinary(baseUrl, practice.ods, b, opts.headers);
  const summary: PublishSummary = { resources: practice.resources.length, created: 0, updated: 0, unchanged: 0, binaries: practice.binaries.length };
  for (let i = 0; i < practice.resources.length; i += batchSize) {
    // The extract reflects the source as of now; each record changed no later than that.
    const sourceAsOf = (opts.sourceAsOf ?? new Date()).toISOString();
    const items = practice.resources.slice(i, i + batchSize).map((resource) => ({ op: 'upsert', resource, sourceUpdatedAt: sourceAsOf }));
    const body = JSON.stringify({ sourceAsOf, items });
    const res = await check(
      await fetch(`${base}/changes`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'idempotency-key': `seed-${practice.ods}-${createHash('sha256').update(body).digest('hex').slice(0, 32)}`,
          ...opts.headers,
        },
        body,
      }),
      'ingest batch',
    );
    const r = (await res.json()) as IngestResult;
    summary.created += r.created;
    summary.updated += r.updated;
    summary.unchanged += r.unchanged;
  }
  return summary;
}
