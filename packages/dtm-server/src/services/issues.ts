// The data-issues channel (roadmap item: "The TSS will notify the SSS of any issues they find with the
// data in a timely manner, such that the weekend cutover can be completed"; "The SSS will respond to
// any data issues raised by the TSS in a timely manner"). The consumer raises and closes, the
// publisher answers; the status rules are in domain/issue-states.ts. Problem details never repeat the
// client's rule, message, resources or clientReference: they may name patient data.
import { randomUUID } from 'node:crypto';
import type { DataIssue, DataIssuePage, DataIssueRaise, DataIssueStatus, DataIssueSummary, DataIssueUpdate } from '@dtm/shared';
import { inTransaction, type Pool, type PoolClient } from '../db/pool.ts';
import type { Clock } from '../clock.ts';
import { badRequest, conflict, notFound } from '../errors.ts';
import { forbidden, type Principal } from './access.ts';
import { decideUpdate, isAnswer, reopensOnRaise, roleMaySet } from '../domain/issue-states.ts';
import { ISSUE_LIMITS, checkResources, inContractOrder, mergeResources } from '../domain/issue-resources.ts';
import * as repo from '../repo/issues.ts';
import { getPractice } from '../repo/practices.ts';

export interface IssueDeps {
  pool: Pool;
  clock: Clock;
}

const seconds = (from: Date, to: Date) => (to.getTime() - from.getTime()) / 1000;

function toIssue(row: repo.IssueRow, responses: repo.ResponseRow[]): DataIssue {
  return {
    id: row.id,
    sequence: row.seq,
    practice: row.practice,
    raisedBy: row.raised_by,
    raisedAt: row.raised_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    severity: row.severity,
    rule: row.rule,
    message: row.message,
    resources: row.resources.map(inContractOrder),
    clientReference: row.client_reference,
    status: row.status,
    responses: responses
      .filter((r) => r.issue_id === row.id)
      .map((r) => ({ by: r.client_id, role: r.role, status: r.status, comment: r.comment, at: r.at.toISOString() })),
    firstResponseAt: row.first_response_at?.toISOString() ?? null,
    // The issue's response time (roadmap item: the SSS responds in a timely manner).
    responseSeconds: row.first_response_at ? seconds(row.raised_at, row.first_response_at) : null,
  };
}

const noSuchIssue = (ods: string) => notFound(`No such data issue for practice ${ods}.`);

async function requirePracticeHeld(db: Pool | PoolClient, ods: string): Promise<void> {
  if (!(await getPractice(db, ods))) throw notFound(`No practice ${ods} is held by this DTM.`);
}

export interface RaiseOutcome {
  issue: DataIssue;
  /** False when the clientReference named an existing issue, which was updated instead. */
  created: boolean;
}

/**
 * Raises an issue, or, when this client already raised one with the same clientReference, updates
 * it: resources merged, severity and message replaced, reopened if the consumer had closed it.
 */
export async function raiseIssue(deps: IssueDeps, ods: string, raisedBy: string, body: DataIssueRaise): Promise<RaiseOutcome> {
  const now = deps.clock.now();
  checkResources(body.resources);
  const resources = mergeResources([], body.resources);
  return inTransaction(deps.pool, async (c) => {
    await repo.lockPracticeIssues(c, ods);
    await requirePracticeHeld(c, ods);
    const existing = body.clientReference === undefined ? null : await repo.findByClientReference(c, ods, raisedBy, body.clientReference);
    if (!existing) {
      const row = await repo.insertIssue(c, {
        id: randomUUID(), practice: ods, raisedBy, at: now, severity: body.severity, rule: body.rule,
        message: body.message, resources, clientReference: body.clientReference ?? null,
      });
      return { issue: toIssue(row, []), created: true };
    }
    // A clientReference names one finding; the publisher may already have answered it under its rule.
    if (existing.rule !== body.rule) {
      throw conflict('This clientReference already names an issue raised under another rule; nothing was written. Use a new clientReference.');
    }
    const merged = mergeResources(existing.resources, resources);
    if (merged.length > ISSUE_LIMITS.maxResources) {
      throw conflict(`Merged, the issue would name ${merged.length} resources, more than ${ISSUE_LIMITS.maxResources}; nothing was written. Raise a new issue.`);
    }
    const reopen = reopensOnRaise(existing.status);
    const row = await repo.updateRaise(c, existing.id, {
      severity: body.severity, message: body.message, resources: merged,
      status: reopen ? 'open' : existing.status, openedAt: reopen ? now : existing.opened_at, at: now,
    });
    if (reopen) await repo.insertResponse(c, { issue_id: row.id, client_id: raisedBy, role: 'consumer', status: 'open', comment: null, at: now });
    return { issue: toIssue(row, await repo.responsesOf(c, [row.id])), created: false };
  });
}

