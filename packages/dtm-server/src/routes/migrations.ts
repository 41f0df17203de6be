// The weekend cutover over HTTP: the migration lifecycle, the completeness digest, the CSMP notices
// and the publisher's report for the Migration Management Agent. Each route reads as a checklist:
// authorise (practice, role, scope, grant), rate-limit, handle. Handlers are thin; the rules live in
// services/migrations.ts and domain/migration-states.ts.
import express, { Router, type Request, type Response } from 'express';
import { DIGEST_LIMITS, SCOPES, type MigrationNotice, type MigrationRegistration, type MigrationTransitionRequest } from '@dtm/shared';
import type { AppDeps } from '../app.ts';
import { clientRateLimit, grantRateLimit, principalOf, requirePractice, requireRole } from '../http/security.ts';
import { auditFacts } from '../http/audit.ts';
import type { DtmError } from '../errors.ts';
import { getMigration, registerMigration, transitionMigration } from '../services/migrations.ts';
import { digestEntries, practiceDigest } from '../services/digest.ts';
import { renderNotice } from '../services/notices.ts';
import { migrationReport } from '../services/report.ts';
import { reportCsv } from '../domain/report-csv.ts';

const param = (req: Request, name: string) => String(req.params[name]);

/** Paths whose JSON body is parsed (before request validation, which reads it). */
export const MIGRATION_JSON_PUTS = ['/v1/ingest/practices/:ods/migration'];
export const MIGRATION_JSON_POSTS = ['/v1/practices/:ods/migration/transitions'];

/** A transition's body is small: a state, a note, and at most a digest of some hundred types. */
export function migrationJsonParser() {
  return express.json({ limit: '256kb', type: 'application/json' });
}

/** Refusals made past requirePractice (wrong role for a move, not the migration's client) are counted like its own. */
function countRefusals(deps: AppDeps) {
  return (err: unknown) => {
    const e = err as DtmError & { reason?: string };
    if (e?.status === 403) deps.metrics.authzRefusals.inc({ reason: e.reason ?? 'forbidden' });
    throw err;
  };
}

/** Mounted at /v1: both sides' migration routes. */
export function migrationRouter(deps: AppDeps): Router {
  const r = Router();
  const consumer = { role: 'consumer', scope: SCOPES.feedRead } as const;
  const publisher = { role: 'publisher', scope: SCOPES.ingestWrite } as const;
  const rate = grantRateLimit(deps);
  const eitherSide = requirePractice(deps, { allow: [consumer, publisher] });
  const target = requirePractice(deps, { allow: [consumer] });

  r.get('/practices/:ods/migration', eitherSide, rate, async (req, res) => {
    res.json(await getMigration(deps, param(req, 'ods')));
  });

  r.post('/practices/:ods/migration/transitions', eitherSide, rate, async (req: Request, res: Response) => {
    const body = req.body as MigrationTransitionRequest;
    const migration = await transitionMigration(deps, param(req, 'ods'), principalOf(res), body).catch(countRefusals(deps));
    deps.metrics.migrationTransitions.inc({ to: body.to });
    res.json(migration);
  });

  r.get('/practices/:ods/migration/notices/:notice', eitherSide, rate, async (req, res) => {
    const format = (req.query as { format?: 'md' | 'html' }).format ?? 'md';
    const notice = await renderNotice(deps, param(req, 'ods'), param(req, 'notice') as MigrationNotice, format);
    res.setHeader('Content-Type', notice.contentType);
    res.setHeader('Content-Disposition', `inline; filename="${notice.filename}"`);
    res.setHeader('Cache-Control', 'private, no-store');
    res.send(notice.body);
  });

  r.get('/practices/:ods/digest', eitherSide, rate, async (req, res) => {
    res.json(await practiceDigest(deps, param(req, 'ods')));
  });

  r.get('/practices/:ods/digest/entries', target, rate, async (req, res) => {
    const q = req.query as { resourceType?: string; after?: string; limit?: number };
    const page = await digestEntries(deps, param(req, 'ods'), {
      ...(q.resourceType !== undefined ? { resourceType: q.resourceType } : {}),
      ...(q.after !== undefined ? { after: q.after } : {}),
      limit: Number(q.limit ?? DIGEST_LIMITS.defaultLimit),
    });
    auditFacts(res).resources = page.entries.length;
    res.json(page);
  });

  return r;
}

/** Mounted at /v1/ingest, before the ingest router: the Source's registration and report. */
export function migrationIngestRouter(deps: AppDeps): Router {
  const r = Router();
  const publisher = { role: 'publisher', scope: SCOPES.ingestWrite } as const;

  r.put('/practices/:ods/migration', requirePractice(deps, { allow: [publisher] }), grantRateLimit(deps), async (req, res) => {
    const { migration, created } = await registerMigration(deps, param(req, 'ods'), principalOf(res), req.body as MigrationRegistration)
      .catch(countRefusals(deps));
    if (created) deps.metrics.migrationTransitions.inc({ to: 'registered' });
    res.status(created ? 201 : 200).json(migration);
  });

  // CSMP 4.5: reports "will not be requested in excess of four times per year"; a few a minute is plenty.
  r.get('/migrations/report', requireRole(deps, publisher), clientRateLimit(deps, 30), async (req, res) => {
    const report = await migrationReport(deps, principalOf(res));
    const format = (req.query as { format?: 'csv' | 'json' }).format ?? 'csv';
    res.setHeader('Cache-Control', 'private, no-store');
    if (format === 'json') {
      res.json(report);
      return;
    }
    res.setHeader('Content-Type', 'text/csv; charset=utf-8; header=present');
    res.setHeader('Content-Disposition', `attachment; filename="dtm-migration-report-${report.generatedAt.slice(0, 10)}.csv"`);
    res.send(reportCsv(report.migrations));
  });

  return r;
}
