// The tokens and grants this process has looked up, kept only while nothing has changed who may read
// what. Issue 7: a sync downloads thousands of documents, and reading the token and the grant again
// for each was a third of a download's database work (bench/_docs: about 0.25 ms of server and 0.25 ms
// of PostgreSQL CPU per request). Revocation still applies at once: every change to clients, grants
// or tokens is announced to every process on commit (migration 0005, db/notifications.ts), and an
// entry looked up before the latest announcement is never used. While the process is not listening
// nothing is kept. MAX_AGE_MS bounds what goes unannounced: writes with triggers disabled, and a
// listening connection that stops without failing until its heartbeat finds it (README, Security).

/** Where the announcements are counted: ChangeNotifier.accessGeneration. */
export interface AccessAnnouncements {
  accessGeneration(): number | null;
}

interface Entry<T> {
  value: T;
  generation: number;
  at: number;
}

/** An entry older than this is looked up again even when no announcement came. */
export const MAX_AGE_MS = 30_000;
/** Entries in all (tokens and grants); past it the oldest goes (a token lasts minutes: thousands of clients). */
export const MAX_ENTRIES = 10_000;

export class AccessCache {
  readonly #announcements: AccessAnnouncements;
  readonly #now: () => number;
  readonly #entries = new Map<string, Entry<unknown>>();
  readonly #maxEntries: number;

  /** `now` in milliseconds from a monotonic clock: a wall clock set back would stretch MAX_AGE_MS. */
  constructor(announcements: AccessAnnouncements, now: () => number = () => performance.now(), o: { maxEntries?: number } = {}) {
    this.#announcements = announcements;
    this.#now = now;
    this.#maxEntries = o.maxEntries ?? MAX_ENTRIES;
  }

  /**
   * `load`'s answer for `key`, from this cache when it was found under the current announcement count
   * and is recent. Only answers that grant something (not null) are kept: a refusal is read again
   * every time, so a client given a grant can use it at once.
   */
  async get<T>(key: string, load: () => Promise<T | null>): Promise<T | null> {
    const generation = this.#announcements.accessGeneration();
    if (generation === null) return load();
    const held = this.#entries.get(key);
    const now = this.#now();
    if (held && held.generation === generation && now - held.at < MAX_AGE_MS) return held.value as T;
    const value = await load();
    // A change announced during the lookup may not be in its answer: keep it only if none came.
    if (value !== null && this.#announcements.accessGeneration() === generation) {
      this.#entries.delete(key); // re-inserted last: the Map's order is then oldest first
      this.#entries.set(key, { value, generation, at: now });
      if (this.#entries.size > this.#maxEntries) this.#entries.delete(this.#entries.keys().next().value!);
    } else if (held) {
      this.#entries.delete(key);
    }
    return value;
  }
}