export interface IssueQuery {
  statuses: DataIssueStatus[] | undefined;
  rule: string | undefined;
  after: number;
  limit: number;
}

export async function listIssues(deps: IssueDeps, ods: string, q: IssueQuery): Promise<DataIssuePage> {
  await requirePracticeHeld(deps.pool, ods);
  const rows = await repo.listIssues(deps.pool, ods, {
    statuses: q.statuses?.length ? q.statuses : null, rule: q.rule ?? null, after: q.after, limit: q.limit + 1,
  });
  const page = rows.slice(0, q.limit);
  const responses = await repo.responsesOf(deps.pool, page.map((r) => r.id));
  return {
    practice: ods,
    issues: page.map((r) => toIssue(r, responses)),
    next: rows.length > q.limit ? page.at(-1)!.seq : null,
  };
}

export async function getIssue(deps: IssueDeps, ods: string, id: string): Promise<DataIssue> {
  const row = await repo.getIssue(deps.pool, ods, id);
  if (!row) throw noSuchIssue(ods);
  return toIssue(row, await repo.responsesOf(deps.pool, [row.id]));
}

/**
 * The publisher answers (acknowledged, resolved, wont-fix, with a comment) or the consumer that raised
 * the issue closes it. Refusals: 403 for a status the role may not set or another consumer's issue,
 * 404 for an issue not of this practice, 409 for a change the state diagram does not allow.
 */
export async function updateIssue(deps: IssueDeps, ods: string, id: string, who: Principal, body: DataIssueUpdate): Promise<DataIssue> {
  const now = deps.clock.now();
  if (!roleMaySet(who.role, body.status)) {
    throw forbidden(`A ${who.role} cannot set a data issue to ${body.status}.`, 'wrong-role-for-status');
  }
  // The contract requires it (DataIssueAnswer); kept here so the rule holds whoever calls.
  if (isAnswer(who.role, body.status) && !body.comment) {
    throw badRequest('An answer needs a comment; nothing was written.', [{ pointer: '/body/comment', message: "must have required property 'comment'" }]);
  }
  return inTransaction(deps.pool, async (c) => {
    const row = await repo.getIssue(c, ods, id, true);
    if (!row) throw noSuchIssue(ods);
    if (who.role === 'consumer' && row.raised_by !== who.clientId) {
      throw forbidden('Only the client that raised a data issue may close it.', 'not-raiser');
    }
    const decision = decideUpdate(row.status, who.role, body.status);
    if (!decision.allowed) throw conflict(`A data issue that is ${row.status} cannot be set to ${body.status} by the ${who.role}; nothing was written.`);
    await repo.insertResponse(c, { issue_id: row.id, client_id: who.clientId, role: who.role, status: body.status, comment: body.comment ?? null, at: now });
    const updated = await repo.setStatus(c, row.id, body.status, now, isAnswer(who.role, body.status) ? now : null);
    return toIssue(updated, await repo.responsesOf(c, [row.id]));
  });
}

/** The practice's issue figures for /status. */
export async function issueSummary(deps: IssueDeps, ods: string, now: Date): Promise<DataIssueSummary> {
  const counts = await repo.issueCounts(deps.pool, ods);
  const oldest = counts.oldest_unanswered_at;
  return {
    open: counts.open,
    unanswered: counts.unanswered,
    oldestUnansweredAt: oldest?.toISOString() ?? null,
    oldestUnansweredSeconds: oldest ? Math.max(0, seconds(oldest, now)) : null,
    medianResponseSeconds: counts.median_response_seconds,
  };
}
