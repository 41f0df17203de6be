// The Target's PostgreSQL staging store. Each page of changes and the checkpoint after it commit in
// one transaction, and every write is gated by version, so a client killed at any instant and
// restarted converges to exactly the server's state: nothing lost, nothing applied twice, no older
// version over a newer one (a replayed page, or an order across resources that is not commit order,
// changes nothing). SQL lives here only.
import pg from 'pg';
import { migrate, type MigrationSet } from '@dtm/shared/pg-migrate';

pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

export const STORE_MIGRATIONS: MigrationSet = { dir: new URL('./migrations/', import.meta.url), table: 'dtm_client_migrations', lockKey: 7_300_501 };

/** Consumption-delay histogram bucket bounds in seconds (the last catches everything). */
export const DELAY_BUCKETS = [1, 2, 5, 10, 30, 60, 300, 900, 3600, 6 * 3600, 24 * 3600, Number.MAX_VALUE];

export interface PreparedChange {
  resourceType: string;
  id: string;
  versionId: number;
  deleted: boolean;
  body: string | null;
  lastUpdated: string;
  availableAt: string;
  /** Validation errors; empty when the record passed. */
  issues: unknown[];
  /** Validation warnings: reported, but the record is not quarantined. */
  warnings: unknown[];
  /** Binaries a DocumentReference refers to. */
  binaries: { id: string; size: number | null; sha1: string | null }[];
  /** Patient-record references (subject, patient, encounter) as type and id. */
  references: { type: string; id: string }[];
}

/** The next binaries due, in id order; served by the partial index dtm_binary_due (migration 0004). Exported for its plan test. */
export const PENDING_BINARIES_SQL = `SELECT id, expected_size, expected_sha1, attempts FROM dtm_binary
        WHERE practice = $1 AND state IN ('pending', 'failed') AND (retry_after IS NULL OR retry_after <= $3)
        ORDER BY id LIMIT $2`;

/** Affected resources of one validation rule and resource type: one data issue to the Source. */
export interface IssueGroup {
  rule: string;
  resourceType: string;
  severity: string;
  message: string;
  resources: { resourceType: string; id: string; versionId: string; pointer: string }[];
}

/** A binary as it was verified: size and base64 SHA-256. */
export interface VerifiedBinary {
  id: string;
  size: number;
  sha256: string;
}

/** A binary downloaded and checked, with the expectation it was fetched under. */
export interface VerifiedDownload extends VerifiedBinary {
  contentType: string | null;
  expectedSize: number | null;
  expectedSha1: string | null;
}

export interface PendingBinary {
  id: string;
  expectedSize: number | null;
  expectedSha1: string | null;
  /** Attempts so far. */
  attempts: number;
}

/**
 * The binaries a page's new rows point at, one entry per binary: two DocumentReferences (or two
 * attachments of one) may point at the same Binary, and one upsert statement may not touch a row
 * twice (PostgreSQL refuses, and the page could never be applied). The later reference's expectation
 * wins whole, as it would from a later page; mixing one's size with another's hash could describe no
 * content at all.
 */
export function binariesWanted(fresh: PreparedChange[]): PreparedChange['binaries'] {
  return [...new Map(fresh.flatMap((c) => c.binaries).map((b) => [b.id, b] as const)).values()];
}

export interface Checkpoint {
  practice: string;
  serverUrl: string;
  cursor: string | null;
  resyncs: number;
  initialExtractCompletedAt: Date | null;
}

export interface ApplyResult {
  applied: number;
  /** Older or equal versions skipped by the version gate (replays). */
  skipped: number;
  /** Quarantined resources whose new version passed: their issues can be closed. */
  cleared: { resourceType: string; id: string }[];
  /** Warnings were added or removed: their data issues may change. */
  noticesChanged: boolean;
}

