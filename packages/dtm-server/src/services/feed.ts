// Reading a practice's feed: keyset pages, long-poll, and the page written as JSON text around the
// stored resource bodies (sent as-is, never parsed and re-serialised).
import { AVAILABILITY_LIMIT_SECONDS, type PracticeList, type PracticeStatus, type Watermark } from '@dtm/shared';
import type { Pool } from '../db/pool.ts';
import type { Clock } from '../clock.ts';
import type { ChangeNotifier } from '../db/notifications.ts';
import { START_POSITION, decodeCursor, encodeCursor, epochMismatch, type FeedPosition } from '../domain/cursor.ts';
import { notFound } from '../errors.ts';
import * as changes from '../repo/changes.ts';
import * as practices from '../repo/practices.ts';
import { countsByType } from '../repo/resources.ts';
import { getEpoch } from '../repo/meta.ts';
import { consumerRetrievals } from '../repo/retrievals.ts';
import { OVERDUE_AFTER_MS } from '../domain/retrieval-terms.ts';
import { staleness, toSummary, toWatermark } from './freshness.ts';
import { issueSummary } from './issues.ts';
import { migrationSummary } from './migrations.ts';

export interface FeedDeps {
  pool: Pool;
  clock: Clock;
  notifier: ChangeNotifier;
}

export interface FeedRequest {
  ods: string;
  since: string | undefined;
  limit: number;
  waitSeconds: number;
  /** Aborted when the client goes away or the server shuts down. */
  signal: AbortSignal;
}

export interface FeedPage {
  json: string;
  nextCursor: string | null;
  count: number;
  bytes: number;
}

// While a long-poll waits, a notification wakes it at once; this re-check is the safety net for a
// notification lost while the listening connection reconnects.
const RECHECK_MS = 1000;

async function requirePractice(pool: Pool, ods: string): Promise<practices.PracticeRow> {
  const p = await practices.getPractice(pool, ods);
  if (!p) throw notFound(`No practice ${ods} is held by this DTM.`);
  return p;
}

async function watermarkOf(pool: Pool, p: practices.PracticeRow, epoch: string, now: Date): Promise<Watermark> {
  const hw = await changes.highWater(pool, p.ods);
  return toWatermark(p, hw ? encodeCursor(epoch, hw) : null, now);
}

function changeJson(epoch: string, r: changes.ChangeRow): string {
  const head = JSON.stringify({
    cursor: encodeCursor(epoch, changes.positionOf(r)),
    op: r.deleted ? 'delete' : 'upsert',
    resourceType: r.resource_type,
    id: r.id,
    versionId: String(r.version_id),
    lastUpdated: r.last_updated.toISOString(),
    availableAt: r.available_at.toISOString(),
    sourceUpdatedAt: r.source_updated_at?.toISOString() ?? null,
  });
  return r.body === null ? head : `${head.slice(0, -1)},"resource":${r.body}}`;
}

export async function readFeed(deps: FeedDeps, req: FeedRequest): Promise<FeedPage> {
  const { pool } = deps;
  let practice = await requirePractice(pool, req.ods);
  const epoch = await getEpoch(pool);
  let pos: FeedPosition = START_POSITION;
  if (req.since !== undefined) {
    pos = decodeCursor(req.since, epoch);
    if (await changes.isFuturePosition(pool, pos)) throw epochMismatch();
  }
  const deadline = Date.now() + req.waitSeconds * 1000;
  let rows = await changes.readChanges(pool, req.ods, pos, req.limit + 1);
  let waited = false;
  while (rows.length === 0 && !req.signal.aborted && Date.now() < deadline) {
    await deps.notifier.waitForChange(req.ods, Math.min(RECHECK_MS, deadline - Date.now()), req.signal);
    rows = await changes.readChanges(pool, req.ods, pos, req.limit + 1);
    waited = true;
  }
  if (waited) practice = await requirePractice(pool, req.ods);

  const upToDate = rows.length <= req.limit;
  const page = upToDate ? rows : rows.slice(0, req.limit);
  const last = page.at(-1);
  const nextCursor = last ? encodeCursor(epoch, changes.positionOf(last)) : (req.since ?? null);
  const entries = page.map((r) => changeJson(epoch, r));
  const watermark = await watermarkOf(pool, practice, epoch, deps.clock.now());
  const json =
    `{"practice":${JSON.stringify(req.ods)},"changes":[${entries.join(',')}],` +
    `"nextCursor":${JSON.stringify(nextCursor)},"upToDate":${upToDate},"watermark":${JSON.stringify(watermark)}}`;
  return { json, nextCursor, count: page.length, bytes: Buffer.byteLength(json) };
}

export async function practiceStatus(deps: Pick<FeedDeps, 'pool' | 'clock'>, ods: string): Promise<PracticeStatus> {
  const p = await requirePractice(deps.pool, ods);
  const now = deps.clock.now();
  const [epoch, counts, retrievals, issues, migration] = await Promise.all([
    getEpoch(deps.pool), countsByType(deps.pool, ods), consumerRetrievals(deps.pool, ods, now), issueSummary(deps, ods, now),
    migrationSummary(deps, ods, now),
  ]);
  return {
    practice: p.ods,
    name: p.name,
    watermark: await watermarkOf(deps.pool, p, epoch, now),
    staleness: staleness(p.source_as_of, now),
    availability: {
      limitSeconds: AVAILABILITY_LIMIT_SECONDS,
      changesMeasured: p.changes_measured,
      changesOverLimit: p.changes_over_limit,
      maxDelaySeconds: p.max_delay_seconds,
    },
    counts,
    binaries: { count: p.binary_count, bytes: p.binary_bytes },
    // Roadmap item: the Target retrieves at least weekly; flag a consumer that has not for 7 days.
    consumers: retrievals.map((r) => ({
      clientId: r.client_id,
      lastRetrievalAt: r.last_at?.toISOString() ?? null,
      sessionsLast24h: r.sessions_24h,
      sessionsPerDay: r.sessions_per_day,
      overdue: !r.last_at || now.getTime() - r.last_at.getTime() > OVERDUE_AFTER_MS,
    })),
    // Roadmap item: the TSS raises data issues and the SSS responds, both in a timely manner.
    issues,
    // The weekend cutover: the migration's state, plan and the warnings a tool should watch.
    migration,
  };
}

export async function listPracticeSummaries(deps: Pick<FeedDeps, 'pool' | 'clock'>): Promise<PracticeList> {
  const now = deps.clock.now();
  return { practices: (await practices.listPractices(deps.pool)).map((p) => toSummary(p, now)) };
}
