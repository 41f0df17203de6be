import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { WRITE_WHOLE_UP_TO, fetchBinaries, saveBody } from './binaries.ts';
import type { DtmClient } from '../client.ts';
import type { PendingBinary, Store, VerifiedDownload } from '../store/store.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'dtm-save-body-'));
});
afterEach(async () => rm(dir, { recursive: true, force: true }));

const CHUNK = 64 * 1024;
async function* chunksOf(bytes: Buffer, failAfter?: number): AsyncGenerator<Buffer> {
  for (let at = 0; at < bytes.length; at += CHUNK) {
    if (failAfter !== undefined && at >= failAfter) throw new Error('connection reset');
    yield bytes.subarray(at, at + CHUNK);
  }
}
const sizeOf = (file: string) => stat(file).then((s) => s.size, () => null);

describe('saveBody', () => {
  it('writes a small body whole, once it has all arrived, and sees every chunk', async () => {
    const bytes = randomBytes(200_000);
    const part = path.join(dir, 'b1.part');
    let seen = 0;
    let onDiskMeanwhile = false;
    await saveBody(chunksOf(bytes), part, false, (c) => {
      seen += c.length;
      onDiskMeanwhile ||= statSync(part, { throwIfNoEntry: false }) !== undefined;
    });
    expect(seen).toBe(bytes.length);
    expect(onDiskMeanwhile).toBe(false);
    expect((await readFile(part)).equals(bytes)).toBe(true);
  });

  it('streams a body over the threshold to disk as it arrives (bounded memory, resumable)', async () => {
    const bytes = randomBytes(WRITE_WHOLE_UP_TO * 3 + 12_345);
    const part = path.join(dir, 'b2.part');
    let seen = 0;
    let largestWhileArriving = 0;
    await saveBody(chunksOf(bytes), part, false, (c) => {
      seen += c.length;
      largestWhileArriving = Math.max(largestWhileArriving, statSync(part, { throwIfNoEntry: false })?.size ?? 0);
    });
    expect((await readFile(part)).equals(bytes)).toBe(true);
    expect(largestWhileArriving).toBeGreaterThan(WRITE_WHOLE_UP_TO);
    expect(seen).toBe(bytes.length);
  });

  it('appends to what a .part already holds when resuming', async () => {
    const bytes = randomBytes(300_000);
    const part = path.join(dir, 'b3.part');
    await writeFile(part, bytes.subarray(0, 100_000));
    await saveBody(chunksOf(bytes.subarray(100_000)), part, true, () => undefined);
    expect((await readFile(part)).equals(bytes)).toBe(true);
  });

  it('leaves a cut large body as a prefix of its bytes on disk, and a cut small one as nothing', async () => {
    const large = randomBytes(WRITE_WHOLE_UP_TO * 2);
    const largePart = path.join(dir, 'b4.part');
    await expect(saveBody(chunksOf(large, WRITE_WHOLE_UP_TO + 4 * CHUNK), largePart, false, () => undefined)).rejects.toThrow('connection reset');
    const kept = await readFile(largePart);
    expect(kept.length).toBeGreaterThan(WRITE_WHOLE_UP_TO);
    expect(kept.equals(large.subarray(0, kept.length))).toBe(true);

    const smallPart = path.join(dir, 'b5.part');
    await expect(saveBody(chunksOf(randomBytes(300_000), 2 * CHUNK), smallPart, false, () => undefined)).rejects.toThrow('connection reset');
    expect(await sizeOf(smallPart)).toBeNull();
  });
});

/**
 * A DTM client and a Target store, in memory, for one pass of three documents: 'ok' answers at once,
 * 'slow' after 100 ms, and 'gone' fails, and so does the store's record of that failure (its database
 * going away mid-pass), unless `storeHolds`.
 */
function onePass(o: { verifiedFails?: boolean; storeHolds?: boolean } = {}) {
  const bytes = Buffer.from('a document');
  const digest = createHash('sha256').update(bytes).digest('base64');
  const recorded: string[][] = [];
  let handedOut = false;
  const client = {
    async binary(_ods: string, id: string) {
      if (id === 'gone') throw new Error('HTTP 404');
      if (id === 'slow') await new Promise((r) => setTimeout(r, 100));
      return { status: 200, body: (async function* () { yield bytes; })(), reprDigest: `sha-256=:${digest}:`, contentRange: undefined, contentType: 'text/plain' };
    },
  } as unknown as DtmClient;
  const store = {
    async pendingBinaries(): Promise<PendingBinary[]> {
      if (handedOut) return [];
      handedOut = true;
      return ['gone', 'ok', 'slow'].map((id) => ({ id, expectedSize: null, expectedSha1: null, attempts: 0 }));
    },
    async binaryFailed() {
      if (!o.storeHolds) throw new Error('the store is gone');
      return false;
    },
    async binariesVerified(_p: string, verified: VerifiedDownload[]) {
      if (o.verifiedFails) throw new Error('the store is gone too');
      recorded.push(verified.map((v) => v.id).sort());
      return new Set(verified.map((v) => v.id));
    },
  } as unknown as Store;
  return { client, store, recorded };
}

describe('fetchBinaries', () => {
  it('records the documents a pass downloaded, though one of its workers failed, then reports that failure', async () => {
    const { client, store, recorded } = onePass();
    const events: string[] = [];
    const pass = fetchBinaries({ client, store, practice: 'A12345', dir, parallel: 3, now: () => new Date() }, (id, state) => events.push(`${id} ${state}`));
    await expect(pass).rejects.toThrow('the store is gone');
    expect(recorded).toEqual([['ok', 'slow']]); // 'slow' finished after 'gone' had failed
    expect(events.sort()).toEqual(['ok verified', 'slow verified']);
    expect((await readFile(path.join(dir, 'A12345', 'slow'))).toString()).toBe('a document');
  });

  it('stopped in the middle of a pass, records what it finished and starts nothing more', async () => {
    const { client, store, recorded } = onePass({ storeHolds: true });
    const stop = new AbortController();
    const asked: string[] = [];
    const watching = { binary: (ods: string, id: string, start: number, signal?: AbortSignal) => {
      asked.push(id);
      if (id === 'ok') stop.abort(); // stopped while 'ok' is on its way; this fake still delivers it
      return client.binary(ods, id, start, signal);
    } } as unknown as DtmClient;
    const result = await fetchBinaries({ client: watching, store, practice: 'A12345', dir, parallel: 1, now: () => new Date(), signal: stop.signal }, () => undefined);
    expect(asked).toEqual(['gone', 'ok']); // 'slow' never started
    expect(recorded).toEqual([['ok']]);
    expect(result.verified).toBe(1);
  });

  it('reports the first failure when recording the documents fails as well', async () => {
    const { client, store } = onePass({ verifiedFails: true });
    await expect(fetchBinaries({ client, store, practice: 'A12345', dir, parallel: 3, now: () => new Date() }, () => undefined)).rejects.toThrow('the store is gone');
  });

  it('reports a failure to record them when nothing else failed', async () => {
    const { client, store } = onePass({ verifiedFails: true, storeHolds: true });
    await expect(fetchBinaries({ client, store, practice: 'A12345', dir, parallel: 3, now: () => new Date() }, () => undefined)).rejects.toThrow('the store is gone too');
  });
});
