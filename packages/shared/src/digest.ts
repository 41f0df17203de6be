// Proof of completeness for the weekend cutover: an order-independent digest of a practice's
// resources and tombstones that the DTM server and the Target's sync client compute the same way,
// the server over its rows and the client over its store. Equal digests at the final watermark mean
// the Target holds exactly the Source's last version of every resource, and knows of every delete
// (roadmap item: "no clinical data ... is lost"; CSMP: the Service Recipient accepts the data "as
// being complete and accurate").
//
// Each entry (resource type, id, version, deleted) hashes with SHA-256 to a 256-bit unsigned integer;
// a resource type's digest is the sum of its entries modulo 2^256. Addition commutes, so the order
// of the rows (feed order, id order, a client's pages) does not matter, and the digest is built in a
// single streaming pass without holding the entries. The version id is in the hash, so a stale
// version differs; the deleted flag is too, so a resource the Target missed a delete of differs.
// Summing (rather than XOR) keeps a duplicated entry from cancelling itself out. Counts of live and
// deleted entries travel alongside, which says at a glance which way a type is off.
import { createHash } from 'node:crypto';
import type { Digest, DigestEntry, DigestTotals } from './types.ts';

const MASK = (1n << 256n) - 1n;

/** The entry's SHA-256 as an unsigned 256-bit integer. */
export function digestEntry(resourceType: string, id: string, versionId: string | number | bigint, deleted: boolean): bigint {
  const hex = createHash('sha256').update(`${resourceType}\n${id}\n${String(versionId)}\n${deleted ? 1 : 0}`, 'utf8').digest('hex');
  return BigInt(`0x${hex}`);
}

/** A 256-bit value as 64 lowercase hex digits. */
export const digestHex = (value: bigint): string => (value & MASK).toString(16).padStart(64, '0');

/** Adds two digest values modulo 2^256 (to combine digests of disjoint sets of entries). */
export const addDigestValues = (a: string, b: string): string => digestHex(BigInt(`0x${a}`) + BigInt(`0x${b}`));

interface TypeSum {
  live: number;
  deleted: number;
  sum: bigint;
}

/** Sums entries per resource type, in any order, in one pass. */
export class DigestAccumulator {
  readonly #types = new Map<string, TypeSum>();

  add(resourceType: string, id: string, versionId: string | number | bigint, deleted: boolean): this {
    let t = this.#types.get(resourceType);
    if (!t) this.#types.set(resourceType, (t = { live: 0, deleted: 0, sum: 0n }));
    if (deleted) t.deleted++;
    else t.live++;
    t.sum = (t.sum + digestEntry(resourceType, id, versionId, deleted)) & MASK;
    return this;
  }

  addEntry(e: DigestEntry): this {
    return this.add(e.resourceType, e.id, e.versionId, e.deleted);
  }

  /** Entries added so far. */
  get size(): number {
    let n = 0;
    for (const t of this.#types.values()) n += t.live + t.deleted;
    return n;
  }

  /** The digest, types sorted by name, describing the feed position `cursor`. */
  toDigest(cursor: string | null = null): Digest {
    const names = [...this.#types.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    let live = 0;
    let deleted = 0;
    let sum = 0n;
    const types = names.map((resourceType) => {
      const t = this.#types.get(resourceType)!;
      live += t.live;
      deleted += t.deleted;
      sum = (sum + t.sum) & MASK;
      return { resourceType, live: t.live, deleted: t.deleted, digest: digestHex(t.sum) };
    });
    return { cursor, types, total: { live, deleted, digest: digestHex(sum) } };
  }
}

export interface DigestTypeDifference {
  resourceType: string;
  /** The type in `a`; null when `a` has none of it. */
  a: DigestTotals | null;
  b: DigestTotals | null;
}

/**
 * The resource types whose counts or digest differ between two digests, each with both sides'
 * figures, sorted by name; empty when they describe the same entries. The cursors are not compared:
 * equal content is what proves completeness, whichever cursor each side last saw.
 */
export function digestDifferences(a: Pick<Digest, 'types'>, b: Pick<Digest, 'types'>): DigestTypeDifference[] {
  const totals = (d: Pick<Digest, 'types'>) =>
    new Map(d.types.map((t) => [t.resourceType, { live: t.live, deleted: t.deleted, digest: t.digest.toLowerCase() }]));
  const ta = totals(a);
  const tb = totals(b);
  const names = [...new Set([...ta.keys(), ...tb.keys()])].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
  const out: DigestTypeDifference[] = [];
  for (const resourceType of names) {
    const x = ta.get(resourceType) ?? null;
    const y = tb.get(resourceType) ?? null;
    // A type present with no entries on one side and absent on the other is no difference.
    const empty = (t: DigestTotals | null) => t === null || (t.live === 0 && t.deleted === 0);
    if (empty(x) && empty(y)) continue;
    if (x && y && x.live === y.live && x.deleted === y.deleted && x.digest === y.digest) continue;
    out.push({ resourceType, a: x, b: y });
  }
  return out;
}

/** The names of the resource types that differ (see digestDifferences), sorted; empty when the digests agree. */
export function compareDigests(a: Pick<Digest, 'types'>, b: Pick<Digest, 'types'>): string[] {
  return digestDifferences(a, b).map((d) => d.resourceType);
}
