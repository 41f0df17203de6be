// The weekend cutover's lifecycle (roadmap item "Data Transfer Mechanism for weekend cutover"; CSMP
// Steps 6 to 13): registering a practice's migration, recording each move of its state machine
// (domain/migration-states.ts) with who, role, when and a note, the freeze that ends ingest and fixes
// the final watermark, the digest check that proves the Target complete, extract iterations, and the
// warnings and timing a tool can watch. Notes are the clients' words: stored and served, never logged
// or repeated in a problem.
import { randomUUID } from 'node:crypto';
import {
  MIGRATION_LIMITS, PROBLEM_TYPES, digestDifferences, formatLondonDateTime, isCutoverStart,
  type DigestTotals, type Migration, type MigrationRegistration, type MigrationState, type MigrationSummary,
  type MigrationTransitionRequest, type MigrationTransitionTarget,
} from '@dtm/shared';
import { inTransaction, type Pool, type PoolClient } from '../db/pool.ts';
import type { Clock } from '../clock.ts';
import { DtmError, badRequest, conflict, notFound, practiceFrozen } from '../errors.ts';
import { forbidden, type Principal } from './access.ts';
import { decideTransition, isFrozen, isTerminal, planIsOpen, roleMayMoveTo } from '../domain/migration-states.ts';
import { defaultGoLive, migrationTiming, migrationWarnings, readinessDeadline, runOffEndsAt, type MigrationFacts } from '../domain/migration-timing.ts';
import { isRealInstant } from '../domain/instant.ts';
import { encodeCursor } from '../domain/cursor.ts';
import * as repo from '../repo/migrations.ts';
import { ensurePractice } from '../repo/practices.ts';
import { inPracticeWriteTransaction } from './practice-writes.ts';
import { getClient } from '../repo/clients.ts';
import { highWater } from '../repo/changes.ts';
import { getEpoch } from '../repo/meta.ts';
import { practiceDigest } from './digest.ts';

export interface MigrationDeps {
  pool: Pool;
  clock: Clock;
}

const noMigration = (ods: string) => notFound(`No migration is registered for practice ${ods}.`);

export function factsOf(row: repo.MigrationRow, extracts: repo.ExtractRow[]): MigrationFacts {
  return {
    state: row.state,
    plannedCutoverStart: row.planned_cutover_start,
    plannedGoLive: row.planned_go_live,
    readinessDeadline: row.readiness_deadline,
    frozenAt: row.frozen_at,
    targetCompleteAt: row.target_complete_at,
    abortedAt: row.aborted_at,
    extractIterations: extracts.filter((e) => e.migration_id === row.id).map((e) => ({ clientId: e.client_id, count: e.count })),
  };
}

export function toMigration(row: repo.MigrationRow, transitions: repo.TransitionRow[], extracts: repo.ExtractRow[], epoch: string, now: Date): Migration {
  const facts = factsOf(row, extracts);
  const timing = migrationTiming(facts, now);
  return {
    id: row.id,
    practice: row.practice,
    practiceName: row.practice_name,
    sourceClientId: row.source_client_id,
    targetClientId: row.target_client_id,
    state: row.state,
    registeredAt: row.registered_at.toISOString(),
    plannedCutoverStart: row.planned_cutover_start.toISOString(),
    plannedGoLive: row.planned_go_live.toISOString(),
    readinessDeadline: row.readiness_deadline.toISOString(),
    runOffDays: row.run_off_days,
    runOffEndsAt: runOffEndsAt(row.business_go_live_at, row.run_off_days)?.toISOString() ?? null,
    // Stored as a position and encoded with the current epoch, so it stays usable as a cursor.
    finalWatermark: row.final_txid_text !== null && row.final_seq_text !== null
      ? encodeCursor(epoch, { txid: row.final_txid_text, seq: row.final_seq_text }) : null,
    frozenAt: row.frozen_at?.toISOString() ?? null,
    targetCompleteAt: row.target_complete_at?.toISOString() ?? null,
    history: transitions.filter((t) => t.migration_id === row.id).map((t) => ({
      from: t.from_state, to: t.to_state, by: t.client_id, role: t.role, at: t.at.toISOString(), note: t.note,
    })),
    extractIterations: facts.extractIterations,
    warnings: migrationWarnings(facts, timing, now),
    timing,
  };
}

