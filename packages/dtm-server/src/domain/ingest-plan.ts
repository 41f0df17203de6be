// Pure logic of an ingest batch: given the items and the current state of the resources they touch,
// decide what to write. No I/O, so every rule is testable alone.
import { isR4ResourceType, isUpsertItem, parseExactIfNeeded, type FhirResource, type IngestBatch, type IngestItem } from '@dtm/shared';
import { contentHash, withMeta } from './content-hash.ts';
import { badRequest, type ProblemDetailItem } from '../errors.ts';
import { isRealInstant } from './instant.ts';

export interface CurrentVersion {
  resourceType: string;
  id: string;
  versionId: number;
  contentHash: Buffer | null;
  deleted: boolean;
}

export interface ResourceWrite {
  resourceType: string;
  id: string;
  versionId: number;
  deleted: boolean;
  /** JSON text as served; null for a tombstone. */
  body: string | null;
  contentHash: Buffer | null;
  sourceUpdatedAt: string | null;
  /** What the resource was before this batch (for live/deleted counts). */
  before: 'absent' | 'live' | 'deleted';
}

export interface BatchPlan {
  writes: ResourceWrite[];
  created: number;
  updated: number;
  deleted: number;
  unchanged: number;
  /** Seconds from sourceUpdatedAt to now for each change that carried one (6 h availability rule). */
  delaysSeconds: number[];
}

export const resourceKey = (resourceType: string, id: string) => `${resourceType}/${id}`;

export function keysOf(items: IngestItem[]): { resourceType: string; id: string }[] {
  const seen = new Map<string, { resourceType: string; id: string }>();
  for (const item of items) {
    const k = isUpsertItem(item)
      ? { resourceType: item.resource.resourceType, id: item.resource.id }
      : { resourceType: item.resourceType, id: item.id };
    seen.set(resourceKey(k.resourceType, k.id), k);
  }
  return [...seen.values()];
}

/** Checks what the OpenAPI schema cannot: resourceType names an R4 resource type; instants exist. */
export function checkItems(items: IngestItem[]): void {
  const errors: ProblemDetailItem[] = [];
  items.forEach((item, i) => {
    if (item.sourceUpdatedAt !== undefined && !isRealInstant(item.sourceUpdatedAt)) {
      errors.push({ pointer: `/body/items/${i}/sourceUpdatedAt`, message: 'must be an RFC 3339 date-time that exists' });
    }
    const [type, pointer] = isUpsertItem(item)
      ? [item.resource.resourceType, `/body/items/${i}/resource/resourceType`]
      : [item.resourceType, `/body/items/${i}/resourceType`];
    if (!isR4ResourceType(type)) errors.push({ pointer, message: 'is not a FHIR R4 resource type' });
  });
  if (errors.length) throw badRequest(`${errors.length} problem(s) in the items; nothing was written.`, errors.slice(0, 100));
}

const UTF8 = new TextDecoder('utf-8');

/**
 * The batch with each upsert's resource as the Source wrote it, numbers included: the body Express
 * parsed holds doubles (7.50 became 7.5), and the stored body and its content hash are made from the
 * resource (shared/exact-json.ts). Re-read from the request's bytes only when they hold such a
 * number. resourceType and id stay the ones request validation checked.
 */
export function withExactResources(batch: IngestBatch, rawBody: Buffer): IngestBatch {
  // TextDecoder drops a leading byte order mark, as Express's parse did (Buffer#toString keeps it).
  const exact = parseExactIfNeeded(UTF8.decode(rawBody)) as { items?: { resource?: unknown }[] } | null;
  if (!Array.isArray(exact?.items)) return batch;
  return {
    ...batch,
    items: batch.items.map((item, i) => {
      const resource = exact.items![i]?.resource;
      if (!isUpsertItem(item) || !resource || typeof resource !== 'object') return item;
      return { ...item, resource: { ...(resource as FhirResource), resourceType: item.resource.resourceType, id: item.resource.id } };
    }),
  };
}

/**
 * Content hashes of the upserts, by item index. Computed before the transaction: it is the costliest
 * step of a batch (canonical JSON plus SHA-256) and needs no lock.
 */
export const hashItems = (items: IngestItem[]): (Buffer | null)[] =>
  items.map((item) => (isUpsertItem(item) ? contentHash(item.resource) : null));

/**
 * Applies items in order over the current versions. The same resource may appear more than once in
 * a batch: each effective item gives a new version and the last one is written (the feed is a
 * compacted log, so readers see the latest version once).
 */
export function planBatch(
  items: IngestItem[],
  current: Map<string, CurrentVersion>,
  now: Date,
  hashes: (Buffer | null)[] = hashItems(items),
): BatchPlan {
  const state = new Map<string, { versionId: number; hash: Buffer | null; deleted: boolean; before: ResourceWrite['before'] }>();
  for (const [k, c] of current) {
    state.set(k, { versionId: c.versionId, hash: c.contentHash, deleted: c.deleted, before: c.deleted ? 'deleted' : 'live' });
  }
  const writes = new Map<string, ResourceWrite>();
  const plan: BatchPlan = { writes: [], created: 0, updated: 0, deleted: 0, unchanged: 0, delaysSeconds: [] };
  const nowMs = now.getTime();

  for (const [index, item] of items.entries()) {
    const resourceType = isUpsertItem(item) ? item.resource.resourceType : item.resourceType;
    const id = isUpsertItem(item) ? item.resource.id : item.id;
    const key = resourceKey(resourceType, id);
    const prev = state.get(key);
    let write: ResourceWrite;
    if (isUpsertItem(item)) {
      const hash = hashes[index]!;
      if (prev && !prev.deleted && prev.hash?.equals(hash)) {
        plan.unchanged++;
        continue;
      }
      const versionId = (prev?.versionId ?? 0) + 1;
      const served: FhirResource = withMeta(item.resource, versionId, now);
      write = {
        resourceType, id, versionId, deleted: false, body: JSON.stringify(served), contentHash: hash,
        sourceUpdatedAt: item.sourceUpdatedAt ?? null, before: prev?.before ?? 'absent',
      };
      if (prev && !prev.deleted) plan.updated++;
      else plan.created++;
      state.set(key, { versionId, hash, deleted: false, before: write.before });
    } else {
      if (!prev || prev.deleted) {
        plan.unchanged++;
        continue;
      }
      const versionId = prev.versionId + 1;
      write = {
        resourceType, id, versionId, deleted: true, body: null, contentHash: null,
        sourceUpdatedAt: item.sourceUpdatedAt ?? null, before: prev.before,
      };
      plan.deleted++;
      state.set(key, { versionId, hash: null, deleted: true, before: write.before });
    }
    if (write.sourceUpdatedAt) plan.delaysSeconds.push(Math.max(0, (nowMs - Date.parse(write.sourceUpdatedAt)) / 1000));
    writes.set(key, write);
  }
  plan.writes = [...writes.values()];
  return plan;
}

/** Change in live/deleted counts per resource type that the writes cause. */
export function countDeltas(writes: ResourceWrite[]): Map<string, { live: number; deleted: number }> {
  const deltas = new Map<string, { live: number; deleted: number }>();
  for (const w of writes) {
    const d = deltas.get(w.resourceType) ?? { live: 0, deleted: 0 };
    if (w.before === 'live') d.live--;
    if (w.before === 'deleted') d.deleted--;
    if (w.deleted) d.deleted++;
    else d.live++;
    deltas.set(w.resourceType, d);
  }
  return deltas;
}
