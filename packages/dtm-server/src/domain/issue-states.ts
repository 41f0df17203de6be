// The life of a data issue (roadmap item: "The TSS will notify the SSS of any issues they find with
// the data in a timely manner"; "The SSS will respond to any data issues raised by the TSS in a timely
// manner"). Pure rules: which role may set which status, from which status.
//
//                          consumer raises
//                                │
//                                ▼
//          ┌─────────────────  open  ◄──────────────────────────────────┐
//          │ publisher           │ publisher                             │
//          ▼                     ▼                                       │ consumer raises the
//    acknowledged ─────────► resolved | wont-fix                         │ same clientReference
//      │    ▲     publisher                                              │ again
//      └────┘ publisher (a further note)                                 │
//                                                                        │
//    open | acknowledged | resolved | wont-fix ──── consumer ────► closed ┘
//
// The publisher answers (each answer with a comment) while the issue is open or acknowledged; its
// final answers, resolved and wont-fix, stand until the consumer closes the issue. Only the consumer
// closes, from any status but closed. A closed issue takes no answer; the consumer reopens it by
// raising it again with its clientReference (services/issues.ts), which puts it back to open and
// restarts its unanswered clock. "Unanswered" is exactly status open: every publisher answer leaves
// open, and only a raise or a reopen enters it.
import type { DataIssueStatus, Role } from '@dtm/shared';

const PUBLISHER_ANSWERS: readonly DataIssueStatus[] = ['acknowledged', 'resolved', 'wont-fix'];

const TRANSITIONS: Record<DataIssueStatus, Record<Role, readonly DataIssueStatus[]>> = {
  open: { publisher: PUBLISHER_ANSWERS, consumer: ['closed'] },
  acknowledged: { publisher: PUBLISHER_ANSWERS, consumer: ['closed'] },
  resolved: { publisher: [], consumer: ['closed'] },
  'wont-fix': { publisher: [], consumer: ['closed'] },
  closed: { publisher: [], consumer: [] },
};

/** Statuses counted as open in /status: raised and not finally answered or closed. */
export const OPEN_STATUSES: readonly DataIssueStatus[] = ['open', 'acknowledged'];

/** Whether the role may ever set this status (otherwise the request is refused with 403). */
export function roleMaySet(role: Role, to: DataIssueStatus): boolean {
  return role === 'publisher' ? PUBLISHER_ANSWERS.includes(to) : to === 'closed';
}

export type UpdateDecision = { allowed: true } | { allowed: false; refusal: 'wrong-role' | 'illegal-transition' };

/** Whether `role` may move an issue from `from` to `to`: 403 for the wrong role, 409 for a move the diagram does not have. */
export function decideUpdate(from: DataIssueStatus, role: Role, to: DataIssueStatus): UpdateDecision {
  if (!roleMaySet(role, to)) return { allowed: false, refusal: 'wrong-role' };
  return TRANSITIONS[from][role].includes(to) ? { allowed: true } : { allowed: false, refusal: 'illegal-transition' };
}

/** A raise with a known clientReference reopens the issue only if the consumer had closed it. */
export const reopensOnRaise = (from: DataIssueStatus): boolean => from === 'closed';

/** Whether a status change by this role is the publisher's answer (it sets firstResponseAt). */
export const isAnswer = (role: Role, to: DataIssueStatus): boolean => role === 'publisher' && PUBLISHER_ANSWERS.includes(to);
