// An upsert whose content equals the current version makes no new version. "Equal" is judged on the
// canonical JSON of the resource without the fields the DTM itself sets: RFC 8785's, except that
// numbers keep the text they were sent with (@dtm/shared canonicalJson), so a Source correcting 7.5
// to 7.50 makes a new version.
import { createHash } from 'node:crypto';
import { canonicalJson, type FhirResource } from '@dtm/shared';

export function contentHash(resource: FhirResource): Buffer {
  const meta = resource.meta as Record<string, unknown> | undefined;
  let comparable: unknown = resource;
  if (meta && ('versionId' in meta || 'lastUpdated' in meta)) {
    const { versionId: _v, lastUpdated: _l, ...restMeta } = meta;
    comparable = { ...resource, meta: Object.keys(restMeta).length ? restMeta : undefined };
  }
  return createHash('sha256').update(canonicalJson(comparable)).digest();
}

/** The resource as the DTM serves it: meta.versionId and meta.lastUpdated set by the DTM. */
export function withMeta(resource: FhirResource, versionId: number, lastUpdated: Date): FhirResource {
  const { resourceType, id, meta, ...rest } = resource;
  return {
    resourceType,
    id,
    meta: { ...(meta ?? {}), versionId: String(versionId), lastUpdated: lastUpdated.toISOString() },
    ...rest,
  };
}
