// The life of a practice's migration through a weekend cutover. Pure rules: the states, which role
// records each move, and what each state means for the DTM (frozen or not, plan fixed or not).
//
//                 publisher: PUT /v1/ingest/practices/{ods}/migration
//                                    │
//                                    ▼
//                               registered ─────────────┐ (re-PUT while registered updates the plan)
//                                    │ consumer (or the Target's first feed read)
//                                    ▼
//                                 syncing
//                                    │ consumer: readiness confirmed in writing, at least 2 weeks
//                                    ▼ before cutover (roadmap item; CSMP Step 6, Appendix 3)
//                           readiness-confirmed
//                                    │ publisher: Friday 17:00 Europe/London (roadmap item)
//                                    ▼
//                             cutover-started
//                                    │ publisher: no more changes; finalWatermark fixed;
//                                    ▼ ingest refused from here on (the final Data Extract, CSMP Step 10)
//                              source-frozen
//                                    │ consumer: its digest equals the server's at the final watermark
//                                    ▼ (Technical Go-Live, CSMP Step 10, Appendix 6)
//                             target-complete
//                                    │ publisher: Business Go-Live Notice received (CSMP Step 11, App. 7)
//                                    ▼
//                            business-go-live
//                                    │ publisher: dual running, the Source read-only (CSMP Step 12)
//                                    ▼
//                                 run-off
//                                    │ publisher: Migration Acceptance Notice served (CSMP Step 13, App. 8)
//                                    ▼
//                                accepted
//
//   any state but accepted ── publisher or consumer ──► aborted
//
// Aborted is the rollback: "Until such time as the Migration Acceptance Notice has been served, the
// Service Recipient retains the right to abort the data migration and revert to the Source Solution"
// (CSMP Step 13); "the Source Solution shall remain the primary Solution" until Business Go-Live
// (Step 10). An aborted practice is no longer frozen: the Source publishes again.
//
// A move the caller's role may never make is refused with 403; a move the diagram does not have from
// the current state with 409.
import type { MigrationState, Role } from '@dtm/shared';

export const MIGRATION_STATES: readonly MigrationState[] = [
  'registered', 'syncing', 'readiness-confirmed', 'cutover-started', 'source-frozen',
  'target-complete', 'business-go-live', 'run-off', 'accepted', 'aborted',
];

/** The forward path; each state's successor is the next. */
const PATH: readonly MigrationState[] = MIGRATION_STATES.slice(0, 9);

/** Who records the move into each state. */
const MOVER: Record<MigrationState, readonly Role[]> = {
  registered: ['publisher'],
  syncing: ['consumer'],
  'readiness-confirmed': ['consumer'],
  'cutover-started': ['publisher'],
  'source-frozen': ['publisher'],
  'target-complete': ['consumer'],
  'business-go-live': ['publisher'],
  'run-off': ['publisher'],
  accepted: ['publisher'],
  aborted: ['publisher', 'consumer'],
};

/** States after which nothing more happens; a new migration may then be registered. */
export const TERMINAL_STATES: readonly MigrationState[] = ['accepted', 'aborted'];

/**
 * States in which the practice is frozen: from source-frozen on, except aborted. After acceptance the
 * Source is decommissioned (CSMP Step 13) and stays frozen until a new migration is registered.
 */
export const FROZEN_STATES: readonly MigrationState[] = ['source-frozen', 'target-complete', 'business-go-live', 'run-off', 'accepted'];

export const isTerminal = (s: MigrationState): boolean => TERMINAL_STATES.includes(s);
export const isFrozen = (s: MigrationState): boolean => FROZEN_STATES.includes(s);
/** The plan (dates, target, run-off) may change only before the Target starts syncing. */
export const planIsOpen = (s: MigrationState): boolean => s === 'registered';

/** Whether the role ever records moves into this state (otherwise 403). */
export function roleMayMoveTo(role: Role, to: MigrationState): boolean {
  return MOVER[to].includes(role);
}

/** The states reachable from `from` in one move. */
export function nextStates(from: MigrationState): MigrationState[] {
  if (isTerminal(from)) return [];
  const i = PATH.indexOf(from);
  return [PATH[i + 1]!, 'aborted'];
}

export type TransitionDecision = { allowed: true } | { allowed: false; refusal: 'wrong-role' | 'illegal-transition' };

/** Whether `role` may move a migration from `from` to `to`. `registered` is reached only by registering. */
export function decideTransition(from: MigrationState, role: Role, to: MigrationState): TransitionDecision {
  if (!roleMayMoveTo(role, to)) return { allowed: false, refusal: 'wrong-role' };
  if (to === 'registered') return { allowed: false, refusal: 'illegal-transition' };
  return nextStates(from).includes(to) ? { allowed: true } : { allowed: false, refusal: 'illegal-transition' };
}

/** Whether the migration has been through `state` (by its history of moves). */
export const hasReached = (history: readonly { to: MigrationState }[], state: MigrationState): boolean =>
  history.some((h) => h.to === state);
