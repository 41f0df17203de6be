// Every check the kit has, in the order the runner executes them (see GROUPS).
import { AUTH_CHECKS } from './checks/auth.ts';
import { CHANGE_CHECKS } from './checks/change.ts';
import { COMPRESSION_CHECKS } from './checks/compression.ts';
import { CUTOVER_CHECKS } from './checks/cutover.ts';
import { DISCOVERY_CHECKS } from './checks/discovery.ts';
import { FEED_CHECKS } from './checks/feed.ts';
import { FRESHNESS_CHECKS } from './checks/freshness.ts';
import { ISSUES_CHECKS } from './checks/issues.ts';
import { RATE_CHECKS } from './checks/rate.ts';
import { VALIDITY_CHECKS } from './checks/validity.ts';
import { GROUPS, type Check, type Group } from './types.ts';

const BY_GROUP: Record<Group, Check[]> = {
  discovery: DISCOVERY_CHECKS,
  auth: AUTH_CHECKS,
  feed: [...FEED_CHECKS, ...COMPRESSION_CHECKS],
  validity: VALIDITY_CHECKS,
  freshness: FRESHNESS_CHECKS,
  change: CHANGE_CHECKS,
  issues: ISSUES_CHECKS,
  cutover: CUTOVER_CHECKS,
  rate: RATE_CHECKS,
};

export const CHECKS: readonly Check[] = Object.freeze(GROUPS.flatMap((g) => BY_GROUP[g]));

export class SelectionError extends Error {
  override readonly name = 'SelectionError';
}

/** `--only` names groups or check ids; none means every check. */
export function selectChecks(only: string[] | undefined): { checks: Check[]; groups: Set<Group> } {
  if (!only || only.length === 0) return { checks: [...CHECKS], groups: new Set(GROUPS) };
  const names = new Set(only.map((s) => s.trim()).filter(Boolean));
  for (const n of names) {
    if (!(GROUPS as readonly string[]).includes(n) && !CHECKS.some((c) => c.id === n)) {
      throw new SelectionError(`--only: "${n}" is neither a group (${GROUPS.join(', ')}) nor a check id`);
    }
  }
  const checks = CHECKS.filter((c) => names.has(c.group) || names.has(c.id));
  return { checks, groups: new Set(checks.map((c) => c.group)) };
}