/** The practice's migration: its live one, or the last to end. */
export async function getMigration(deps: MigrationDeps, ods: string): Promise<Migration> {
  const row = await repo.latestMigration(deps.pool, ods);
  if (!row) throw noMigration(ods);
  const [transitions, extracts, epoch] = await Promise.all([
    repo.transitionsOf(deps.pool, [row.id]), repo.extractsOf(deps.pool, [row.id]), getEpoch(deps.pool),
  ]);
  return toMigration(row, transitions, extracts, epoch, deps.clock.now());
}

/** The migration in brief, for /status; null when the practice never had one. */
export async function migrationSummary(deps: MigrationDeps, ods: string, now: Date): Promise<MigrationSummary | null> {
  const row = await repo.latestMigration(deps.pool, ods);
  if (!row) return null;
  const facts = factsOf(row, await repo.extractsOf(deps.pool, [row.id]));
  return {
    state: row.state,
    plannedCutoverStart: row.planned_cutover_start.toISOString(),
    readinessDeadline: row.readiness_deadline.toISOString(),
    warnings: migrationWarnings(facts, migrationTiming(facts, now), now),
  };
}

const instantProblem = (pointer: string) => badRequest(`${pointer.split('/').pop()} is not a real date-time.`, [
  { pointer, message: 'must be an RFC 3339 date-time that exists' },
]);

/** Checks a registration's plan and fills in its defaults. */
export function checkPlan(body: MigrationRegistration, now: Date): repo.Plan {
  const startPointer = '/body/plannedCutoverStart';
  if (!isRealInstant(body.plannedCutoverStart)) throw instantProblem(startPointer);
  const start = new Date(body.plannedCutoverStart);
  // Roadmap item: "a weekend cutover (5pm Friday start, Target Solution operational for 8am the
  // following Monday)", in the practice's own time, Europe/London.
  if (!isCutoverStart(start)) {
    throw badRequest(`plannedCutoverStart must be 17:00 on a Friday, Europe/London local time (the weekend cutover's 5pm Friday start); ${body.plannedCutoverStart} is ${formatLondonDateTime(start)}.`, [
      { pointer: startPointer, message: 'must be a Friday 17:00 Europe/London' },
    ]);
  }
  if (start.getTime() <= now.getTime()) {
    throw badRequest('plannedCutoverStart must be in the future.', [{ pointer: startPointer, message: 'must be after the server time' }]);
  }
  let goLive = defaultGoLive(start);
  if (body.plannedGoLive !== undefined) {
    if (!isRealInstant(body.plannedGoLive)) throw instantProblem('/body/plannedGoLive');
    goLive = new Date(body.plannedGoLive);
    if (goLive.getTime() <= start.getTime()) {
      throw badRequest('plannedGoLive must be after plannedCutoverStart.', [{ pointer: '/body/plannedGoLive', message: 'must be after plannedCutoverStart' }]);
    }
  }
  return {
    targetClientId: body.targetClientId,
    plannedCutoverStart: start,
    plannedGoLive: goLive,
    readinessDeadline: readinessDeadline(start),
    runOffDays: body.runOffDays ?? MIGRATION_LIMITS.defaultRunOffDays,
  };
}

const isUniqueViolation = (e: unknown) => (e as { code?: string })?.code === '23505';

/**
 * Registers the practice's migration (publisher), or updates the plan of its registered one. One
 * live migration per practice: a new one only after the last was accepted or aborted.
 */
