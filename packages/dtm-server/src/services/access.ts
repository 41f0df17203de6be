// Who is calling and what they may do: bearer tokens, roles and scopes, per-practice grants with
// their validity window, and the consumer's retrieval sessions.
import { PROBLEM_TYPES, type Role } from '@dtm/shared';
import { inTransaction, type Pool } from '../db/pool.ts';
import type { Clock } from '../clock.ts';
import { DtmError } from '../errors.ts';
import { activeGrant, type GrantRow } from '../repo/clients.ts';
import { findToken } from '../repo/tokens.ts';
import * as retrievals from '../repo/retrievals.ts';
import { decideSession, grantWindow } from '../domain/retrieval-terms.ts';
import { hashToken } from './tokens.ts';
import type { AccessCache } from './access-cache.ts';
import { RetrievalTouches } from './retrieval-touches.ts';
import type { Logger } from '../logger.ts';

export interface Principal {
  clientId: string;
  role: Role;
  scopes: string[];
}

export const unauthorized = (detail: string) =>
  new DtmError(401, PROBLEM_TYPES.unauthorized, 'Unauthorized', detail, {
    headers: { 'WWW-Authenticate': `Bearer error="invalid_token", error_description="${detail.replace(/"/g, "'")}"` },
  });

export const forbidden = (detail: string, reason: string) =>
  Object.assign(new DtmError(403, PROBLEM_TYPES.forbidden, 'Forbidden', detail), { reason });

type AccessDeps = { pool: Pool; clock: Clock; accessCache: AccessCache };

export async function authenticate(deps: AccessDeps, authorization: string | undefined): Promise<Principal> {
  if (!authorization) throw unauthorized('An access token is required: Authorization: Bearer <token> (from /oauth2/token).');
  const m = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/.exec(authorization);
  if (!m) throw unauthorized('The Authorization header is not a bearer token.');
  const hash = hashToken(m[1]!);
  // Revoked and expired are checked on every request, against the lookup as cached.
  const found = await deps.accessCache.get(`token ${hash.toString('base64')}`, () => findToken(deps.pool, hash));
  if (!found) throw unauthorized('The access token is not recognised.');
  if (found.revoked_at) throw unauthorized('The client has been revoked.');
  if (found.expires_at <= deps.clock.now()) throw unauthorized('The access token has expired; request a new one.');
  return { clientId: found.client_id, role: found.role, scopes: found.scopes };
}

/** Refuses unless the principal has the role and scope, and a grant for the practice valid now. */
export async function authorisePractice(
  deps: AccessDeps,
  who: Principal,
  ods: string,
  need: { role: Role; scope: string },
): Promise<GrantRow> {
  if (who.role !== need.role) {
    throw forbidden(`A ${who.role} client cannot use this route; it is for ${need.role}s.`, 'wrong-role');
  }
  if (!who.scopes.includes(need.scope)) throw forbidden(`The access token lacks the scope ${need.scope}.`, 'missing-scope');
  // The grant's window is checked on every request, against the grant as cached.
  const grant = await deps.accessCache.get(`grant ${JSON.stringify([who.clientId, ods])}`, () => activeGrant(deps.pool, who.clientId, ods));
  if (!grant) throw forbidden(`This client has no grant for practice ${ods}.`, 'no-grant');
  const window = grantWindow(grant, deps.clock.now());
  if (window !== 'active') throw forbidden(`This client's grant for practice ${ods} is ${window === 'expired' ? 'no longer' : 'not yet'} valid.`, `grant-${window}`);
  return grant;
}

/** Counts a consumer's feed request into a retrieval session; past the agreed sessions per 24 h, 429. */
export async function recordRetrieval(
  deps: { pool: Pool; bookkeepingPool: Pool; clock: Clock; sessionGapSeconds: number; retrievalTouches: RetrievalTouches },
  who: Principal,
  grant: GrantRow,
): Promise<void> {
  const now = deps.clock.now();
  // A request within a second of the last write to its session is counted in memory (retrieval-touches.ts).
  if (deps.retrievalTouches.absorb(who.clientId, grant.practice, now)) return;
  const counted = 1 + deps.retrievalTouches.take(who.clientId, grant.practice);
  // Parallel reads of one sync (pages, binaries) must not queue on a lock just to say "still here",
  // nor wait for a WAL flush (book-keeping: see db/pool.ts). Starting a session, which the agreed
  // sessions per 24 h limit, is decided under the lock and committed durably.
  if (await retrievals.continueLatestSession(deps.bookkeepingPool, who.clientId, grant.practice, now, deps.sessionGapSeconds, counted)) {
    deps.retrievalTouches.written(who.clientId, grant.practice, now);
    return;
  }
  await inTransaction(deps.pool, async (c) => {
    await retrievals.lockSessions(c, who.clientId, grant.practice);
    const latest = await retrievals.latestSession(c, who.clientId, grant.practice);
    const recent = await retrievals.sessionStartsSince(c, who.clientId, grant.practice, new Date(now.getTime() - 24 * 3600_000));
    const d = decideSession(latest, recent, grant.sessions_per_day, deps.sessionGapSeconds * 1000, now);
    if (d.action === 'continue') return retrievals.touchSession(c, d.sessionId, now, counted);
    // Requests counted in memory are within a tenth of the session gap of the last write, so they can
    // only be here when requests of one sync raced the start of its session: they count in it.
    if (d.action === 'start') return retrievals.startSession(c, who.clientId, grant.practice, now, counted);
    throw new DtmError(429, PROBLEM_TYPES.tooManyRequests, 'Retrieval limit reached',
      `The agreed terms allow ${grant.sessions_per_day} retrieval session(s) per 24 h for practice ${grant.practice}; more need the Source supplier's agreement.`,
      { headers: { 'Retry-After': String(d.retryAfterSeconds) } });
  });
  deps.retrievalTouches.written(who.clientId, grant.practice, now);
}

/** Where recordRetrieval's in-memory counts go: the sessions they belong to, as book-keeping. */
export function createRetrievalTouches(bookkeepingPool: Pool, sessionGapSeconds: number, logger: Logger): RetrievalTouches {
  return new RetrievalTouches(async (clientId, practice, count, at) => {
    try {
      await retrievals.continueLatestSession(bookkeepingPool, clientId, practice, at, sessionGapSeconds, count);
    } catch (err) {
      logger.warn({ err: { message: (err as Error).message } }, 'retrieval session request count not written');
    }
  }, sessionGapSeconds);
}
