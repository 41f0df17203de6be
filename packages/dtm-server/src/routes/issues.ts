// Both sides: the data-issues channel (roadmap item: the TSS notifies the SSS of issues with the data,
// and the SSS responds, in a timely manner). The consumer raises and closes, the publisher answers,
// both read. Each route: authorise the practice, rate-limit, handle. Rule, message and resources are
// the client's words: they go to the database, never to a log or a metric label.
import express, { Router, type Request, type Response } from 'express';
import { SCOPES, type DataIssueRaise, type DataIssueStatus, type DataIssueUpdate } from '@dtm/shared';
import type { AppDeps } from '../app.ts';
import { grantRateLimit, principalOf, requirePractice } from '../http/security.ts';
import { auditFacts } from '../http/audit.ts';
import { getIssue, listIssues, raiseIssue, updateIssue } from '../services/issues.ts';
import { ISSUE_LIMITS } from '../domain/issue-resources.ts';
import type { DtmError } from '../errors.ts';

const param = (req: Request, name: string) => String(req.params[name]);

/** Paths whose JSON body is parsed (before request validation, which reads it). */
export const ISSUE_JSON_POSTS = ['/v1/practices/:ods/issues'];
export const ISSUE_JSON_PATCHES = ['/v1/practices/:ods/issues/:issueId'];

export function issueJsonParser() {
  return express.json({ limit: ISSUE_LIMITS.maxBodyBytes, type: 'application/json' });
}

export function issuesRouter(deps: AppDeps): Router {
  const r = Router();
  const consumer = { role: 'consumer', scope: SCOPES.feedRead } as const;
  const publisher = { role: 'publisher', scope: SCOPES.ingestWrite } as const;
  const rate = grantRateLimit(deps);
  // Only the Target raises; both sides read, and answer or close (the service checks which status).
  const raiser = requirePractice(deps, { allow: [consumer] });
  const eitherSide = requirePractice(deps, { allow: [consumer, publisher] });
  const location = (ods: string, id: string) => `/v1/practices/${ods}/issues/${id}`;

  r.post('/practices/:ods/issues', raiser, rate, async (req, res) => {
    const ods = param(req, 'ods');
    const body = req.body as DataIssueRaise;
    auditFacts(res).resources = body.resources.length;
    const { issue, created } = await raiseIssue(deps, ods, principalOf(res).clientId, body);
    if (created) deps.metrics.issuesRaised.inc({ severity: issue.severity });
    res.setHeader('Location', location(ods, issue.id));
    res.status(created ? 201 : 200).json(issue);
  });

  r.get('/practices/:ods/issues', eitherSide, rate, async (req, res) => {
    const q = req.query as { status?: DataIssueStatus[] | DataIssueStatus; rule?: string; after?: number; limit?: number };
    res.json(await listIssues(deps, param(req, 'ods'), {
      statuses: q.status === undefined ? undefined : ([] as DataIssueStatus[]).concat(q.status),
      rule: q.rule,
      after: Number(q.after ?? 0),
      limit: Number(q.limit ?? ISSUE_LIMITS.defaultLimit),
    }));
  });

  r.get('/practices/:ods/issues/:issueId', eitherSide, rate, async (req, res) => {
    res.json(await getIssue(deps, param(req, 'ods'), param(req, 'issueId')));
  });

  r.patch('/practices/:ods/issues/:issueId', eitherSide, rate, async (req: Request, res: Response) => {
    const body = req.body as DataIssueUpdate;
    try {
      const issue = await updateIssue(deps, param(req, 'ods'), param(req, 'issueId'), principalOf(res), body);
      deps.metrics.issuesAnswered.inc({ status: body.status });
      res.json(issue);
    } catch (err) {
      // Refusals made here, past requirePractice, are counted like its own.
      const e = err as DtmError & { reason?: string };
      if (e?.status === 403) deps.metrics.authzRefusals.inc({ reason: e.reason ?? 'forbidden' });
      throw err;
    }
  });

  return r;
}
