// Publishing a batch: the whole batch commits or none of it does (one transaction). Batches are
// bounded (5,000 items) so the practice's write lock is never held for long.
import { createHash } from 'node:crypto';
import { AVAILABILITY_LIMIT_SECONDS, INGEST_LIMITS, PROBLEM_TYPES, type IngestBatch, type IngestResult, type PracticeSummary, type Watermark } from '@dtm/shared';
import type { Pool } from '../db/pool.ts';
import { inPracticeWriteTransaction } from './practice-writes.ts';
import { DtmError, badRequest } from '../errors.ts';
import type { Clock } from '../clock.ts';
import { checkItems, countDeltas, hashItems, keysOf, planBatch, withExactResources } from '../domain/ingest-plan.ts';
import { isRealInstant } from '../domain/instant.ts';
import * as practices from '../repo/practices.ts';
import * as resources from '../repo/resources.ts';
import * as batches from '../repo/ingest-batches.ts';
import { toSummary, toWatermark } from './freshness.ts';
import { assertNotFrozen } from './migrations.ts';

export interface IngestOutcome {
  result: IngestResult;
  replayed: boolean;
}

function checkSourceAsOf(sourceAsOf: string, now: Date, pointer: string): void {
  if (!isRealInstant(sourceAsOf)) throw badRequest('sourceAsOf is not a real date-time.', [{ pointer, message: 'must be an RFC 3339 date-time that exists' }]);
  const t = Date.parse(sourceAsOf);
  if (t - now.getTime() > INGEST_LIMITS.maxFutureSkewSeconds * 1000) {
    throw badRequest('sourceAsOf is in the future of the DTM clock by more than the allowed skew.', [
      { pointer, message: `must not be more than ${INGEST_LIMITS.maxFutureSkewSeconds} s ahead of server time` },
    ]);
  }
}

export async function ingestBatch(
  deps: { pool: Pool; clock: Clock },
  ods: string,
  parsed: IngestBatch,
  rawBody: Buffer,
  idempotencyKey: string | undefined,
): Promise<IngestOutcome> {
  const now = deps.clock.now();
  const batch = withExactResources(parsed, rawBody);
  checkSourceAsOf(batch.sourceAsOf, now, '/body/sourceAsOf');
  checkItems(batch.items);
  const requestHash = createHash('sha256').update(rawBody).digest();
  const hashes = hashItems(batch.items);
  const keys = keysOf(batch.items);

  // The practice's write lock first, before any write: the feed's ordering depends on it (repo/changes.ts).
  return inPracticeWriteTransaction(deps.pool, ods, async (client) => {
    await practices.ensurePractice(client, ods, now);
    if (idempotencyKey) {
      const earlier = await batches.claimIdempotencyKey(client, ods, idempotencyKey, requestHash, now, batch.sourceAsOf);
      if (earlier) {
        if (!earlier.requestHash.equals(requestHash)) {
          throw new DtmError(422, PROBLEM_TYPES.idempotencyMismatch, 'Idempotency-Key reused',
            'This Idempotency-Key was already used for a different batch; nothing was written.');
        }
        return { result: earlier.result as IngestResult, replayed: true };
      }
    }
    // A frozen practice takes no more changes (its final watermark is fixed). Checked after the
    // idempotency replay: a retry of a batch that committed before the freeze still gets its answer.
    await assertNotFrozen(client, ods);
    const current = await resources.currentVersions(client, ods, keys);
    const plan = planBatch(batch.items, current, now, hashes);
    await resources.writeResources(client, ods, plan.writes, now);
    await resources.addCounts(client, ods, countDeltas(plan.writes));
    const practice = await practices.recordFreshness(client, ods, {
      sourceAsOf: new Date(batch.sourceAsOf),
      changedAt: plan.writes.length ? now : null,
      measured: plan.delaysSeconds.length,
      overLimit: plan.delaysSeconds.filter((d) => d > AVAILABILITY_LIMIT_SECONDS).length,
      maxDelaySeconds: plan.delaysSeconds.length ? Math.max(...plan.delaysSeconds) : null,
    });
    const result: IngestResult = {
      practice: ods,
      received: batch.items.length,
      created: plan.created,
      updated: plan.updated,
      deleted: plan.deleted,
      unchanged: plan.unchanged,
      // The high-water cursor is only known once this transaction commits: read it from /status.
      watermark: toWatermark(practice, null, now),
    };
    await batches.recordBatch(client, ods, idempotencyKey ?? null, requestHash, now, batch.sourceAsOf, result);
    if (plan.writes.length) await resources.notifyChanged(client, ods);
    return { result, replayed: false };
  });
}

export async function heartbeat(deps: { pool: Pool; clock: Clock }, ods: string, sourceAsOf: string): Promise<Watermark> {
  const now = deps.clock.now();
  checkSourceAsOf(sourceAsOf, now, '/body/sourceAsOf');
  // The write lock orders this with the freeze (services/migrations.ts assertNotFrozen).
  return inPracticeWriteTransaction(deps.pool, ods, async (client) => {
    await practices.ensurePractice(client, ods, now);
    await assertNotFrozen(client, ods);
    const p = await practices.recordFreshness(client, ods, {
      sourceAsOf: new Date(sourceAsOf), changedAt: null, measured: 0, overLimit: 0, maxDelaySeconds: null,
    });
    return toWatermark(p, null, now);
  });
}

export async function registerPractice(deps: { pool: Pool; clock: Clock }, ods: string, name: string): Promise<PracticeSummary> {
  const now = deps.clock.now();
  return inPracticeWriteTransaction(deps.pool, ods, async (client) => {
    await assertNotFrozen(client, ods);
    return toSummary(await practices.setPracticeName(client, ods, name, now), now);
  });
}