/** Removes the entries of replaced records whose new version has no such issues; returns which went. */
async function dropIssues(
  client: pg.PoolClient, table: 'dtm_quarantine' | 'dtm_notice', practice: string, replaced: PreparedChange[], issuesOf: (c: PreparedChange) => unknown[],
): Promise<{ resource_type: string; id: string }[]> {
  const clean = replaced.filter((c) => issuesOf(c).length === 0);
  if (!clean.length) return [];
  return (await client.query<{ resource_type: string; id: string }>(
    `DELETE FROM ${table} q USING unnest($2::text[], $3::text[]) AS t(resource_type, id)
      WHERE q.practice = $1 AND q.resource_type = t.resource_type AND q.id = t.id RETURNING q.resource_type, q.id`,
    [practice, clean.map((c) => c.resourceType), clean.map((c) => c.id)])).rows;
}

/** The issues of each change that has some, against its version: the quarantine's errors, or the notices' warnings. */
async function keepIssues(
  client: pg.PoolClient, table: 'dtm_quarantine' | 'dtm_notice', practice: string, changes: PreparedChange[], issuesOf: (c: PreparedChange) => unknown[], now: Date,
): Promise<number> {
  const withIssues = changes.filter((c) => issuesOf(c).length > 0);
  if (!withIssues.length) return 0;
  const at = table === 'dtm_quarantine' ? 'quarantined_at' : 'noted_at';
  await client.query(
    `INSERT INTO ${table} AS q (practice, resource_type, id, version_id, issues, ${at})
     SELECT $1, *, $6 FROM unnest($2::text[], $3::text[], $4::bigint[], $5::jsonb[])
     ON CONFLICT (practice, resource_type, id) DO UPDATE SET version_id = excluded.version_id, issues = excluded.issues, ${at} = excluded.${at}`,
    [practice, withIssues.map((c) => c.resourceType), withIssues.map((c) => c.id), withIssues.map((c) => c.versionId), withIssues.map((c) => JSON.stringify(issuesOf(c))), now]);
  return withIssues.length;
}

export class Store {
  readonly pool: pg.Pool;
  /**
   * For book-keeping only, with asynchronous commit: a binary's download state, and a run's progress
   * after each page. One commit per binary waiting for its own WAL flush was the largest wait in the
   * initial extract (issue 7, bench client-e2e), and a run's progress row was a second flush per page,
   * awaited before the next page was applied. Losing the last of these updates in a database crash only
   * means those binaries are fetched and verified again (they stay 'pending') and a run's page count is
   * a little behind; page applies with their checkpoint, and a run's end, keep synchronous commit.
   */
  readonly #bookkeepingPool: pg.Pool;

