// The resources a data issue names: checks the OpenAPI schema cannot make, and the merge applied when
// a consumer raises an issue again with the same clientReference. Pure.
import { isR4ResourceType, type DataIssueResource } from '@dtm/shared';
import { badRequest, type ProblemDetailItem } from '../errors.ts';

/** Limits of the data-issues routes; the numbers mirror openapi/dtm.yaml (the contract test checks). */
export const ISSUE_LIMITS = {
  /** DataIssueRaise.resources maxItems, and the most one issue may name after merges. */
  maxResources: 10_000,
  /** The list's default and largest page. */
  defaultLimit: 100,
  maxLimit: 1000,
  /**
   * Largest raise or answer body: 10,000 resources with the longest type, id, versionId and pointer
   * the schema allows are about 7 MB of JSON.
   */
  maxBodyBytes: 16 * 1024 * 1024,
} as const;

/** Refuses resource types that are not FHIR R4 (the ResourceType schema's promise), naming each. */
export function checkResources(resources: DataIssueResource[]): void {
  const errors: ProblemDetailItem[] = [];
  resources.forEach((r, i) => {
    if (!isR4ResourceType(r.resourceType)) errors.push({ pointer: `/body/resources/${i}/resourceType`, message: 'is not a FHIR R4 resource type' });
  });
  if (errors.length) throw badRequest(`${errors.length} problem(s) in the resources; nothing was written.`, errors.slice(0, 100));
}

const keyOf = (r: DataIssueResource) => `${r.resourceType}/${r.id}#${r.pointer ?? ''}`;

/**
 * One entry per (resourceType, id, pointer), in first-seen order; a later entry replaces an earlier
 * one, so a re-raise keeps the latest versionId the consumer checked. Used for a raise's own list too.
 */
export function mergeResources(existing: readonly DataIssueResource[], added: readonly DataIssueResource[]): DataIssueResource[] {
  const merged = new Map<string, DataIssueResource>();
  for (const r of [...existing, ...added]) merged.set(keyOf(r), inContractOrder(r));
  return [...merged.values()];
}

/**
 * Only the contract's fields, in the contract's order (jsonb stores keys in its own order, and the
 * stored form should not depend on the client's JSON either).
 */
export const inContractOrder = (r: DataIssueResource): DataIssueResource => ({
  resourceType: r.resourceType,
  id: r.id,
  ...(r.versionId !== undefined ? { versionId: r.versionId } : {}),
  ...(r.pointer !== undefined ? { pointer: r.pointer } : {}),
});
