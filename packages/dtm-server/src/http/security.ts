// Authentication and authorisation as ordered middleware: authenticate, then for a practice route
// authorise (role, scope, grant and its window), rate-limit, and for a consumer's feed reads count the
// retrieval session. Refusals are problem+json, counted in metrics and written to the access log.
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import { PROBLEM_TYPES, type Role } from '@dtm/shared';
import type { AppDeps } from '../app.ts';
import { DtmError } from '../errors.ts';
import { authenticate, authorisePractice, forbidden, recordRetrieval, type Principal } from '../services/access.ts';
import type { GrantRow } from '../repo/clients.ts';

export const principalOf = (res: Response): Principal => res.locals.principal as Principal;

function countRefusal(deps: AppDeps, err: unknown): void {
  const e = err as DtmError & { reason?: string };
  if (e?.status === 401) deps.metrics.authFailures.inc({ reason: 'bearer' });
  if (e?.status === 403) deps.metrics.authzRefusals.inc({ reason: e.reason ?? 'forbidden' });
  if (e?.status === 429) deps.metrics.authzRefusals.inc({ reason: 'retrieval-limit' });
}

export function requireToken(deps: AppDeps): RequestHandler {
  return async (req, res, next) => {
    try {
      res.locals.principal = await authenticate(deps, req.get('authorization'));
      next();
    } catch (err) {
      countRefusal(deps, err);
      next(err);
    }
  };
}

export interface PracticeAccess {
  /** Each entry is one way in: a role with the scope it needs. */
  allow: { role: Role; scope: string }[];
  /** Count the request into the consumer's retrieval sessions (feed and binary reads). */
  countsAsRetrieval?: boolean;
}

export function requirePractice(deps: AppDeps, access: PracticeAccess): RequestHandler {
  return async (req, res, next) => {
    const who = principalOf(res);
    const ods = String(req.params.ods);
    res.locals.practice = ods;
    try {
      const need = access.allow.find((a) => a.role === who.role) ?? access.allow[0]!;
      const grant = await authorisePractice(deps, who, ods, need);
      res.locals.grant = grant;
      next();
    } catch (err) {
      countRefusal(deps, err);
      next(err);
    }
  };
}

/** Per-grant request rate (requests per minute, per server process). */
export function grantRateLimit(deps: AppDeps): RequestHandler {
  return rateLimit({
    windowMs: 60_000,
    limit: (_req: Request, res: Response) => (res.locals.grant as GrantRow).requests_per_minute,
    keyGenerator: (_req: Request, res: Response) => `${principalOf(res).clientId} ${String(res.locals.practice)}`,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    handler: (req: Request, _res: Response, next: NextFunction) => {
      const reset = (req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
      const retryAfter = Math.max(1, Math.ceil(((reset?.getTime() ?? Date.now() + 60_000) - Date.now()) / 1000));
      deps.metrics.authzRefusals.inc({ reason: 'rate-limit' });
      next(new DtmError(429, PROBLEM_TYPES.tooManyRequests, 'Too many requests',
        'The agreed request rate for this practice is exceeded; retry after the time given.', { headers: { 'Retry-After': String(retryAfter) } }));
    },
  });
}

export function countRetrieval(deps: AppDeps): RequestHandler {
  return async (_req, res, next) => {
    const who = principalOf(res);
    if (who.role !== 'consumer') return next();
    try {
      await recordRetrieval({ ...deps, sessionGapSeconds: deps.config.sessionGapSeconds }, who, res.locals.grant as GrantRow);
      next();
    } catch (err) {
      countRefusal(deps, err);
      next(err);
    }
  };
}

/** For routes about no one practice (the publisher's migration report): role and scope only. */
export function requireRole(deps: AppDeps, need: { role: Role; scope: string }): RequestHandler {
  return (_req, res, next) => {
    const who = principalOf(res);
    try {
      if (who.role !== need.role) throw forbidden(`A ${who.role} client cannot use this route; it is for ${need.role}s.`, 'wrong-role');
      if (!who.scopes.includes(need.scope)) throw forbidden(`The access token lacks the scope ${need.scope}.`, 'missing-scope');
      next();
    } catch (err) {
      countRefusal(deps, err);
      next(err);
    }
  };
}

/** Per-client request rate where there is no practice grant to carry one (per server process). */
export function clientRateLimit(deps: AppDeps, perMinute: number): RequestHandler {
  return rateLimit({
    windowMs: 60_000,
    limit: perMinute,
    keyGenerator: (_req: Request, res: Response) => principalOf(res).clientId,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    handler: (_req: Request, _res: Response, next: NextFunction) => {
      deps.metrics.authzRefusals.inc({ reason: 'rate-limit' });
      next(new DtmError(429, PROBLEM_TYPES.tooManyRequests, 'Too many requests',
        `At most ${perMinute} requests per minute on this route; retry after the time given.`, { headers: { 'Retry-After': '60' } }));
    },
  });
}
