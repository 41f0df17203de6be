// The Source supplier reads the access log of its practice (who read what, when, from where).
import { Router } from 'express';
import { SCOPES } from '@dtm/shared';
import type { AppDeps } from '../app.ts';
import { requirePractice } from '../http/security.ts';
import { readAccess } from '../repo/audit.ts';

export function auditRouter(deps: AppDeps): Router {
  const r = Router();
  r.get('/practices/:ods/audit', requirePractice(deps, { allow: [{ role: 'publisher', scope: SCOPES.auditRead }] }), async (req, res) => {
    const q = req.query as { since?: string; after?: number; limit?: number };
    const limit = Number(q.limit ?? 1000);
    const entries = await readAccess(deps.pool, String(req.params.ods), q.since ? new Date(q.since) : null, Number(q.after ?? 0), limit);
    res.json({
      practice: String(req.params.ods),
      entries: entries.map((e) => ({ ...e, at: e.at.toISOString() })),
      next: entries.length === limit ? entries.at(-1)!.id : null,
    });
  });
  return r;
}
