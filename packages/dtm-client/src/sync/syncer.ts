/*
 * The sync loop, a small explicit state machine (one practice):
 *
 *   start ──► fetching ──page──► applying ──► more pages? ──yes──► fetching
 *               │   ▲                            │ no (upToDate)
 *               │   │                            ├── sync:   ──► binaries ──► done
 *               │   │                            └── follow: ──► binaries ──► fetching (long-poll)
 *               │   └──────────── resyncing ◄── 409: the server's epoch changed (reported loudly)
 *               ├── network error, 5xx, 408, 429: retried inside DtmClient (backoff, Retry-After)
 *               └── stop requested (SIGTERM): finish and commit the page in hand ──► done
 *
 * Each page and the checkpoint after it commit in one transaction (store/store.ts), so any state is
 * a safe place to be killed.
 */
import type { ChangePage } from '@dtm/shared';
import type { DtmClient, FeedPage } from '../client.ts';
import { EpochError } from '../client.ts';
import type { PreparedChange, Store } from '../store/store.ts';
import { SyncEmitter, type SyncSummary } from './events.ts';
import { prepareChanges, type Validate } from './prepare.ts';
import { fetchBinaries } from './binaries.ts';
import { SYNC_DEFAULTS } from './defaults.ts';

export interface SyncOptions {
  practice: string;
  client: DtmClient;
  store: Store;
  validate: Validate;
  binaryDir: string;
  pageSize?: number;
  /** Long-poll wait in seconds while following. */
  waitSeconds?: number;
  binaryParallel?: number;
  now?: () => Date;
  /** Called after each follow cycle that ended up to date (e.g. to raise data issues). */
  afterCycle?: () => Promise<void>;
}

/** New rows after which the store's statistics are refreshed (see #analyzeIfGrown). */
const ANALYZE_AFTER_APPLIED = 20_000;

/**
 * A page once validated and prepared: its rows for the store and what the loop needs of the rest. The
 * parsed resources are not kept: held while the page is applied (and the next one read), they survived
 * young-generation collections and were copied and promoted, page after page (issue 7: about 500
 * scavenges and 1.7 s of pauses in a 10,000-patient extract, node --trace-gc).
 */
interface ReadPage extends Pick<ChangePage, 'watermark' | 'nextCursor' | 'upToDate'> {
  /** Changes the page carried. */
  count: number;
  prepared: PreparedChange[];
}

function readPage({ page, exact }: FeedPage, validate: Validate): ReadPage {
  return {
    watermark: page.watermark, nextCursor: page.nextCursor, upToDate: page.upToDate, count: page.changes.length,
    prepared: prepareChanges(page.changes, validate, exact?.changes),
  };
}

export class Syncer extends SyncEmitter {
  readonly #o: Required<Omit<SyncOptions, 'afterCycle'>> & Pick<SyncOptions, 'afterCycle'>;
  readonly #stop = new AbortController();
  /** Binaries are fetched alongside the feed, one pass at a time; it never rejects (see #background). */
  #binaryPass: Promise<void> | null = null;
  /** A follower's checks after a catch-up (#startHousekeeping), one run at a time. */
  #housekeeping: Promise<void> | null = null;
  #housekeepingAgain = false;
  /**
   * The first failure of work running beside the loop (a binaries pass, a follower's checks): the loop
   * ends the run with it at its next step. Kept here, not left on a promise nobody awaits yet: an
   * unhandled rejection ends the process (Node's default) without the run being recorded.
   */
  #backgroundFailed: { error: unknown } | null = null;

  constructor(o: SyncOptions) {
    super();
    this.#o = { ...SYNC_DEFAULTS, now: () => new Date(), ...o };
  }

  /** Ask the loop to stop: it finishes the page in hand, commits, and returns. */
  stop(): void {
    this.#stop.abort(new Error('stop requested'));
  }

  get stopping(): boolean {
    return this.#stop.signal.aborted;
  }

  /** Pull from the checkpoint until up to date, fetch binaries, stop. */
  sync(): Promise<SyncSummary> {
    return this.#run('sync');
  }

  /** Keep pulling with long-polls until stopped. */
  follow(): Promise<SyncSummary> {
    return this.#run('follow');
  }