export async function registerMigration(deps: MigrationDeps, ods: string, who: Principal, body: MigrationRegistration): Promise<{ migration: Migration; created: boolean }> {
  const now = deps.clock.now();
  const plan = checkPlan(body, now);
  const target = await getClient(deps.pool, body.targetClientId);
  if (!target || target.revoked_at || target.role !== 'consumer') {
    throw badRequest('targetClientId does not name an active consumer client of this DTM.', [
      { pointer: '/body/targetClientId', message: 'must be an active consumer (Target supplier) client' },
    ]);
  }
  const live = (state: MigrationState) => conflict(`Practice ${ods} already has a live migration (${state}); its plan can no longer change.`);
  let created = false;
  try {
    await inTransaction(deps.pool, async (c) => {
      await ensurePractice(c, ods, now);
      const existing = await repo.latestMigration(c, ods, true);
      if (existing && !isTerminal(existing.state)) {
        if (existing.source_client_id !== who.clientId) {
          throw forbidden(`Practice ${ods}'s migration was registered by another publisher; only it may change the plan.`, 'not-migration-client');
        }
        if (!planIsOpen(existing.state)) throw live(existing.state);
        await repo.updatePlan(c, existing.id, plan, now);
        return;
      }
      const id = randomUUID();
      await repo.insertMigration(c, { id, practice: ods, sourceClientId: who.clientId, at: now, ...plan });
      await repo.insertTransition(c, { migration_id: id, from_state: null, to_state: 'registered', client_id: who.clientId, role: who.role, at: now, note: null });
      created = true;
    });
  } catch (err) {
    // Two first registrations at once: the unique index on live migrations decides.
    if (isUniqueViolation(err)) throw live('registered');
    throw err;
  }
  return { migration: await getMigration(deps, ods), created };
}

/** 403 unless the caller may make this move at all: its role, and being the migration's own Source or Target client. */
function checkMover(row: repo.MigrationRow, who: Principal, to: MigrationTransitionTarget): void {
  if (!roleMayMoveTo(who.role, to)) {
    throw forbidden(`A ${who.role} cannot move a migration to ${to}.`, 'wrong-role');
  }
  const own = who.role === 'publisher' ? row.source_client_id : row.target_client_id;
  if (own !== who.clientId) {
    throw forbidden(`Only the migration's ${who.role === 'publisher' ? 'Source' : 'Target'} client may record its moves.`, 'not-migration-client');
  }
}

const illegal = (from: MigrationState, to: MigrationState) =>
  conflict(`The migration is ${from}; it cannot move to ${to} from there.`);

function describe(t: DigestTotals | null): string {
  return t ? `${t.live} live, ${t.deleted} deleted` : 'none';
}

function digestMismatch(diffs: ReturnType<typeof digestDifferences>, clientTypes: { resourceType: string }[]): DtmError {
  return new DtmError(409, PROBLEM_TYPES.digestMismatch, 'Digest does not match',
    `${diffs.length} resource type(s) differ from the server's digest at the final watermark; the state did not change. ` +
      'GET /v1/practices/{ods}/digest/entries?resourceType=... lists the server\'s entries.',
    {
      errors: diffs.map((d) => {
        const i = clientTypes.findIndex((t) => t.resourceType === d.resourceType);
        const sameCounts = d.a && d.b && d.a.live === d.b.live && d.a.deleted === d.b.deleted;
        return {
          pointer: i >= 0 ? `/body/digest/types/${i}` : '/body/digest/types',
          message: `${d.resourceType}: server ${describe(d.a)}; client ${describe(d.b)}; ${sameCounts ? 'same counts but a version or delete differs' : 'digests differ'}`,
        };
      }),
      extensions: { differences: diffs.map((d) => ({ resourceType: d.resourceType, server: d.a, client: d.b })) },
    });
}

