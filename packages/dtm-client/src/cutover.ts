// The weekend cutover, Target side: wait for the Source to freeze the practice, drain the feed to the
// final watermark, prove the Target holds exactly what the Source holds (digests per resource type;
// on a difference, the exact ids from the id/version lists), check every binary, then confirm
// target-complete to the server with the digest. Any mismatch blocks the confirmation.
import { createHash } from 'node:crypto';
import path from 'node:path';
import { DigestAccumulator, compareDigests, type Digest } from '@dtm/shared';
import type { DtmClient } from './client.ts';
import type { Store, VerifiedBinary } from './store/store.ts';
import type { Syncer } from './sync/syncer.ts';
import { sleep } from './http/retry.ts';
import { hashInto } from './sync/binaries.ts';

export interface Migration {
  id: string;
  state: string;
  finalWatermark: string | null;
  frozenAt: string | null;
  plannedCutoverStart: string;
  plannedGoLive: string;
  history: { from: string | null; to: string; by: string; role: string; at: string; note: string | null }[];
  warnings: { code: string; message: string }[];
}

export interface Difference {
  resourceType: string;
  missingInTarget: string[];
  extraInTarget: string[];
  versionDiffers: string[];
}

export interface VerifyResult {
  match: boolean;
  server: Digest;
  client: Digest;
  differences: Difference[];
  /**
   * `damaged`: verified documents whose files no longer held what was verified; `changed`: verified
   * documents the DTM now holds other bytes for, or no longer holds. Both are pending again, so
   * counted there too.
   */
  binaries: { pending: number; failed: number; verified: number; damaged: number; changed: number };
}

const FROZEN_OR_LATER = new Set(['source-frozen', 'target-complete', 'business-go-live', 'run-off', 'accepted']);

export const getMigration = (client: DtmClient, practice: string) => client.send('GET', `/v1/practices/${practice}/migration`) as Promise<Migration>;

/** The store's digest of a practice, computed exactly as the server computes its own. */
export async function localDigest(store: Store, practice: string, cursor: string | null): Promise<Digest> {
  const acc = new DigestAccumulator();
  for await (const e of store.entries(practice)) acc.add(e.resourceType, e.id, e.versionId, e.deleted);
  return acc.toDigest(cursor);
}

async function differencesFor(client: DtmClient, store: Store, practice: string, resourceType: string): Promise<Difference> {
  const server = new Map<string, string>();
  for (let after: string | null = ''; after !== null; ) {
    const q = new URLSearchParams({ resourceType, limit: '10000', ...(after ? { after } : {}) });
    const page = (await client.send('GET', `/v1/practices/${practice}/digest/entries?${q}`)) as { entries: { id: string; versionId: string; deleted: boolean }[]; next: string | null };
    for (const e of page.entries) server.set(e.id, `${e.versionId}${e.deleted ? 'd' : ''}`);
    after = page.next;
  }
  const d: Difference = { resourceType, missingInTarget: [], extraInTarget: [], versionDiffers: [] };
  for await (const e of store.entries(practice, resourceType)) {
    const s = server.get(e.id);
    if (s === undefined) d.extraInTarget.push(e.id);
    else if (s !== `${e.versionId}${e.deleted ? 'd' : ''}`) d.versionDiffers.push(e.id);
    server.delete(e.id);
  }
  d.missingInTarget.push(...server.keys());
  return d;
}

/**
 * Re-reads every verified document's file and checks it still holds the bytes that were verified
 * (size and SHA-256). The store records a document verified without waiting for its file to reach
 * the disk (no fsync: issue 7), so after a power loss, a disk fault or a hand in the directory a file
 * can be missing or changed while its row says verified. Such a document goes back to pending (the
 * next sync fetches it again) and is counted here, so a cutover never confirms on it.
 */
export async function checkBinaryFiles(store: Store, practice: string, binaryDir: string, now: Date, verified: VerifiedBinary[]): Promise<Set<string>> {
  const damaged = new Set<string>();
  let next = 0;
  // A few files at once: one after another, 4,963 files of about 21 kB took 1.7 s, eight at once 0.3 s.
  await Promise.all(Array.from({ length: Math.min(FILES_AT_ONCE, verified.length) }, async () => {
    while (next < verified.length) {
      const b = verified[next++]!;
      // SHA-256 alone: what it was verified as (the attachment's SHA-1 was checked on download).
      const sha256 = createHash('sha256');
      const size = await hashInto(path.join(binaryDir, practice, b.id), [sha256]);
      const problem = size === null ? 'the file is missing'
        : size !== b.size ? `the file holds ${size} bytes, not the ${b.size} verified`
        : sha256.digest('base64') !== b.sha256 ? 'the file no longer matches its verified SHA-256' : null;
      if (!problem) continue;
      damaged.add(b.id);
      await store.binaryDamaged(practice, b.id, problem, now);
    }
  }));
  return damaged;
}

const FILES_AT_ONCE = 8;

/**
 * Compares every verified document with the DTM's list of what it holds now (listBinaryDigests: id,
 * size, SHA-256; 10,000 a request). The Source may store new bytes under a Binary id that its
 * DocumentReference already names: when the attachment carries no hash or size, nothing else tells
 * the Target, and a cutover would confirm on the old bytes. A document that changed, or that the DTM
 * no longer holds, goes back to pending (the next sync fetches it) and is counted here.
 */
