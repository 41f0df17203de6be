// Documents and images: streamed in and out, never buffered whole; SHA-256 (for Repr-Digest and the
// client's check) and SHA-1 (FHIR R4 Attachment.hash) computed on the way in. Chunks are written
// outside any transaction and swapped in by a short one, so a slow upload holds no lock.
import { createHash, randomUUID } from 'node:crypto';
import { PROBLEM_TYPES, binaryReference, type BinaryDigestPage, type BinaryInfo } from '@dtm/shared';
import type { Pool } from '../db/pool.ts';
import { inPracticeWriteTransaction } from './practice-writes.ts';
import type { Clock } from '../clock.ts';
import { DtmError, badRequest, notFound } from '../errors.ts';
import * as repo from '../repo/binaries.ts';
import * as practices from '../repo/practices.ts';
import { assertNotFrozen, refuseIfFrozen } from './migrations.ts';
import { requirePractice } from './feed.ts';

export interface UploadRequest {
  ods: string;
  id: string;
  contentType: string;
  body: AsyncIterable<Buffer>;
  maxBytes: number;
  /** From a `Repr-Digest: sha-256=:…:` request header. */
  expectedSha256: Buffer | null;
}

export function parseReprDigest(header: string | undefined): Buffer | null {
  if (!header) return null;
  const m = /(?:^|,)\s*sha-256=:([A-Za-z0-9+/=]+):/.exec(header);
  if (!m) throw badRequest('Repr-Digest must carry a sha-256 value.', [{ pointer: '/headers/repr-digest', message: 'expected sha-256=:<base64>:' }]);
  const digest = Buffer.from(m[1]!, 'base64');
  if (digest.length !== 32) throw badRequest('Repr-Digest sha-256 value is not 32 bytes.', [{ pointer: '/headers/repr-digest', message: 'bad length' }]);
  return digest;
}

export const toInfo = (r: repo.BinaryRow): BinaryInfo => ({
  id: r.id,
  contentType: r.content_type,
  size: r.size,
  sha256: r.sha256.toString('base64'),
  sha1: r.sha1.toString('base64'),
  url: binaryReference(r.id),
});

export async function storeBinary(deps: { pool: Pool; clock: Clock }, req: UploadRequest): Promise<BinaryInfo> {
  // Refuse a frozen practice before streaming anything; the swap-in below checks again under the lock.
  await refuseIfFrozen(deps.pool, req.ods);
  const uploadId = randomUUID();
  const sha256 = createHash('sha256');
  const sha1 = createHash('sha1');
  let size = 0;
  let n = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const flush = async (all: boolean) => {
    let buf = Buffer.concat(pending, pendingBytes);
    while (buf.length >= repo.CHUNK_SIZE || (all && buf.length > 0)) {
      const part = buf.subarray(0, repo.CHUNK_SIZE);
      await repo.insertChunk(deps.pool, uploadId, n++, part);
      buf = buf.subarray(part.length);
    }
    pending = buf.length ? [buf] : [];
    pendingBytes = buf.length;
  };
  try {
    for await (const chunk of req.body) {
      size += chunk.length;
      if (size > req.maxBytes) {
        throw new DtmError(413, PROBLEM_TYPES.payloadTooLarge, 'Binary too large', `The binary is larger than ${req.maxBytes} bytes; nothing was stored.`);
      }
      sha256.update(chunk);
      sha1.update(chunk);
      pending.push(chunk);
      pendingBytes += chunk.length;
      if (pendingBytes >= repo.CHUNK_SIZE) await flush(false);
    }
    await flush(true);
    const row: repo.BinaryRow = {
      practice: req.ods, id: req.id, content_type: req.contentType, size,
      sha256: sha256.digest(), sha1: sha1.digest(), upload_id: uploadId,
    };
    if (req.expectedSha256 && !req.expectedSha256.equals(row.sha256)) {
      throw badRequest('The content does not match its Repr-Digest; nothing was stored.', [{ pointer: '/headers/repr-digest', message: 'digest mismatch' }]);
    }
    const now = deps.clock.now();
    await inPracticeWriteTransaction(deps.pool, req.ods, async (client) => {
      await practices.ensurePractice(client, req.ods, now);
      await assertNotFrozen(client, req.ods);
      const old = await repo.getBinary(client, req.ods, req.id, true);
      await repo.putBinary(client, row, now);
      if (old) await repo.deleteChunks(client, old.upload_id);
      await practices.addBinaryTotals(client, req.ods, old ? 0 : 1, size - (old?.size ?? 0));
    });
    return toInfo(row);
  } catch (err) {
    await repo.deleteChunks(deps.pool, uploadId).catch(() => undefined);
    throw err;
  }
}

export interface ByteRange {
  start: number;
  end: number; // inclusive
}

/**
 * A single `bytes=` range as written, before the binary's size is known. Null: no header, or one to
 * ignore and send the whole content for (a form not served, or an invalid range whose last byte is
 * before its first: RFC 9110 14.1.1 lets the server ignore both).
 */
export type RangeAsked = { start: number; end: number | null } | { suffix: number };

