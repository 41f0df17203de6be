// Downloads the binaries DocumentReferences point at: in parallel (bounded), resumable with Range
// from a .part file, and verified against the server's SHA-256 (Repr-Digest) and the attachment's
// size and SHA-1 before they count as held.
import { createHash, type Hash } from 'node:crypto';
import { mkdir, open, rename, unlink, writeFile, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { DtmClient } from '../client.ts';
import { HttpError } from '../http/retry.ts';
import type { Store, VerifiedDownload } from '../store/store.ts';

export interface BinaryResult {
  verified: number;
  failed: number;
}

export const MAX_ATTEMPTS = 5;
const FIRST_RETRY_MS = 10_000;
const FAILED_RETRY_MS = 3600_000;

/**
 * How long a binary waits after its nth failed attempt: 10 s, 20 s, 40 s, 80 s, then (failed, and
 * reported) hourly. Passes run back to back during an extract and after every long-poll: without a
 * wait, a document the Source stores a little after its DocumentReference (the DTM answers 404 until
 * then), or a network outage of a minute, used up every attempt within milliseconds, and a failed
 * document was never tried again.
 */
export const retryDelayMs = (attempts: number): number =>
  attempts >= MAX_ATTEMPTS ? FAILED_RETRY_MS : FIRST_RETRY_MS * 2 ** (attempts - 1);

/** Feeds a file's bytes to `hashes`; its size, or null when there is no such file. */
export async function hashInto(file: string, hashes: Hash[]): Promise<number | null> {
  let fh: FileHandle;
  try {
    fh = await open(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  let size = 0;
  try {
    for await (const chunk of fh.createReadStream({ autoClose: false })) {
      for (const h of hashes) h.update(chunk as Buffer);
      size += (chunk as Buffer).length;
    }
  } finally {
    await fh.close();
  }
  return size;
}

/** What is already on disk in a .part file (nothing when there is none): its hashes so far and size. */
export async function hashFile(file: string): Promise<{ sha256: Hash; sha1: Hash; size: number; missing: boolean }> {
  const sha256 = createHash('sha256');
  const sha1 = createHash('sha1');
  const size = await hashInto(file, [sha256, sha1]);
  return { sha256, sha1, size: size ?? 0, missing: size === null };
}

/**
 * A body held in memory up to this size is written to its .part file in one call once whole; a larger
 * one streams to disk as it arrives, so memory stays bounded and a cut download resumes from what was
 * written. Issue 7: a write stream per document (open, a write per chunk, close, each through libuv's
 * thread pool) cost about one and a half times the CPU of one writeFile for 4,705 files of about 21 kB.
 */
export const WRITE_WHOLE_UP_TO = 1024 * 1024;

/** Saves a response body to `part`, after what a resumed download holds there when `append`, feeding each chunk to `onChunk`. */
export async function saveBody(body: AsyncIterable<Buffer>, part: string, append: boolean, onChunk: (chunk: Buffer) => void): Promise<void> {
  const held: Buffer[] = [];
  let heldBytes = 0;
  let fh: FileHandle | null = null;
  try {
    for await (const chunk of body) {
      onChunk(chunk);
      // FileHandle.writeFile writes it all at the current position (write() may write only part).
      if (fh) {
        await fh.writeFile(chunk);
        continue;
      }
      held.push(chunk);
      heldBytes += chunk.length;
      if (heldBytes > WRITE_WHOLE_UP_TO) {
        fh = await open(part, append ? 'a' : 'w');
        await fh.writeFile(Buffer.concat(held, heldBytes));
        held.length = 0;
      }
    }
    if (!fh) await writeFile(part, held.length === 1 ? held[0]! : Buffer.concat(held, heldBytes), { flag: append ? 'a' : 'w' });
  } finally {
    await fh?.close();
  }
}

export async function fetchBinaries(
  o: { client: DtmClient; store: Store; practice: string; dir: string; parallel: number; now: () => Date; signal?: AbortSignal },
  onResult: (id: string, state: 'verified' | 'failed', bytes: number, error?: string) => void,
): Promise<BinaryResult> {
  const result: BinaryResult = { verified: 0, failed: 0 };
  const dir = path.join(o.dir, o.practice);
  await mkdir(dir, { recursive: true });
  for (;;) {
    // Each attempt that fails sets a retry time after now, so a pass never takes the same binary twice.
    const batch = await o.store.pendingBinaries(o.practice, o.parallel * 4, o.now());
    if (batch.length === 0 || o.signal?.aborted) return result;
    let next = 0;
    // Recorded together when the batch ends (Store.binariesVerified), and written before the next
    // batch is chosen, so none is fetched twice; a crash before then leaves them pending, to be fetched
    // again. So 'verified' events come when their batch ends.
    const verified: VerifiedDownload[] = [];
    // Settled, not Promise.all: a worker that fails (its store write failing) must not leave the
    // others' downloads, still finishing, unrecorded.
    const outcomes = await Promise.allSettled(Array.from({ length: Math.min(o.parallel, batch.length) }, async () => {
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
            // A server (or a proxy) may ignore Range and send the whole: take it whole (RFC 9110 14.2).
            have = { sha256: createHash('sha256'), sha1: createHash('sha1'), size: 0, missing: true };
          }
          let size = have.size;
          await saveBody(res.body, part, have.size > 0, (chunk) => {
            have.sha256.update(chunk);
            have.sha1.update(chunk);
            size += chunk.length;
          });
          const sha256 = have.sha256.digest('base64');
          const sha1 = have.sha1.digest('base64');
          const expected256 = /sha-256=:([A-Za-z0-9+/=]+):/.exec(res.reprDigest ?? '')?.[1];
          const problems = [
            // Without the server's digest nothing would check bytes whose attachment gives no size or hash.
            expected256 === undefined ? 'the server sent no SHA-256 Repr-Digest to verify the bytes against' : null,
            expected256 !== undefined && expected256 !== sha256 ? 'SHA-256 differs from the server\'s Repr-Digest' : null,
            b.expectedSize !== null && b.expectedSize !== size ? 'size differs from the DocumentReference attachment' : null,
            b.expectedSha1 !== null && b.expectedSha1 !== sha1 ? 'SHA-1 differs from the DocumentReference attachment hash' : null,
          ].filter(Boolean);
          if (problems.length) {
            // Start again from nothing next time rather than resume corrupt bytes.
            await rename(part, `${part}.bad-${Date.now()}`).catch(() => undefined);
            throw new Error(problems.join('; '));
          }
          await rename(part, final);
          verified.push({ id: b.id, size, sha256, contentType: res.contentType ?? null, expectedSize: b.expectedSize, expectedSha1: b.expectedSha1 });
        } catch (err) {
          if (o.signal?.aborted) return;
          const msg = (err as Error).message;
          // Kept pending until MAX_ATTEMPTS, then failed and reported; tried again after retryDelayMs.
          const now = o.now();
          if (await o.store.binaryFailed(o.practice, b.id, msg, MAX_ATTEMPTS, now, new Date(now.getTime() + retryDelayMs(b.attempts + 1)))) {
            result.failed++;
            onResult(b.id, 'failed', 0, msg);
          }
        }
      }
    }));
    const failed = outcomes.find((x): x is PromiseRejectedResult => x.status === 'rejected');
    let marked: Set<string>;
    try {
      marked = await o.store.binariesVerified(o.practice, verified, o.now());
    } catch (err) {
      throw failed ? failed.reason : err; // the first failure is the one to report
    }
    for (const v of verified) {
      if (!marked.has(v.id)) continue;
      result.verified++;
      onResult(v.id, 'verified', v.size);
    }
    if (failed) throw failed.reason;
  }
}
