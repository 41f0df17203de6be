// Turns a page from the feed into rows for the store: each upsert validated (never dropped: a failing
// record is stored and quarantined with its issues), kept as JSON text, and the binaries its
// DocumentReference attachments point at noted for download.
import type { Change } from '@dtm/shared';
import type { PreparedChange } from '../store/store.ts';

export interface IssueLike {
  rule: string;
  severity: string;
  pointer: string;
  message: string;
}

export type Validate = (resource: unknown) => IssueLike[];

const BINARY_REF = /^Binary\/([A-Za-z0-9\-.]{1,64})$/;

function attachmentsOf(resource: Record<string, unknown>): PreparedChange['binaries'] {
  if (resource.resourceType !== 'DocumentReference' || !Array.isArray(resource.content)) return [];
  const out: PreparedChange['binaries'] = [];
  for (const c of resource.content as { attachment?: { url?: unknown; size?: unknown; hash?: unknown } }[]) {
    const a = c?.attachment;
    const m = typeof a?.url === 'string' ? BINARY_REF.exec(a.url) : null;
    if (!m) continue;
    out.push({ id: m[1]!, size: Number.isInteger(a!.size) ? (a!.size as number) : null, sha1: typeof a!.hash === 'string' ? a!.hash : null });
  }
  return out;
}

export function prepareChanges(changes: Change[], validate: Validate): PreparedChange[] {
  return changes.map((c) => {
    const base = { resourceType: c.resourceType, id: c.id, versionId: Number(c.versionId), lastUpdated: c.lastUpdated, availableAt: c.availableAt };
    if (c.op === 'delete') return { ...base, deleted: true, body: null, issues: [], binaries: [] };
    // Only errors quarantine a record; warnings (e.g. a resource type a GP record does not use) are
    // reported with it but do not make it invalid.
    const issues = validate(c.resource).filter((i) => i.severity === 'error');
    return { ...base, deleted: false, body: JSON.stringify(c.resource), issues, binaries: attachmentsOf(c.resource as Record<string, unknown>) };
  });
}