  constructor(connectionString: string) {
    this.pool = new pg.Pool({ connectionString, max: 6, application_name: 'dtm-client', options: '-c TimeZone=UTC' });
    this.#bookkeepingPool = new pg.Pool({ connectionString, max: 2, application_name: 'dtm-client-bookkeeping', options: '-c TimeZone=UTC -c synchronous_commit=off' });
    for (const p of [this.pool, this.#bookkeepingPool]) p.on('error', () => undefined); // an idle connection dropping is replaced by the pool
  }

  migrate(): Promise<number[]> {
    return migrate(this.pool, STORE_MIGRATIONS);
  }

  async checkpoint(practice: string): Promise<Checkpoint | null> {
    const r = await this.pool.query<{ practice: string; server_url: string; cursor: string | null; resyncs: number; initial_extract_completed_at: Date | null }>(
      'SELECT practice, server_url, cursor, resyncs, initial_extract_completed_at FROM dtm_checkpoint WHERE practice = $1', [practice]);
    const row = r.rows[0];
    return row ? { practice: row.practice, serverUrl: row.server_url, cursor: row.cursor, resyncs: row.resyncs, initialExtractCompletedAt: row.initial_extract_completed_at } : null;
  }

  async ensureCheckpoint(practice: string, serverUrl: string, now: Date): Promise<Checkpoint> {
    await this.pool.query(
      'INSERT INTO dtm_checkpoint (practice, server_url, cursor, updated_at) VALUES ($1, $2, NULL, $3) ON CONFLICT (practice) DO NOTHING',
      [practice, serverUrl, now]);
    const cp = (await this.checkpoint(practice))!;
    if (cp.serverUrl !== serverUrl) {
      throw new Error(`the store's checkpoint for ${practice} came from ${cp.serverUrl}, not ${serverUrl}: use another store, or resync`);
    }
    return cp;
  }

  /** Applies one page and moves the checkpoint past it, atomically. */
  async applyPage(practice: string, changes: PreparedChange[], nextCursor: string | null, now: Date, upToDate: boolean): Promise<ApplyResult> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const res = changes.length ? await client.query<{ resource_type: string; id: string; inserted: boolean }>({
        // Named: planned once per connection, not for every page (the planner was 5-7 % of this
        // backend's time in the bench's profile, issue 7).
        name: 'dtm-apply-page',
        // The bodies arrive as one text (bodiesText) that string_to_array splits, tombstones becoming
        // NULL, and unnest zips it with the other columns by position: no join on an ordinality (a sort
        // and a merge join, about a sixth of this backend's time in the same profile).
        text: `INSERT INTO dtm_resource AS r (practice, resource_type, id, version_id, deleted, body, last_updated, available_at, applied_at, valid, refs)
         SELECT $1, t.resource_type, t.id, t.version_id, t.deleted, t.body,
                t.last_updated, t.available_at, $8, t.valid, string_to_array(NULLIF(t.refs, ''), ' ')
           FROM unnest($2::text[], $3::text[], $4::bigint[], $5::boolean[], string_to_array($6::text, $12::text, $13::text), $7::timestamptz[],
                       $9::timestamptz[], $10::boolean[], $11::text[])
                  AS t(resource_type, id, version_id, deleted, body, last_updated, available_at, valid, refs)
         ON CONFLICT (practice, resource_type, id) DO UPDATE SET
           version_id = excluded.version_id, deleted = excluded.deleted, body = excluded.body, last_updated = excluded.last_updated,
           available_at = excluded.available_at, applied_at = excluded.applied_at, valid = excluded.valid, refs = excluded.refs
         WHERE r.version_id < excluded.version_id
         RETURNING r.resource_type, r.id, (r.xmax = 0) AS inserted`,
        values: [practice, changes.map((c) => c.resourceType), changes.map((c) => c.id), changes.map((c) => c.versionId), changes.map((c) => c.deleted),
          bodiesText(changes), changes.map((c) => c.lastUpdated), now, changes.map((c) => c.availableAt), changes.map((c) => c.issues.length === 0),
          changes.map(refsText), BODY_SEPARATOR, TOMBSTONE_BODY],
      }) : { rows: [] };
      const applied = new Set(res.rows.map((r) => `${r.resource_type}/${r.id}`));
      const fresh = changes.filter((c) => applied.has(`${c.resourceType}/${c.id}`));
      // Rows this page replaced (not first seen): only they can have quarantine entries to clear. An
      // initial extract is all inserts, so it never pays for those deletes.
      const replacedKeys = new Set(res.rows.filter((r) => !r.inserted).map((r) => `${r.resource_type}/${r.id}`));
      const replaced = fresh.filter((c) => replacedKeys.has(`${c.resourceType}/${c.id}`));

      // Errors and warnings follow the current version: a replaced record's go when its new version
      // (or tombstone) has none, and a new version's are kept.
      const cleared = await dropIssues(client, 'dtm_quarantine', practice, replaced, (c) => c.issues);
      await keepIssues(client, 'dtm_quarantine', practice, fresh, (c) => c.issues, now);
      const unnoted = (await dropIssues(client, 'dtm_notice', practice, replaced, (c) => c.warnings)).length;
      const noted = await keepIssues(client, 'dtm_notice', practice, fresh, (c) => c.warnings, now);
      const wanted = binariesWanted(fresh);
      if (wanted.length) {
        // A changed expectation (new hash or size) means the document changed: fetch it again.
        await client.query(
          `INSERT INTO dtm_binary AS b (practice, id, state, expected_size, expected_sha1, updated_at)
           SELECT $1, t.id, 'pending', t.size, t.sha1, $5 FROM unnest($2::text[], $3::bigint[], $4::text[]) AS t(id, size, sha1)
           ON CONFLICT (practice, id) DO UPDATE SET state = 'pending', expected_size = excluded.expected_size, expected_sha1 = excluded.expected_sha1,
             attempts = 0, error = NULL, retry_after = NULL, updated_at = excluded.updated_at
           WHERE b.expected_size IS DISTINCT FROM excluded.expected_size OR b.expected_sha1 IS DISTINCT FROM excluded.expected_sha1 OR b.state = 'failed'`,
          [practice, wanted.map((b) => b.id), wanted.map((b) => b.size), wanted.map((b) => b.sha1), now]);
      }
      if (fresh.length) await this.#recordConsumption(client, practice, fresh, now);
      await client.query(
        `UPDATE dtm_checkpoint SET cursor = COALESCE($2, cursor), updated_at = $3,
           initial_extract_completed_at = CASE WHEN $4 THEN COALESCE(initial_extract_completed_at, $3) ELSE initial_extract_completed_at END
         WHERE practice = $1`,
        [practice, nextCursor, now, upToDate]);
      await client.query('COMMIT');
      return {
        applied: fresh.length, skipped: changes.length - fresh.length, cleared: cleared.map((c) => ({ resourceType: c.resource_type, id: c.id })),
        noticesChanged: unnoted + noted > 0,
      };
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  async #recordConsumption(client: pg.PoolClient, practice: string, fresh: PreparedChange[], now: Date): Promise<void> {
    const delays = fresh.map((c) => Math.max(0, (now.getTime() - Date.parse(c.availableAt)) / 1000));
    const counts = new Map<number, number>();
    for (const d of delays) {
      const le = DELAY_BUCKETS.find((b) => d <= b)!;
      counts.set(le, (counts.get(le) ?? 0) + 1);
    }
    const max = Math.max(...delays);
    await client.query(
      `INSERT INTO dtm_consumption AS c (practice, changes, over_limit, max_delay_seconds) VALUES ($1, $2, $3, $4)
       ON CONFLICT (practice) DO UPDATE SET changes = c.changes + excluded.changes, over_limit = c.over_limit + excluded.over_limit,
         max_delay_seconds = GREATEST(c.max_delay_seconds, excluded.max_delay_seconds)`,
      [practice, delays.length, delays.filter((d) => d > 6 * 3600).length, max]);
    await client.query(
      `INSERT INTO dtm_consumption_bucket AS b (practice, le_seconds, changes) SELECT $1, * FROM unnest($2::float8[], $3::bigint[])
       ON CONFLICT (practice, le_seconds) DO UPDATE SET changes = b.changes + excluded.changes`,
      [practice, [...counts.keys()], [...counts.values()]]);
  }

  /**
   * Refreshes the planner's statistics of the tables a practice-wide check reads. A table autovacuum
   * is analysing at that moment is skipped, not waited for (SKIP_LOCKED, PostgreSQL 12+): its
   * statistics are being refreshed already. At the end of a 10,000-patient extract the wait for
   * autovacuum's analyse of dtm_binary was about 1 s of the run (issue 7, bench client-e2e).
   */
  async analyze(): Promise<void> {
    await this.pool.query('ANALYZE (SKIP_LOCKED) dtm_resource, dtm_quarantine, dtm_notice, dtm_binary');
  }

  /** Full resync after the server's epoch changed: forget the practice's state, loudly, in one go. */
  async resetPractice(practice: string, now: Date): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      for (const table of ['dtm_resource', 'dtm_quarantine', 'dtm_notice', 'dtm_binary']) {
        await client.query(`DELETE FROM ${table} WHERE practice = $1`, [practice]);
      }
      await client.query('UPDATE dtm_checkpoint SET cursor = NULL, resyncs = resyncs + 1, initial_extract_completed_at = NULL, updated_at = $2 WHERE practice = $1', [practice, now]);
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  /**
   * Binaries due a download attempt: pending ones, and failed ones (still tried again, less often),
   * whose retry time has come (sync/binaries.ts).
   */
  async pendingBinaries(practice: string, limit: number, now: Date): Promise<PendingBinary[]> {
    const r = await this.pool.query<{ id: string; expected_size: number | null; expected_sha1: string | null; attempts: number }>(
      PENDING_BINARIES_SQL, [practice, limit, now]);
    return r.rows.map((b) => ({ id: b.id, expectedSize: b.expected_size, expectedSha1: b.expected_sha1, attempts: b.attempts }));
  }

  /**
   * Marks downloaded binaries verified against the expectations they were checked with, one statement
   * for a batch (issue 7: one UPDATE per document was about a twentieth of the Target database's work
   * in an extract). A binary whose newer DocumentReference changed its expectation meanwhile (downloads
   * run alongside page apply) is left pending for the next pass. Returns the ids marked.
   */
  async binariesVerified(practice: string, verified: VerifiedDownload[], now: Date): Promise<Set<string>> {
    if (!verified.length) return new Set();
    const r = await this.#bookkeepingPool.query<{ id: string }>({
      name: 'dtm-binaries-verified',
      text: `UPDATE dtm_binary AS b SET state = 'verified', size = t.size, sha256 = t.sha256, content_type = t.content_type, error = NULL,
               attempts = b.attempts + 1, retry_after = NULL, updated_at = $2
          FROM unnest($3::text[], $4::bigint[], $5::text[], $6::text[], $7::bigint[], $8::text[]) AS t(id, size, sha256, content_type, expected_size, expected_sha1)
         WHERE b.practice = $1 AND b.id = t.id AND b.state IN ('pending', 'failed')
           AND b.expected_size IS NOT DISTINCT FROM t.expected_size AND b.expected_sha1 IS NOT DISTINCT FROM t.expected_sha1
        RETURNING b.id`,
      values: [practice, now, verified.map((v) => v.id), verified.map((v) => v.size), verified.map((v) => v.sha256), verified.map((v) => v.contentType),
        verified.map((v) => v.expectedSize), verified.map((v) => v.expectedSha1)],
    });
    return new Set(r.rows.map((row) => row.id));
  }

  /** The practice's verified binaries, with what they were verified as (size, base64 SHA-256). */
  async verifiedBinaries(practice: string): Promise<VerifiedBinary[]> {
    const r = await this.pool.query<VerifiedBinary>(
      "SELECT id, size, sha256 FROM dtm_binary WHERE practice = $1 AND state = 'verified' ORDER BY id", [practice]);
    return r.rows;
  }

  /** A verified binary whose file no longer holds what was verified: pending again, to be fetched anew. */
  async binaryDamaged(practice: string, id: string, error: string, now: Date): Promise<void> {
    await this.pool.query(
      `UPDATE dtm_binary SET state = 'pending', attempts = 0, retry_after = NULL, error = $3, updated_at = $4
        WHERE practice = $1 AND id = $2 AND state = 'verified'`, [practice, id, error, now]);
  }

  /**
   * Counts a failed attempt and sets when the next is due; true when this attempt was the last one
   * allowed and the binary has just become failed (its hourly retries after that report nothing new).
   */
  async binaryFailed(practice: string, id: string, error: string, maxAttempts: number, now: Date, retryAfter: Date): Promise<boolean> {
    const r = await this.#bookkeepingPool.query<{ state: string; attempts: number }>(
      `UPDATE dtm_binary SET attempts = attempts + 1, error = $3, updated_at = $5, retry_after = $6,
         state = CASE WHEN attempts + 1 >= $4 THEN 'failed' ELSE state END
        WHERE practice = $1 AND id = $2 AND state IN ('pending', 'failed') RETURNING state, attempts`, [practice, id, error, maxAttempts, now, retryAfter]);
    const row = r.rows[0];
    return row?.state === 'failed' && row.attempts === maxAttempts;
  }

  /** Every binary not yet held is due at once (the cutover gives each one more attempt, not waiting out its backoff). */
  async binariesDueNow(practice: string): Promise<void> {
    await this.pool.query("UPDATE dtm_binary SET retry_after = NULL WHERE practice = $1 AND state IN ('pending', 'failed') AND retry_after IS NOT NULL", [practice]);
  }

  async startRun(practice: string, mode: string, now: Date): Promise<number> {
    return (await this.pool.query<{ id: number }>('INSERT INTO dtm_sync_run (practice, mode, started_at) VALUES ($1, $2, $3) RETURNING id', [practice, mode, now])).rows[0]!.id;
  }

  /** A run's progress (book-keeping, asynchronous commit) or, with finishedAt, its end (synchronous). */
  async updateRun(id: number, u: { pages: number; changes: number; sourceAsOf: string | null; serverLastUpdated: string | null; finishedAt?: Date; outcome?: string; error?: string }): Promise<void> {
    await (u.finishedAt ? this.pool : this.#bookkeepingPool).query(
      `UPDATE dtm_sync_run SET pages = $2, changes = $3, source_as_of = $4, server_last_updated = $5,
         finished_at = COALESCE($6, finished_at), outcome = COALESCE($7, outcome), error = COALESCE($8, error) WHERE id = $1`,
      [id, u.pages, u.changes, u.sourceAsOf, u.serverLastUpdated, u.finishedAt ?? null, u.outcome ?? null, u.error ?? null]);
  }

  /** Seconds from available to applied of the most recently applied change, or null before any. */
  async latestConsumptionDelaySeconds(practice: string): Promise<number | null> {
    const r = await this.pool.query<{ delay: number | null }>(
      `SELECT extract(epoch FROM applied_at - available_at)::float8 AS delay FROM dtm_resource
        WHERE practice = $1 ORDER BY applied_at DESC LIMIT 1`, [practice]);
    return r.rows[0]?.delay ?? null;
  }

  /** What `dtm-client status` shows about the local side. */
  async figures(practice: string): Promise<LocalFigures> {
    const [counts, consumption, buckets, quarantine, binaries, lastRun, lastApplied] = await Promise.all([
      this.pool.query<{ live: number; deleted: number }>('SELECT count(*) FILTER (WHERE NOT deleted)::int AS live, count(*) FILTER (WHERE deleted)::int AS deleted FROM dtm_resource WHERE practice = $1', [practice]),
      this.pool.query<{ changes: number; over_limit: number; max_delay_seconds: number | null }>('SELECT changes, over_limit, max_delay_seconds FROM dtm_consumption WHERE practice = $1', [practice]),
      this.pool.query<{ le_seconds: number; changes: number }>('SELECT le_seconds, changes FROM dtm_consumption_bucket WHERE practice = $1 ORDER BY le_seconds', [practice]),
      this.pool.query<{ rule: string; resource_type: string; n: number }>(
        `SELECT i->>'rule' AS rule, q.resource_type, count(DISTINCT q.id)::int AS n FROM dtm_quarantine q, jsonb_array_elements(q.issues) i
          WHERE q.practice = $1 GROUP BY 1, 2 ORDER BY 1, 2`, [practice]),
      this.pool.query<{ state: string; n: number }>('SELECT state, count(*)::int AS n FROM dtm_binary WHERE practice = $1 GROUP BY state', [practice]),
      this.pool.query<{ started_at: Date; finished_at: Date | null; outcome: string | null; source_as_of: Date | null }>(
        'SELECT started_at, finished_at, outcome, source_as_of FROM dtm_sync_run WHERE practice = $1 ORDER BY started_at DESC LIMIT 1', [practice]),
      this.pool.query<{ last: Date | null }>('SELECT max(last_updated) AS last FROM dtm_resource WHERE practice = $1', [practice]),
    ]);
    const c = consumption.rows[0];
    const total = c?.changes ?? 0;
    const quantile = (q: number): number | null => {
      if (!total) return null;
      let seen = 0;
      for (const b of buckets.rows) {
        seen += b.changes;
        // The bucket's upper bound, but never above the exact maximum.
        if (seen >= q * total) return Math.min(b.le_seconds, c!.max_delay_seconds ?? b.le_seconds);
      }
      return c!.max_delay_seconds;
    };
    return {
      live: counts.rows[0]?.live ?? 0,
      deleted: counts.rows[0]?.deleted ?? 0,
      lastAppliedLastUpdated: lastApplied.rows[0]?.last ?? null,
      consumption: { changes: total, overLimit: c?.over_limit ?? 0, maxDelaySeconds: c?.max_delay_seconds ?? null, p50AtMostSeconds: quantile(0.5), p95AtMostSeconds: quantile(0.95) },
      quarantine: quarantine.rows.map((r) => ({ rule: r.rule, resourceType: r.resource_type, resources: r.n })),
      binaries: Object.fromEntries(binaries.rows.map((r) => [r.state, r.n])),
      lastRun: lastRun.rows[0] ?? null,
    };
  }

  /** Quarantined resources grouped by rule and resource type: one data issue each. */
  async quarantineGroups(practice: string): Promise<IssueGroup[]> {
    return this.#issueGroups('dtm_quarantine', 'error', practice);
  }

  /** Warnings about current versions grouped by rule and resource type: one data issue (severity warning) each. */
  async noticeGroups(practice: string): Promise<IssueGroup[]> {
    return this.#issueGroups('dtm_notice', 'warning', practice);
  }

  async #issueGroups(table: 'dtm_quarantine' | 'dtm_notice', severity: 'error' | 'warning', practice: string): Promise<IssueGroup[]> {
    const r = await this.pool.query<{ rule: string; resource_type: string; id: string; version_id: string; pointer: string; message: string }>(
      `SELECT i->>'rule' AS rule, q.resource_type, q.id, q.version_id::text, i->>'pointer' AS pointer, i->>'message' AS message
         FROM ${table} q, jsonb_array_elements(q.issues) i WHERE q.practice = $1 ORDER BY 1, 2, 3`, [practice]);
    const groups = new Map<string, IssueGroup>();
    for (const row of r.rows) {
      const key = `${row.rule}|${row.resource_type}`;
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { rule: row.rule, resourceType: row.resource_type, severity, message: row.message, resources: [] }));
      // Rows come ordered by rule, type and id: a resource's second issue under one rule is next to its first.
      if (g.resources.at(-1)?.id !== row.id) g.resources.push({ resourceType: row.resource_type, id: row.id, versionId: row.version_id, pointer: row.pointer });
    }
    return [...groups.values()];
  }

  /** References from live resources to resources the practice does not hold (or holds deleted), by source type. */
  async unresolvedReferenceGroups(practice: string): Promise<IssueGroup[]> {
    const r = await this.pool.query<{ from_type: string; from_id: string; version_id: string; to_type: string }>(
      `SELECT f.resource_type AS from_type, f.id AS from_id, f.version_id::text, split_part(ref, '/', 1) AS to_type
         FROM dtm_resource f CROSS JOIN LATERAL unnest(f.refs) AS ref
         LEFT JOIN dtm_resource t ON t.practice = f.practice AND t.resource_type = split_part(ref, '/', 1) AND t.id = split_part(ref, '/', 2) AND NOT t.deleted
        WHERE f.practice = $1 AND f.refs IS NOT NULL AND NOT f.deleted AND t.id IS NULL
        ORDER BY f.resource_type, f.id`, [practice]);
    const groups = new Map<string, IssueGroup>();
    for (const row of r.rows) {
      let g = groups.get(row.from_type);
      if (!g) groups.set(row.from_type, (g = { rule: 'dtm.reference-unresolved', resourceType: row.from_type, severity: 'error', message: 'a reference (subject, patient or encounter) names a resource the practice does not hold', resources: [] }));
      // Rows come ordered by (type, id), so a resource with several unresolved references repeats
      // only right after itself: comparing with the last one keeps this linear in the rows.
      if (g.resources.at(-1)?.id !== row.from_id) g.resources.push({ resourceType: row.from_type, id: row.from_id, versionId: row.version_id, pointer: '' });
    }
    return [...groups.values()];
  }

  /** Every (type, id, version, deleted) of the practice in (type, id) order, in bounded batches: for digests. */
  async *entries(practice: string, resourceType?: string, batch = 10_000): AsyncGenerator<{ resourceType: string; id: string; versionId: string; deleted: boolean }> {
    let after: [string, string] = [resourceType ?? '', ''];
    for (;;) {
      const r = await this.pool.query<{ resource_type: string; id: string; version_id: string; deleted: boolean }>(
        `SELECT resource_type, id, version_id::text, deleted FROM dtm_resource
          WHERE practice = $1 AND (resource_type, id) > ($2, $3) AND ($4::text IS NULL OR resource_type = $4)
          ORDER BY resource_type, id LIMIT $5`, [practice, after[0], after[1], resourceType ?? null, batch]);
      for (const row of r.rows) yield { resourceType: row.resource_type, id: row.id, versionId: row.version_id, deleted: row.deleted };
      if (r.rows.length < batch) return;
      const last = r.rows.at(-1)!;
      after = [last.resource_type, last.id];
    }
  }

  async raisedIssues(practice: string): Promise<{ clientReference: string; issueId: string; status: string }[]> {
    const r = await this.pool.query<{ client_reference: string; issue_id: string; status: string }>(
      'SELECT client_reference, issue_id, status FROM dtm_issue WHERE practice = $1', [practice]);
    return r.rows.map((x) => ({ clientReference: x.client_reference, issueId: x.issue_id, status: x.status }));
  }

  async recordIssue(practice: string, clientReference: string, issueId: string, resources: number, status: string, now: Date): Promise<void> {
    await this.pool.query(
      `INSERT INTO dtm_issue (practice, client_reference, issue_id, resources, status, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (practice, client_reference) DO UPDATE SET issue_id = excluded.issue_id, resources = excluded.resources, status = excluded.status, updated_at = excluded.updated_at`,
      [practice, clientReference, issueId, resources, status, now]);
  }

  async close(): Promise<void> {
    await this.#bookkeepingPool.end();
    await this.pool.end();
  }
}

