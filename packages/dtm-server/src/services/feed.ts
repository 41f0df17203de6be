// Reading a practice's feed: keyset pages, long-poll, and the page written as JSON text around the
// stored resource bodies (sent as-is, never parsed and re-serialised). Pages are read on the read
// replica when one is configured and it has caught up with the request's cursor, else on the primary.
import { AVAILABILITY_LIMIT_SECONDS, type PracticeList, type PracticeStatus, type Watermark } from '@dtm/shared';
import type { Pool } from '../db/pool.ts';
import type { Clock } from '../clock.ts';
import type { ChangeNotifier } from '../db/notifications.ts';
import { CursorEncoder, START_POSITION, decodeCursor, encodeCursor, epochMismatch, type FeedPosition } from '../domain/cursor.ts';
import { DtmError, notFound } from '../errors.ts';
import * as changes from '../repo/changes.ts';
import * as practices from '../repo/practices.ts';
import { countsByType } from '../repo/resources.ts';
import { getEpoch } from '../repo/meta.ts';
import { hasReplayed } from '../repo/replica.ts';
import { consumerRetrievals } from '../repo/retrievals.ts';
import { OVERDUE_AFTER_MS } from '../domain/retrieval-terms.ts';
import { staleness, toSummary, toWatermark } from './freshness.ts';
import { issueSummary } from './issues.ts';
import { migrationSummary } from './migrations.ts';

export interface FeedDeps {
  pool: Pool;
  /** The feed's page reads: a hot standby when DTM_READ_DATABASE_URL is set, else `pool` itself. */
  readPool: Pool;
  clock: Clock;
  notifier: ChangeNotifier;
  /** Told each time the read replica could not serve a page and the primary did. */
  onReplicaFallback?: (reason: ReplicaFallback, err?: Error) => void;
}

/** Why the primary served a page although a replica is configured. */
export type ReplicaFallback = 'behind' | 'error' | 'resting';

// After a replica fails, pages skip it for this long (a standby that is unreachable would otherwise
// cost every page a connection timeout); then one page tries it again.
const REPLICA_REST_MS = 10_000;
const replicaRestingUntil = new WeakMap<Pool, number>();

export interface FeedRequest {
  ods: string;
  since: string | undefined;
  limit: number;
  waitSeconds: number;
  /** The page's byte budget for bodies (DTM_FEED_PAGE_BYTES); FEED_LIMITS.pageBodyBytes when absent. */
  pageBytes?: number;
  /** Aborted when the client goes away or the server shuts down. */
  signal: AbortSignal;
}

export interface FeedPage {
  json: string;
  nextCursor: string | null;
  count: number;
}

// While a long-poll waits, a notification wakes it at once; this re-check is the safety net for a
// notification lost while the listening connection reconnects.
const RECHECK_MS = 1000;
// On a replica a notification (from the primary) can arrive before the replica has replayed the
// change it announces: re-check soon after one, then less often (10, 20, 40 ... ms, up to RECHECK_MS),
// so the change reaches the reader within about twice the replay lag, not a whole re-check later.
const REPLAY_RECHECK_FIRST_MS = 10;

/** The practice's row; 404 when this DTM does not hold it. */
export async function requirePractice(pool: Pool, ods: string): Promise<practices.PracticeRow> {
  const p = await practices.getPractice(pool, ods);
  if (!p) throw notFound(`No practice ${ods} is held by this DTM.`);
  return p;
}

async function watermarkOf(pool: Pool, p: practices.PracticeRow, epoch: string, now: Date): Promise<Watermark> {
  const hw = await changes.highWater(pool, p.ods);
  return toWatermark(p, hw ? encodeCursor(epoch, hw) : null, now);
}

/**
 * One change as JSON, written as a template rather than JSON.stringify of an object: the same keys in
 * the same order. Issue 7: with the timestamps no longer parsed and re-formatted, 300,000 heads took
 * 115 ms instead of 744 ms in a micro-benchmark. Strings from the Source pass
 * through JSON.stringify; the cursor (base64url), versionId (digits) and timestamps (ISO 8601 from
 * repo/timestamps.ts) hold nothing to escape. The stored body goes out as-is.
 */
function changeJson(cursors: CursorEncoder, r: changes.ChangeRow): string {
  const head =
    `{"cursor":"${cursors.encode(changes.positionOf(r))}","op":"${r.deleted ? 'delete' : 'upsert'}",` +
    `"resourceType":${JSON.stringify(r.resource_type)},"id":${JSON.stringify(r.id)},"versionId":"${r.version_id}",` +
    `"lastUpdated":"${r.last_updated}","availableAt":"${r.available_at}",` +
    `"sourceUpdatedAt":${r.source_updated_at === null ? 'null' : `"${r.source_updated_at}"`}`;
  return r.body === null ? `${head}}` : `${head},"resource":${r.body}}`;
}