  async #run(mode: 'sync' | 'follow'): Promise<SyncSummary> {
    const { practice, client, store, now } = this.#o;
    const summary: SyncSummary = {
      practice, mode, pages: 0, received: 0, applied: 0, skipped: 0, quarantined: 0, binariesVerified: 0, binariesFailed: 0,
      resyncs: 0, sourceAsOf: null, lastUpdatedAt: null, stoppedBy: 'up-to-date',
    };
    this.#backgroundFailed = null; // a Syncer runs again after a failed run (the CLI's schedule, tests)
    const cp = await store.ensureCheckpoint(practice, client.baseUrl, now());
    const runId = await store.startRun(practice, mode, now());
    let cursor = cp.cursor;
    let expected: number | null = null;
    if (!cursor) {
      const st = await client.status(practice, this.#stop.signal).catch(() => null);
      expected = st ? st.counts.reduce((n, c) => n + c.live + c.deleted, 0) : null;
    }
    this.emit('start', { practice, mode, resumedFrom: cursor, expectedChanges: expected });
    let analyzing: Promise<void> | null = null;
    try {
      let waiting = false;
      // The next page is fetched, and validated as soon as it arrives, while this one is applied (the
      // cursor after a page is known before it is applied): network, server, this process's CPU and
      // the Target store's work overlap (issue 7: the initial extract is bound by whichever is slowest).
      type Prefetched = ReadPage | { error: unknown };
      let prefetched: Promise<Prefetched> | null = null;
      for (;;) {
        if (this.#stop.signal.aborted) {
          summary.stoppedBy = 'signal';
          break;
        }
        this.#throwIfBackgroundFailed();
        let page: ReadPage;
        try {
          // Only a long-poll is cut short by stop(); a page being fetched to apply is fetched whole.
          if (prefetched) {
            const got: Prefetched = await prefetched;
            prefetched = null;
            if ('error' in got) throw got.error;
            page = got;
          } else {
            page = readPage(await client.feedPage(practice, { since: cursor, limit: this.#o.pageSize, ...(waiting ? { wait: this.#o.waitSeconds, signal: this.#stop.signal } : {}) }), this.#o.validate);
          }
        } catch (err) {
          if (this.#stop.signal.aborted) continue;
          if (err instanceof EpochError) {
            this.emit('resync', { practice, reason: err.message });
            // Work beside the loop must not read the practice while it is being forgotten: a check
            // that found the quarantine empty half-way would close the Source's issues.
            await this.#binaryPass;
            await this.#housekeeping;
            await store.resetPractice(practice, now());
            summary.resyncs++;
            cursor = null;
            waiting = false;
            continue;
          }
          throw err;
        }
        summary.sourceAsOf = page.watermark.sourceAsOf;
        summary.lastUpdatedAt = page.watermark.lastUpdatedAt;
        if (!page.upToDate && page.nextCursor) {
          // Settles with the error rather than rejecting: a prefetch left behind when the loop ends
          // must not become an unhandled rejection.
          prefetched = client.feedPage(practice, { since: page.nextCursor, limit: this.#o.pageSize })
            .then((next): Prefetched => readPage(next, this.#o.validate))
            .catch((error: unknown) => ({ error }));
        }
        const { prepared } = page;
        const r = await store.applyPage(practice, prepared, page.nextCursor, now(), page.upToDate);
        if (this.listenerCount('applied')) this.emit('applied', { practice, changes: prepared.map((c) => ({ resourceType: c.resourceType, id: c.id, versionId: c.versionId })) });
        cursor = page.nextCursor ?? cursor;
        summary.pages++;
        summary.received += page.count;
        summary.applied += r.applied;
        summary.skipped += r.skipped;
        const quarantined = prepared.filter((c) => c.issues.length > 0).length;
        summary.quarantined += quarantined;
        for (const c of r.cleared) this.emit('cleared', { practice, ...c });
        if (page.count) {
          this.emit('page', { practice, received: page.count, applied: r.applied, skipped: r.skipped, quarantined, upToDate: page.upToDate, totalApplied: summary.applied, totalReceived: summary.received });
          await store.updateRun(runId, { pages: summary.pages, changes: summary.applied, sourceAsOf: summary.sourceAsOf, serverLastUpdated: summary.lastUpdatedAt });
        }
        if (!page.upToDate) {
          // Documents download while the next pages are read and applied, not after.
          if (!this.#binaryPass && prepared.some((c) => c.binaries.length > 0)) {
            this.#binaryPass = this.#background(this.#binaries(summary)).finally(() => (this.#binaryPass = null));
          }
          waiting = false;
          continue;
        }
        // A one-shot sync refreshes the planner's statistics while its last documents download, so
        // the checks after them start at once: documents change no row counts (issue 7, end to end).
        if (mode === 'sync') {
          analyzing = this.#analyzeIfGrown(summary);
          analyzing.catch(() => undefined); // awaited below, or on the error path
        }
        await this.#binaryPass;
        this.#throwIfBackgroundFailed();
        await this.#binaries(summary);
        if (mode === 'sync') {
          // Stopped during the last documents pass: some may still be pending, so not 'up-to-date'.
          if (this.#stop.signal.aborted) summary.stoppedBy = 'signal';
          break;
        }
        if (!waiting) this.emit('idle', { practice, sourceAsOf: summary.sourceAsOf, lastUpdatedAt: summary.lastUpdatedAt });
        // After a catch-up, and after a live change that fails validation or replaces one that did: the
        // Source hears of data issues now, not at the next catch-up (in time for cutover).
        if (!waiting || quarantined > 0 || r.cleared.length > 0 || r.noticesChanged) this.#startHousekeeping(summary);
        waiting = true;
      }
      await this.#binaryPass;
      await this.#housekeeping;
      this.#throwIfBackgroundFailed();
      if (mode === 'sync') {
        await (analyzing ?? this.#analyzeIfGrown(summary));
        await this.#o.afterCycle?.();
      }
      await store.updateRun(runId, { pages: summary.pages, changes: summary.applied, sourceAsOf: summary.sourceAsOf, serverLastUpdated: summary.lastUpdatedAt, finishedAt: now(), outcome: summary.stoppedBy });
    } catch (err) {
      await this.#binaryPass;
      await analyzing?.catch(() => undefined);
      await this.#housekeeping;
      summary.stoppedBy = 'error';
      summary.error = (err as Error).message;
      await store.updateRun(runId, { pages: summary.pages, changes: summary.applied, sourceAsOf: summary.sourceAsOf, serverLastUpdated: summary.lastUpdatedAt, finishedAt: now(), outcome: 'error', error: summary.error }).catch(() => undefined);
      this.emit('done', summary);
      throw err;
    }
    this.emit('done', summary);
    return summary;
  }

  /**
   * A follower that has caught up refreshes statistics and raises data issues, which read the whole
   * practice (about 1-2 s at 8,800 patients), while it goes back to long-polling: changes published
   * meanwhile are not held behind them. Bench freshness (issue 7): the only changes that took over 1 s
   * from publish to applied were the ones published while these checks ran after the initial extract
   * (1.1-1.8 s, all applied together once they ended). A catch-up that ends while they run asks for
   * another run after; a failure ends the follow as it did when the checks ran inline.
   */
  #startHousekeeping(summary: SyncSummary): void {
    if (this.#housekeeping) {
      this.#housekeepingAgain = true;
      return;
    }
    this.#housekeeping = this.#background((async () => {
      do {
        this.#housekeepingAgain = false;
        await this.#analyzeIfGrown(summary);
        await this.#o.afterCycle?.();
      } while (this.#housekeepingAgain && !this.stopping);
    })()).finally(() => {
      this.#housekeeping = null;
    });
  }

  /** Work beside the loop: its failure is kept for the loop to throw, never left unhandled. */
  #background(work: Promise<void>): Promise<void> {
    return work.catch((error: unknown) => {
      this.#backgroundFailed ??= { error };
    });
  }

  #throwIfBackgroundFailed(): void {
    if (this.#backgroundFailed) throw this.#backgroundFailed.error;
  }

  #appliedAtLastAnalyze = 0;

  /**
   * After a large batch of new rows (an initial extract, a long catch-up), refresh the Target store's
   * statistics before the data-issue checks read the whole practice. Measured on PostgreSQL 15 with
   * 100,000 resources and 200,000 references (issue 7): the unresolved-reference check took 1.55 s
   * unanalysed (a merge anti-join over sorted scans) and 1.04 s analysed (a parallel hash anti-join).
   * Autovacuum gets there too, but later than the checks that follow an extract.
   */
  async #analyzeIfGrown(summary: SyncSummary): Promise<void> {
    if (summary.applied - this.#appliedAtLastAnalyze < ANALYZE_AFTER_APPLIED) return;
    this.#appliedAtLastAnalyze = summary.applied;
    await this.#o.store.analyze();
  }

  async #binaries(summary: SyncSummary): Promise<void> {
    const { practice } = this.#o;
    const r = await fetchBinaries(
      { client: this.#o.client, store: this.#o.store, practice, dir: this.#o.binaryDir, parallel: this.#o.binaryParallel, now: this.#o.now, signal: this.#stop.signal },
      (id, state, bytes, error) => this.emit('binary', { practice, id, state, bytes, ...(error ? { error } : {}) }),
    );
    summary.binariesVerified += r.verified;
    summary.binariesFailed += r.failed;
  }
}