export function rangeAsked(header: string | undefined): RangeAsked | null {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return null;
  if (m[1] === '') return { suffix: Number(m[2]) };
  const start = Number(m[1]);
  const end = m[2] === '' ? null : Number(m[2]);
  return end !== null && end < start ? null : { start, end };
}

/** The range asked for, against the size; null means send the whole content. */
export function rangeIn(asked: RangeAsked | null, size: number): ByteRange | null | 'unsatisfiable' {
  if (!asked) return null;
  if ('suffix' in asked) {
    if (asked.suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - asked.suffix), end: size - 1 };
  }
  const end = asked.end === null ? size - 1 : Math.min(asked.end, size - 1);
  if (asked.start >= size || end < asked.start) return 'unsatisfiable';
  return { start: asked.start, end };
}

/** A page of the practice's binaries with their size and SHA-256 now (listBinaryDigests). */
export async function binaryDigestPage(pool: Pool, ods: string, after: string | null, limit: number): Promise<BinaryDigestPage> {
  await requirePractice(pool, ods);
  const rows = await repo.listBinaryDigests(pool, ods, after, limit);
  return {
    binaries: rows.map((r) => ({ id: r.id, size: r.size, sha256: r.sha256.toString('base64') })),
    next: rows.length === limit ? rows.at(-1)!.id : null,
  };
}

export async function findBinary(pool: Pool, ods: string, id: string): Promise<repo.BinaryRow> {
  const row = await repo.getBinary(pool, ods, id);
  if (!row) throw notFound(`No binary ${id} is held for practice ${ods}.`);
  return row;
}

const MAX_CHUNK_INDEX = 2 ** 31 - 1 - 64;

/**
 * Where a download's first bytes are, when they are known before the size is: the whole content
 * from byte 0 when no range applies; none for a suffix range, whose start the size decides.
 */
export function firstBytesAsked(asked: RangeAsked | null): { start: number; end: number | null } | null {
  if (asked === null) return { start: 0, end: null };
  return 'suffix' in asked ? null : asked;
}

/**
 * A binary to send: its row, and the chunks holding the first bytes asked for, read with it in the
 * same statement (repo getBinaryWithChunks), for binaryBytes to start from: up to CHUNKS_PER_READ,
 * and no further than the last byte asked for, so a short range reads no more than it needs. `from`
 * null: the row alone.
 */
export async function openBinary(pool: Pool, ods: string, id: string, from: { start: number; end: number | null } | null): Promise<{ row: repo.BinaryRow; chunks: repo.Chunk[] }> {
  // Past any binary's chunks (and PostgreSQL's integer): the range check will answer 416 from the row.
  if (from === null || !Number.isSafeInteger(from.start) || from.start / repo.CHUNK_SIZE > MAX_CHUNK_INDEX) {
    return { row: await findBinary(pool, ods, id), chunks: [] };
  }
  const first = Math.floor(from.start / repo.CHUNK_SIZE);
  const upTo = from.end === null || !Number.isSafeInteger(from.end) ? Infinity : Math.floor(from.end / repo.CHUNK_SIZE);
  const found = await repo.getBinaryWithChunks(pool, ods, id, first, Math.min(repo.CHUNKS_PER_READ, upTo - first + 1));
  if (!found) throw notFound(`No binary ${id} is held for practice ${ods}.`);
  return found;
}

/**
 * The bytes of `range`, chunk by chunk. Throws, once the bytes before are sent, if a chunk is gone: a
 * PUT of the same id replaced the binary during the download and deleted its chunks. The caller
 * must then cut the connection, so the client sees a broken download at once (and retries) rather
 * than waiting out its timeout for bytes that will never come.
 */
export async function* binaryBytes(pool: Pool, row: repo.BinaryRow, range: ByteRange, read: repo.Chunk[] = []): AsyncGenerator<Buffer> {
  const first = Math.floor(range.start / repo.CHUNK_SIZE);
  const last = Math.floor(range.end / repo.CHUNK_SIZE);
  let next = first;
  // `read`: chunks openBinary read with the row, from `first` on; a short or broken run ends there.
  const send = (c: repo.Chunk) => {
    next++;
    const base = c.n * repo.CHUNK_SIZE;
    return c.data.subarray(Math.max(0, range.start - base), Math.min(c.data.length, range.end - base + 1));
  };
  // Taken out of the caller's hands, and each let go once sent: a long download holds no more than
  // one read's chunks at a time. Chunks read from another start are not used.
  const usable: (repo.Chunk | undefined)[] = read[0]?.n === first ? read.splice(0) : [];
  read.length = 0;
  const count = usable.length;
  for (let i = 0; i < count; i++) {
    const c = usable[i]!;
    usable[i] = undefined;
    if (c.n !== next || next > last) break;
    yield send(c);
  }
  // Read on only after a full run of chunks, all sent: a shorter run ended where the range does, or
  // at a gap (the binary was replaced).
  const more = count === 0 || (count === repo.CHUNKS_PER_READ && next === first + count);
  if (next <= last && more) {
    for await (const c of repo.readChunks(pool, row.upload_id, next, last)) {
      if (c.n !== next) break;
      yield send(c);
    }
  }
  if (next !== last + 1) throw new Error(`the binary was replaced while it was being read (chunk ${next} of ${first}-${last} is gone)`);
}