/**
 * The page's bodies as one text, each body's JSON separated by U+0001 (string_to_array, PostgreSQL 14+).
 * JSON text never holds a raw U+0001 (JSON.stringify escapes every control character), and PostgreSQL
 * splits the text without parsing it, so each body is stored byte for byte as prepared. Two costlier
 * ways came first (issue 7, bench client-e2e): a text[] parameter, whose array-literal escaping of every
 * quote was the client's largest cost after parsing; then a JSON array for json_array_elements, whose
 * parse was about a quarter of the Target insert's time (26-34 ms per 1,000 ~1 KB rows against 18-28 ms
 * split, PostgreSQL 15 and 18). A tombstone's body is '-', which no resource's JSON is (an object's
 * text starts with '{'), stored as NULL. Never the empty string: string_to_array('') is an empty array,
 * so a page of one deletion would have applied nothing.
 */
const BODY_SEPARATOR = '\u0001';
const TOMBSTONE_BODY = '-';
function bodiesText(changes: PreparedChange[]): string {
  // A separator inside a body would shift every later body onto the wrong row: refuse, never guess.
  if (changes.some((c) => c.body?.includes(BODY_SEPARATOR))) throw new Error('a prepared body holds a raw U+0001, which JSON text never does');
  return changes.map((c) => c.body ?? TOMBSTONE_BODY).join(BODY_SEPARATOR);
}

/** A change's references as 'Type/id' separated by spaces (neither ever holds a space: prepare.ts's pattern). */
const refsText = (c: PreparedChange): string => c.references.map((r) => `${r.type}/${r.id}`).join(' ');

export interface LocalFigures {
  live: number;
  deleted: number;
  lastAppliedLastUpdated: Date | null;
  consumption: { changes: number; overLimit: number; maxDelaySeconds: number | null; p50AtMostSeconds: number | null; p95AtMostSeconds: number | null };
  quarantine: { rule: string; resourceType: string; resources: number }[];
  binaries: Record<string, number>;
  lastRun: { started_at: Date; finished_at: Date | null; outcome: string | null; source_as_of: Date | null } | null;
}
