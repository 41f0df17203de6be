// The consumer's requests that a retrieval session has just counted, in this process. Issue 7: a
// sync downloads thousands of documents, a dozen at a time, and moving its session on (an UPDATE)
// for every one of them was about a tenth of a download's cost on the server and in PostgreSQL.
// Within TOUCH_WINDOW_MS of the last write the session is surely still going (the gap that ends one
// is DTM_SESSION_GAP_SECONDS, 15 minutes by default), so a request there is only counted in memory,
// and that count is written with the next write or, at the latest, TOUCH_WINDOW_MS later, or when
// the server stops. The agreed sessions per 24 h are decided as before: only a request that could
// start a session goes to the database, under its lock.

/** How long after a session was moved on its next requests are only counted here. */
export const TOUCH_WINDOW_MS = 1000;

interface Recent {
  clientId: string;
  practice: string;
  /** When the session was last written (the injected clock's time). */
  at: number;
  /** Requests counted since, and the time of the last of them. */
  pending: number;
  lastAt: Date;
  timer: NodeJS.Timeout | null;
}

/** Writes `count` more requests, the last at `at`, to the client's session for the practice; never rejects. */
export type WriteCount = (clientId: string, practice: string, count: number, at: Date) => Promise<void>;

const keyOf = (clientId: string, practice: string) => `${clientId}\n${practice}`;

export class RetrievalTouches {
  readonly #recent = new Map<string, Recent>();
  readonly #flushing = new Set<Promise<void>>();
  readonly #write: WriteCount;
  readonly #windowMs: number;
  #closed = false;

  /** `windowMs` is kept well under the session gap, so a counted request can never belong to a new session. */
  constructor(write: WriteCount, sessionGapSeconds: number) {
    this.#write = write;
    this.#windowMs = Math.min(TOUCH_WINDOW_MS, (sessionGapSeconds * 1000) / 10);
  }

  /** True when the request was counted here (its session was written less than the window ago). */
  absorb(clientId: string, practice: string, now: Date): boolean {
    if (this.#closed) return false;
    const key = keyOf(clientId, practice);
    const r = this.#recent.get(key);
    if (!r || now.getTime() - r.at >= this.#windowMs || now.getTime() < r.at) return false;
    r.pending++;
    if (now > r.lastAt) r.lastAt = now;
    r.timer ??= setTimeout(() => this.#flush(key), this.#windowMs).unref();
    return true;
  }

  /** Requests counted here that the next write must add (and which no timer will write now). */
  take(clientId: string, practice: string): number {
    const key = keyOf(clientId, practice);
    const r = this.#recent.get(key);
    if (!r) return 0;
    if (r.timer) clearTimeout(r.timer);
    this.#recent.delete(key);
    return r.pending;
  }

  /**
   * The session was written at `now`: requests in the next window are counted here. Requests counted
   * meanwhile (after a concurrent request's write) stay counted: a dozen downloads run at once.
   */
  written(clientId: string, practice: string, now: Date): void {
    const r = this.#recent.get(keyOf(clientId, practice));
    if (r) {
      r.at = Math.max(r.at, now.getTime());
      return;
    }
    this.#recent.set(keyOf(clientId, practice), { clientId, practice, at: now.getTime(), pending: 0, lastAt: now, timer: null });
  }

  /** Writes every count still held (on shutdown, before the pools close); later requests write their own. */
  async flushAll(): Promise<void> {
    this.#closed = true;
    for (const key of [...this.#recent.keys()]) this.#flush(key);
    await Promise.all(this.#flushing);
  }

  #flush(key: string): void {
    const r = this.#recent.get(key);
    if (!r) return;
    if (r.timer) clearTimeout(r.timer);
    this.#recent.delete(key);
    if (r.pending === 0) return;
    const p = this.#write(r.clientId, r.practice, r.pending, r.lastAt).catch(() => undefined).finally(() => this.#flushing.delete(p));
    this.#flushing.add(p);
  }
}
