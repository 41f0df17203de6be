// Downloads the binaries DocumentReferences point at: in parallel (bounded), resumable with Range
// from a .part file, and verified against the server's SHA-256 (Repr-Digest) and the attachment's
// size and SHA-1 before they count as held.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import type { DtmClient } from '../client.ts';
import { HttpError } from '../http/retry.ts';
import type { Store } from '../store/store.ts';

export interface BinaryResult {
  verified: number;
  failed: number;
}

const MAX_ATTEMPTS = 5;

async function hashFile(file: string): Promise<{ sha256: ReturnType<typeof createHash>; sha1: ReturnType<typeof createHash>; size: number }> {
  const sha256 = createHash('sha256');
  const sha1 = createHash('sha1');
  let size = 0;
  try {
    for await (const chunk of createReadStream(file)) {
      sha256.update(chunk as Buffer);
      sha1.update(chunk as Buffer);
      size += (chunk as Buffer).length;
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  return { sha256, sha1, size };
}

export async function fetchBinaries(
  o: { client: DtmClient; store: Store; practice: string; dir: string; parallel: number; now: () => Date; signal?: AbortSignal },
  onResult: (id: string, state: 'verified' | 'failed', bytes: number, error?: string) => void,
): Promise<BinaryResult> {
  const result: BinaryResult = { verified: 0, failed: 0 };
  const dir = path.join(o.dir, o.practice);
  await mkdir(dir, { recursive: true });
  for (;;) {
    const batch = await o.store.pendingBinaries(o.practice, o.parallel * 4);
    if (batch.length === 0 || o.signal?.aborted) return result;
    let next = 0;
    await Promise.all(Array.from({ length: Math.min(o.parallel, batch.length) }, async () => {
      while (next < batch.length && !o.signal?.aborted) {
        const b = batch[next++]!;
        const final = path.join(dir, b.id);
        const part = `${final}.part`;
        try {
          // Resume: hash what is already on disk, then ask only for the rest. A .part that is already
          // whole (killed between download and rename) gets 416 for its Range: start that one again.
          let have = await hashFile(part);
          let res;
          try {
            res = await o.client.binary(o.practice, b.id, have.size, o.signal);
          } catch (err) {
            if (!(err instanceof HttpError && err.status === 416 && have.size > 0)) throw err;
            await unlink(part).catch(() => undefined);
            have = await hashFile(part);
            res = await o.client.binary(o.practice, b.id, 0, o.signal);
          }
          if (have.size > 0 && res.status !== 206) {
            throw new Error('the server did not honour the Range request');
          }
          let size = have.size;
          const tap = new Transform({
            transform(chunk: Buffer, _enc, cb) {
              have.sha256.update(chunk);
              have.sha1.update(chunk);
              size += chunk.length;
              cb(null, chunk);
            },
          });
          await pipeline(res.body, tap, createWriteStream(part, { flags: have.size > 0 ? 'a' : 'w' }));
          const sha256 = have.sha256.digest('base64');
          const sha1 = have.sha1.digest('base64');
          const expected256 = /sha-256=:([A-Za-z0-9+/=]+):/.exec(res.reprDigest ?? '')?.[1];
          const problems = [
            expected256 && expected256 !== sha256 ? 'SHA-256 differs from the server\'s Repr-Digest' : null,
            b.expectedSize !== null && b.expectedSize !== size ? 'size differs from the DocumentReference attachment' : null,
            b.expectedSha1 !== null && b.expectedSha1 !== sha1 ? 'SHA-1 differs from the DocumentReference attachment hash' : null,
          ].filter(Boolean);
          if (problems.length) {
            // Start again from nothing next time rather than resume corrupt bytes.
            await rename(part, `${part}.bad-${Date.now()}`).catch(() => undefined);
            throw new Error(problems.join('; '));
          }
          await rename(part, final);
          if (await o.store.binaryVerified(o.practice, b.id, { size, sha256, contentType: res.contentType ?? null, expectedSize: b.expectedSize, expectedSha1: b.expectedSha1 }, o.now())) {
            result.verified++;
            onResult(b.id, 'verified', size);
          }
        } catch (err) {
          if (o.signal?.aborted) return;
          const msg = (err as Error).message;
          // Kept pending (tried again by the next pass) until MAX_ATTEMPTS, then failed and reported.
          if (await o.store.binaryFailed(o.practice, b.id, msg, MAX_ATTEMPTS, o.now())) {
            result.failed++;
            onResult(b.id, 'failed', 0, msg);
          }
        }
      }
    }));
  }
}
