// Every access to /v1 and the token endpoint goes into the append-only access log once the response
// is finished or abandoned: who, what (practice, route, counts, cursor range), when, from where, result.
import type { Request, RequestHandler, Response } from 'express';
import type { AppDeps } from '../app.ts';
import { appendAccess } from '../repo/audit.ts';
import type { Principal } from '../services/access.ts';

export interface AuditFacts {
  resources?: number;
  binaries?: number;
  cursorFrom?: string | null;
  cursorTo?: string | null;
}

export const auditFacts = (res: Response): AuditFacts => ((res.locals.audit ??= {}) as AuditFacts);

function outcomeOf(status: number): string {
  if (status < 400) return 'ok';
  if (status === 401 || status === 403 || status === 429) return 'refused';
  return status >= 500 ? 'error' : 'rejected';
}

const routeOf = (req: Request) => {
  const path = (req.route as { path?: string } | undefined)?.path;
  return path ? `${req.baseUrl}${path}` : req.originalUrl.split('?')[0]!;
};

export function accessLog(deps: AppDeps): RequestHandler {
  return (req, res, next) => {
    // Read now: by 'finish' a refused upload's socket may be destroyed, and req.ip would then throw.
    const ip = req.ip ?? null;
    // 'close', not 'finish': a read the client abandons part-way (a download) never finishes, and is
    // still an access on record (outcome 'aborted'). A write whose client hangs up is left to
    // 'finish' as before: its handler may still commit, and 'aborted' with no counts would misstate it.
    const read = req.method === 'GET' || req.method === 'HEAD';
    res.on(read ? 'close' : 'finish', () => {
      const facts = auditFacts(res);
      const principal = res.locals.principal as Principal | undefined;
      appendAccess(deps.bookkeepingPool, {
        at: deps.clock.now(),
        requestId: String(req.id ?? ''),
        clientId: principal?.clientId ?? (res.locals.claimedClientId as string | undefined) ?? null,
        practice: (res.locals.practice as string | undefined) ?? null,
        method: req.method,
        route: routeOf(req),
        status: res.statusCode,
        outcome: res.writableFinished ? outcomeOf(res.statusCode) : 'aborted',
        resources: facts.resources ?? 0,
        binaries: facts.binaries ?? 0,
        cursorFrom: facts.cursorFrom ?? null,
        cursorTo: facts.cursorTo ?? null,
        ip,
      }).catch((err: Error) => deps.logger.error({ err: { message: err.message }, reqId: req.id }, 'access log write failed'));
    });
    next();
  };
}