/** Where one feed request reads, and what it found there before reading changes. */
interface FeedSource {
  db: Pool;
  /** A standby, which may not yet have replayed a change the listener (on the primary) announces. */
  replica: boolean;
  practice: practices.PracticeRow;
  epoch: string;
  pos: FeedPosition;
}

/**
 * The read replica, when it can answer: it holds the practice, shows the cursor's epoch and has
 * replayed the cursor's transaction. Otherwise null and the primary answers, so a cursor from a more
 * advanced node (another process, or this one's primary reads) is served, never refused as if from
 * another epoch: a Target told 409 discards its data and extracts again (docs/scaling.md).
 */
async function onReplica(deps: FeedDeps, req: FeedRequest): Promise<FeedSource | null> {
  const db = deps.readPool;
  const practice = await practices.getPractice(db, req.ods);
  if (!practice) return null;
  const epoch = await getEpoch(db);
  let pos: FeedPosition = START_POSITION;
  if (req.since !== undefined) {
    try {
      pos = decodeCursor(req.since, epoch);
    } catch (err) {
      if (err instanceof DtmError && err.status === 409) return null; // the primary decides
      throw err;
    }
    if (!(await hasReplayed(db, pos))) return null;
  }
  return { db, replica: true, practice, epoch, pos };
}

async function onPrimary(deps: FeedDeps, req: FeedRequest): Promise<FeedSource> {
  const db = deps.pool;
  const practice = await requirePractice(db, req.ods);
  const epoch = await getEpoch(db);
  let pos: FeedPosition = START_POSITION;
  if (req.since !== undefined) {
    pos = decodeCursor(req.since, epoch);
    if (await changes.isFuturePosition(db, pos)) throw epochMismatch();
  }
  return { db, replica: false, practice, epoch, pos };
}

/**
 * A page from the read replica when one is configured and can serve it, else from the primary. A
 * replica that fails (down, restarting, a query cancelled by recovery) costs the reader nothing but
 * the retry here: the DTM is to be available around the clock, and the primary holds every change.
 * Refusals the request earns anyway (a malformed cursor: 400) are not retried.
 */
export async function readFeed(deps: FeedDeps, req: FeedRequest): Promise<FeedPage> {
  if (deps.readPool !== deps.pool) {
    if ((replicaRestingUntil.get(deps.readPool) ?? 0) > Date.now()) {
      deps.onReplicaFallback?.('resting');
    } else {
      try {
        const fromReplica = await onReplica(deps, req);
        if (fromReplica) return await pageFrom(deps, req, fromReplica);
        deps.onReplicaFallback?.('behind');
      } catch (err) {
        if (err instanceof DtmError || req.signal.aborted) throw err;
        replicaRestingUntil.set(deps.readPool, Date.now() + REPLICA_REST_MS);
        deps.onReplicaFallback?.('error', err as Error);
      }
    }
  }
  return pageFrom(deps, req, await onPrimary(deps, req));
}

async function pageFrom(deps: FeedDeps, req: FeedRequest, source: FeedSource): Promise<FeedPage> {
  const { db, epoch, pos } = source;
  let { practice } = source;
  const deadline = Date.now() + req.waitSeconds * 1000;
  // Taken before each read, so a change announced between the read and the wait still wakes us.
  let seen = deps.notifier.generation(req.ods);
  let rows = await changes.readChanges(db, req.ods, pos, req.limit + 1, req.pageBytes);
  let recheckMs = RECHECK_MS;
  while (rows.length === 0 && !req.signal.aborted && Date.now() < deadline) {
    const notified = await deps.notifier.waitForChange(req.ods, Math.min(recheckMs, deadline - Date.now()), req.signal, seen);
    seen = deps.notifier.generation(req.ods);
    // The practice (its watermark) before the page, as on the first read: the page then holds at
    // least every change the watermark describes, never a watermark newer than the page it came with.
    practice = await requirePractice(db, req.ods);
    rows = await changes.readChanges(db, req.ods, pos, req.limit + 1, req.pageBytes);
    if (source.replica) recheckMs = notified ? REPLAY_RECHECK_FIRST_MS : Math.min(recheckMs * 2, RECHECK_MS);
  }

  // The page ends at `limit` changes, or before the first change past its byte budget (repo/changes.ts).
  const cut = rows.findIndex((r) => r.over_budget);
  const upToDate = cut === -1 && rows.length <= req.limit;
  const page = rows.slice(0, Math.min(req.limit, cut === -1 ? rows.length : cut));
  const last = page.at(-1);
  const cursors = new CursorEncoder(epoch);
  const nextCursor = last ? cursors.encode(changes.positionOf(last)) : (req.since ?? null);
  const entries = page.map((r) => changeJson(cursors, r));
  const watermark = await watermarkOf(db, practice, epoch, deps.clock.now());
  const json =
    `{"practice":${JSON.stringify(req.ods)},"changes":[${entries.join(',')}],` +
    `"nextCursor":${JSON.stringify(nextCursor)},"upToDate":${upToDate},"watermark":${JSON.stringify(watermark)}}`;
  return { json, nextCursor, count: page.length };
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
