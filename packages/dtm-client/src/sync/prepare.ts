// Turns a page from the feed into rows for the store: each upsert validated (never dropped: a failing
// record is stored and quarantined with its issues), kept as JSON text as sent, and the binaries its
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

const RELATIVE_REF = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/;
/** Elements that tie a record to the patient's record; checked to resolve within the practice. */
const RECORD_REFERENCES = ['subject', 'patient', 'encounter'];

function referencesOf(resource: Record<string, unknown>): PreparedChange['references'] {
  const out: PreparedChange['references'] = [];
  for (const key of RECORD_REFERENCES) {
    const ref = (resource[key] as { reference?: unknown } | undefined)?.reference;
    const m = typeof ref === 'string' ? RELATIVE_REF.exec(ref) : null;
    if (m) out.push({ type: m[1]!, id: m[2]! });
  }
  return out;
}

/**
 * `exact`, when given, is the same page parsed with numbers as written (DtmClient.feedPage): bodies
 * are stored from it, so 7.50 stays 7.50; validation reads `changes`, whose numbers are numbers.
 */
export function prepareChanges(changes: Change[], validate: Validate, exact?: Change[]): PreparedChange[] {
  return changes.map((c, i) => {
    const base = { resourceType: c.resourceType, id: c.id, versionId: Number(c.versionId), lastUpdated: c.lastUpdated, availableAt: c.availableAt };
    if (c.op === 'delete') return { ...base, deleted: true, body: null, issues: [], warnings: [], binaries: [], references: [] };
    // Only errors quarantine a record; warnings (e.g. a resource type a GP record does not use) are
    // kept beside it and reported to the Source as data issues of severity warning.
    const all = validate(c.resource);
    const issues = all.filter((issue) => issue.severity === 'error');
    const warnings = all.filter((issue) => issue.severity !== 'error');
    // A DTM that sends an upsert without an object (it fails validation above) must not fail the page.
    const r = (typeof c.resource === 'object' && c.resource !== null ? c.resource : {}) as Record<string, unknown>;
    const asSent = exact?.[i];
    const body = JSON.stringify(asSent?.op === 'upsert' && asSent.id === c.id ? asSent.resource : c.resource);
    return { ...base, deleted: false, body, issues, warnings, binaries: attachmentsOf(r), references: referencesOf(r) };
  });
}