/** Records one move of the practice's migration, by the caller. */
export async function transitionMigration(deps: MigrationDeps, ods: string, who: Principal, body: MigrationTransitionRequest): Promise<Migration> {
  const now = deps.clock.now();
  const { to } = body;
  if (to === 'target-complete' && !body.digest) {
    throw badRequest('Moving to target-complete needs the Target\'s digest of its copy.', [{ pointer: '/body/digest', message: 'required with to: target-complete' }]);
  }
  if (to !== 'target-complete' && body.digest) {
    throw badRequest('A digest is sent only with to: target-complete.', [{ pointer: '/body/digest', message: 'only with to: target-complete' }]);
  }
  const current = await repo.latestMigration(deps.pool, ods);
  if (!current) throw noMigration(ods);
  checkMover(current, who, to);
  if (!decideTransition(current.state, who.role, to).allowed) throw illegal(current.state, to);

  let completion: DigestTotals | null = null;
  if (to === 'target-complete') {
    // The practice is frozen (source-frozen), so nothing changes under this read: the server's
    // digest now is its digest at the final watermark. Computed outside the transaction below, which
    // then checks the migration is still the same one in the same state.
    const server = await practiceDigest(deps, ods);
    const diffs = digestDifferences(server, body.digest!);
    if (diffs.length) throw digestMismatch(diffs, body.digest!.types);
    completion = server.total;
  }

  const transition = async (c: PoolClient) => {
    const row = await repo.latestMigration(c, ods, true);
    if (!row || row.id !== current.id) throw conflict('The practice\'s migration changed during this request; read it again.');
    if (!decideTransition(row.state, who.role, to).allowed) throw illegal(row.state, to);
    const finalPosition = to === 'source-frozen' ? await highWater(c, ods) : undefined;
    await repo.setState(c, row.id, to, now, finalPosition);
    if (completion) await repo.setCompletion(c, row.id, completion);
    await repo.insertTransition(c, { migration_id: row.id, from_state: row.state, to_state: to, client_id: who.clientId, role: who.role, at: now, note: body.note ?? null });
  };
  // The freeze is a writer of the practice (services/practice-writes.ts): its write lock first, so every
  // batch already writing commits before the final watermark is read, and every later one waits, then
  // sees the freeze and writes nothing.
  await (to === 'source-frozen' ? inPracticeWriteTransaction(deps.pool, ods, transition) : inTransaction(deps.pool, transition));
  return getMigration(deps, ods);
}

/**
 * Book-keeping on a consumer's successful feed read: a read with no `since` is a full initial extract
 * (one extract iteration; CSMP Step 9), and the Target client's first read moves a registered
 * migration to syncing. One indexed read when there is nothing to do.
 */
export async function recordFeedRead(deps: MigrationDeps, ods: string, who: Principal, initialExtract: boolean): Promise<void> {
  if (who.role !== 'consumer') return;
  const row = await repo.latestMigration(deps.pool, ods);
  if (!row || isTerminal(row.state)) return;
  const now = deps.clock.now();
  if (initialExtract) await repo.countExtract(deps.pool, row.id, who.clientId, now);
  if (row.state !== 'registered' || row.target_client_id !== who.clientId) return;
  await inTransaction(deps.pool, async (c) => {
    const locked = await repo.latestMigration(c, ods, true);
    if (!locked || locked.id !== row.id || locked.state !== 'registered') return; // another read got there first
    await repo.setState(c, row.id, 'syncing', now);
    await repo.insertTransition(c, { migration_id: row.id, from_state: 'registered', to_state: 'syncing', client_id: who.clientId, role: 'consumer', at: now, note: 'First feed read by the Target client.' });
  });
}

/**
 * Refuses a write to a frozen practice. Call inside the writing transaction after taking the
 * practice's write lock (repo/practices.ts lockPracticeForWrite), which the freeze also takes: then a
 * write either commits before the freeze reads the final watermark, or sees the freeze.
 */
export async function assertNotFrozen(c: PoolClient, ods: string): Promise<void> {
  const state = await repo.latestState(c, ods);
  if (state && isFrozen(state)) throw practiceFrozen(ods, state);
}

/** A quick check before a long upload, so a frozen practice's binary is refused before it is streamed. */
export async function refuseIfFrozen(pool: Pool, ods: string): Promise<void> {
  const state = await repo.latestState(pool, ods);
  if (state && isFrozen(state)) throw practiceFrozen(ods, state);
}
