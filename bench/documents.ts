// The documents part of the feed-ingest benchmark: a practice's documents published once, then
// downloaded whole, a dozen at a time, as the sync client's documents pass does (its default
// DTM_BINARY_PARALLEL). Issue 7: an extract downloads thousands of documents of a few tens of kB, so
// the cost of one download on the server and in PostgreSQL (authentication, the retrieval session,
// the bytes, the access log) weighs as much as the feed's pages. Measured per download, it is also
// far steadier than an end-to-end figure on a host whose speed drifts.
import { createHash } from 'node:crypto';
import { Pool } from 'undici';
import { mulberry32 } from '../packages/dtm-server/src/seed/random.ts';
import { putBinary } from '../packages/dtm-server/src/seed/publish.ts';

export interface DocumentSet {
  ids: string[];
  /** SHA-256 of each, base64, as Repr-Digest carries it. */
  digests: Map<string, string>;
  bytesEach: number;
}

const REQUEST_TIMEOUT_MS = 120_000;

/** Publishes `count` documents of `bytesEach` seeded bytes to the practice. */
export async function publishDocuments(url: string, headers: Record<string, string>, ods: string, count: number, bytesEach: number, seed: number): Promise<DocumentSet> {
  const rng = mulberry32(seed);
  const set: DocumentSet = { ids: [], digests: new Map(), bytesEach };
  for (let i = 0; i < count; i++) {
    const content = Buffer.alloc(bytesEach);
    for (let j = 0; j < bytesEach; j++) content[j] = Math.floor(rng() * 256);
    const id = `doc-${i}`;
    set.digests.set(id, await putBinary(url, ods, { id, contentType: 'application/pdf', content }, headers));
    set.ids.push(id);
  }
  return set;
}

/**
 * Downloads every document once, `parallel` at a time over keep-alive connections, checking each
 * one's size and its Repr-Digest against what was published. Returns the wall seconds.
 */
export async function downloadAll(url: string, headers: Record<string, string>, ods: string, set: DocumentSet, parallel: number): Promise<number> {
  // undici's Pool, as the sync client uses (packages/dtm-client/src/client.ts).
  const pool = new Pool(url, { connections: parallel, keepAliveTimeout: 30_000 });
  try {
    let next = 0;
    const t0 = performance.now();
    await Promise.all(Array.from({ length: parallel }, async () => {
      while (next < set.ids.length) {
        const id = set.ids[next++]!;
        const res = await pool.request({ method: 'GET', path: `/v1/practices/${ods}/binaries/${id}`, headers, headersTimeout: REQUEST_TIMEOUT_MS, bodyTimeout: REQUEST_TIMEOUT_MS });
        const body = Buffer.from(await res.body.arrayBuffer());
        if (res.statusCode !== 200) throw new Error(`document ${id}: HTTP ${res.statusCode}`);
        const sent = /sha-256=:([A-Za-z0-9+/=]+):/.exec(String(res.headers['repr-digest'] ?? ''))?.[1];
        if (body.length !== set.bytesEach || sent !== set.digests.get(id) || createHash('sha256').update(body).digest('base64') !== sent) {
          throw new Error(`document ${id}: ${body.length} bytes, Repr-Digest ${sent ?? 'absent'}: not what was published`);
        }
      }
    }));
    return (performance.now() - t0) / 1000;
  } finally {
    await pool.close();
  }
}