export async function checkBinariesCurrent(client: DtmClient, store: Store, practice: string, now: Date, verified: VerifiedBinary[]): Promise<number> {
  const atDtm = new Map<string, string>();
  for await (const b of client.binaryDigests(practice)) atDtm.set(b.id, b.sha256);
  let changed = 0;
  for (const b of verified) {
    const current = atDtm.get(b.id);
    if (current === b.sha256) continue;
    changed++;
    await store.binaryDamaged(practice, b.id, current === undefined ? 'the DTM no longer holds this binary' : 'the DTM now holds other bytes under this id', now);
  }
  return changed;
}

/**
 * Compares the Target store with the DTM now (the practice should be quiet: frozen, or between
 * changes); every verified document's file with what was verified (checkBinaryFiles), and with what
 * the DTM holds now (checkBinariesCurrent).
 */
export async function verify(client: DtmClient, store: Store, practice: string, binaryDir: string, now = new Date()): Promise<VerifyResult> {
  const server = (await client.send('GET', `/v1/practices/${practice}/digest`)) as Digest;
  const cp = await store.checkpoint(practice);
  const local = await localDigest(store, practice, cp?.cursor ?? null);
  const differing = compareDigests(server, local);
  const differences = await Promise.all(differing.map((t) => differencesFor(client, store, practice, t)));
  const verified = await store.verifiedBinaries(practice);
  const damaged = await checkBinaryFiles(store, practice, binaryDir, now, verified);
  // A document whose file was damaged is pending again already: not counted twice.
  const changed = await checkBinariesCurrent(client, store, practice, now, verified.filter((b) => !damaged.has(b.id)));
  const f = await store.figures(practice);
  const binaries = { pending: f.binaries.pending ?? 0, failed: f.binaries.failed ?? 0, verified: f.binaries.verified ?? 0, damaged: damaged.size, changed };
  return { match: differing.length === 0 && binaries.pending === 0 && binaries.failed === 0, server, client: local, differences, binaries };
}

export interface CutoverResult {
  migration: Migration;
  verify: VerifyResult;
  frozenSeenAt: Date;
  drainedAt: Date;
  verifiedAt: Date;
  confirmedAt: Date | null;
}

/**
 * Runs the Target's part of the cutover. Resolves with the result whether or not it matched; only a
 * match is confirmed to the server as target-complete.
 */
export async function runCutover(o: { client: DtmClient; store: Store; syncer: Syncer; practice: string; binaryDir: string; pollMs?: number; timeoutMs?: number; now?: () => Date; onStep?: (step: string, detail: string) => void }): Promise<CutoverResult> {
  const now = o.now ?? (() => new Date());
  const step = o.onStep ?? (() => undefined);
  const deadline = Date.now() + (o.timeoutMs ?? 7 * 86_400_000);
  let m = await getMigration(o.client, o.practice);
  while (!FROZEN_OR_LATER.has(m.state)) {
    if (m.state === 'aborted') throw new Error('the migration was aborted (rolled back): the Source stays primary');
    if (Date.now() > deadline) throw new Error(`the practice was not frozen in time (state ${m.state})`);
    step('waiting', `migration is ${m.state}; waiting for the Source to freeze the practice`);
    await sleep(o.pollMs ?? 5000);
    m = await getMigration(o.client, o.practice);
  }
  const frozenSeenAt = now();
  step('frozen', `final watermark published at ${m.frozenAt ?? '?'}`);
  // Every document not yet held gets one more attempt now, not after its backoff (up to an hour).
  await o.store.binariesDueNow(o.practice);
  // Drain: read until the checkpoint reaches the final watermark (nothing can follow it).
  for (let i = 0; ; i++) {
    await o.syncer.sync();
    const cp = await o.store.checkpoint(o.practice);
    if (m.finalWatermark === null || cp?.cursor === m.finalWatermark) break;
    if (i >= 3) throw new Error('the feed did not reach the final watermark after the freeze');
  }
  const drainedAt = now();
  step('drained', 'every change up to the final watermark is applied');
  const result = await verify(o.client, o.store, o.practice, o.binaryDir, now());
  const verifiedAt = now();
  if (!result.match) {
    step('mismatch', describeMismatch(result));
    return { migration: m, verify: result, frozenSeenAt, drainedAt, verifiedAt, confirmedAt: null };
  }
  step('verified', `${result.client.total.live} live and ${result.client.total.deleted} deleted resources match; ${result.binaries.verified} binaries verified`);
  if (m.state === 'source-frozen') {
    m = (await o.client.send('POST', `/v1/practices/${o.practice}/migration/transitions`, {
      body: { to: 'target-complete', digest: result.client, note: 'Digests match at the final watermark; every binary verified.' },
    })) as Migration;
  }
  step('target-complete', 'confirmed to the Source');
  return { migration: m, verify: result, frozenSeenAt, drainedAt, verifiedAt, confirmedAt: now() };
}

export function describeMismatch(v: VerifyResult): string {
  const parts = v.differences.map((d) => `${d.resourceType}: ${d.missingInTarget.length} missing in the Target (${d.missingInTarget.slice(0, 5).join(', ')}${d.missingInTarget.length > 5 ? ', ...' : ''}), ` +
    `${d.extraInTarget.length} not at the Source, ${d.versionDiffers.length} at another version`);
  if (v.binaries.pending || v.binaries.failed) {
    parts.push(`binaries: ${v.binaries.pending} not fetched, ${v.binaries.failed} failed verification` +
      (v.binaries.damaged ? ` (${v.binaries.damaged} of those not fetched were verified, but their files no longer held what was verified: fetched again by the next sync)` : '') +
      (v.binaries.changed ? ` (${v.binaries.changed} of those not fetched were verified, but the DTM now holds other bytes or none: fetched again by the next sync)` : ''));
  }
  return `MISMATCH: ${parts.join('; ')}`;
}
