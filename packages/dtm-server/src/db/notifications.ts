// Wakes long-polling feed readers when a change commits, in any server process sharing the database:
// ingest transactions NOTIFY 'dtm_changes' with the practice's ODS code (delivered on commit), and
// each process keeps one connection LISTENing. If that connection drops it reconnects; meanwhile
// readers still re-check on a timer, so a lost notification delays a reader, never loses a change.
//
// The same connection hears 'dtm_access' (server migration 0005: any change to clients, grants or
// tokens), which tells the process's access cache that what it holds may be out of date.
import pg from 'pg';
import type { Logger } from '../logger.ts';

const CHANNEL = 'dtm_changes';
const ACCESS_CHANNEL = 'dtm_access';
/**
 * How often the listening connection is asked to answer, and how long it has. A connection a NAT or
 * firewall dropped while idle fails no socket event for a long time; meanwhile no change would wake
 * a reader (each still re-checks every second) and no revocation would reach the access cache (which
 * then falls back to its 30 s limit). Checked, it is found within HEARTBEAT_MS + HEARTBEAT_TIMEOUT_MS.
 */
export const HEARTBEAT_MS = 10_000;
const HEARTBEAT_TIMEOUT_MS = 5_000;

export class ChangeNotifier {
  readonly #connectionString: string;
  readonly #logger: Logger;
  readonly #waiters = new Map<string, Set<() => void>>();
  /** Notifications seen per practice (one number per practice that has had one). */
  readonly #generations = new Map<string, number>();
  /** Announcements on ACCESS_CHANNEL, and (re)connections, which may have missed some. */
  #accessGeneration = 0;
  #client: pg.Client | null = null;
  #closed = false;
  #retryTimer: NodeJS.Timeout | null = null;
  #heartbeat: NodeJS.Timeout | null = null;

  constructor(connectionString: string, logger: Logger) {
    this.#connectionString = connectionString;
    this.#logger = logger;
  }

  async start(): Promise<void> {
    const client = new pg.Client({ connectionString: this.#connectionString, application_name: 'dtm-server-listen', keepAlive: true });
    client.on('notification', (msg) => {
      if (msg.channel === CHANNEL && msg.payload) this.#wake(msg.payload);
      if (msg.channel === ACCESS_CHANNEL) this.#accessGeneration++;
    });
    client.on('error', (err) => {
      this.#logger.warn({ err: { message: err.message } }, 'change listener connection lost; reconnecting');
      this.#reconnectSoon();
    });
    client.on('end', () => this.#reconnectSoon());
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}; LISTEN ${ACCESS_CHANNEL}`);
    } catch (err) {
      // Not kept, so not ended by #reconnectSoon: end it here rather than leave a connection open.
      client.removeAllListeners();
      await client.end().catch(() => undefined);
      throw err;
    }
    if (this.#closed) {
      // close() ran while this (re)connection was being made: it must not outlive the notifier.
      client.removeAllListeners();
      client.on('error', () => undefined);
      await client.end().catch(() => undefined);
      return;
    }
    this.#client = client;
    // Whatever was announced while no connection listened is unknown: count it as a change.
    this.#accessGeneration++;
    this.#heartbeat ??= setInterval(() => this.#checkAlive(), HEARTBEAT_MS).unref();
  }

  #checkAlive(): void {
    const client = this.#client;
    if (!client) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${HEARTBEAT_TIMEOUT_MS} ms`)), HEARTBEAT_TIMEOUT_MS).unref();
    });
    Promise.race([client.query('SELECT 1'), timeout]).then(
      () => clearTimeout(timer),
      (err: Error) => {
        clearTimeout(timer);
        if (this.#client !== client) return; // already replaced
        this.#logger.warn({ err: { message: err.message } }, 'change listener connection not answering; reconnecting');
        this.#reconnectSoon();
      },
    );
  }

  #reconnectSoon(): void {
    if (this.#closed || this.#retryTimer) return;
    const old = this.#client;
    this.#client = null;
    old?.removeAllListeners();
    old?.end().catch(() => undefined);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      this.start().catch(() => this.#reconnectSoon());
    }, 1000);
    this.#retryTimer.unref();
  }

  #wake(ods: string): void {
    this.#generations.set(ods, (this.#generations.get(ods) ?? 0) + 1);
    const set = this.#waiters.get(ods);
    if (!set) return;
    this.#waiters.delete(ods);
    for (const fn of set) fn();
  }

  /**
   * How many notifications this practice has had. A reader takes it BEFORE reading and passes it to
   * waitForChange: a change that commits after the read's snapshot but is announced before the wait
   * begins then still wakes the reader at once, instead of a re-check later (a lost wake-up).
   */
  generation(ods: string): number {
    return this.#generations.get(ods) ?? 0;
  }

  /**
   * Changes to clients, grants and tokens announced so far, or null while this process is not
   * listening (a lookup cached then could miss a revocation). Taken before a lookup, like
   * generation(): a revocation announced during the lookup then makes its result stale at once.
   */
  accessGeneration(): number | null {
    return this.#client ? this.#accessGeneration : null;
  }

  /**
   * Resolves when a change for the practice commits (true), after `ms` or when `signal` aborts (false).
   * With `seen` (a generation() taken before the reader's last read), a notification since then
   * resolves it at once. A reader on a replica needs to know which: the change may not have been
   * replayed there yet.
   */
  waitForChange(ods: string, ms: number, signal: AbortSignal, seen?: number): Promise<boolean> {
    return new Promise((resolve) => {
      if (signal.aborted) return resolve(false);
      if (seen !== undefined && this.generation(ods) !== seen) return resolve(true);
      let set = this.#waiters.get(ods);
      if (!set) this.#waiters.set(ods, (set = new Set()));
      const finish = (changed: boolean) => {
        clearTimeout(timer);
        signal.removeEventListener('abort', giveUp);
        this.#waiters.get(ods)?.delete(onChange);
        resolve(changed);
      };
      const onChange = () => finish(true);
      const giveUp = () => finish(false);
      const timer = setTimeout(giveUp, ms);
      signal.addEventListener('abort', giveUp, { once: true });
      set.add(onChange);
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    for (const ods of [...this.#waiters.keys()]) this.#wake(ods);
    const c = this.#client;
    this.#client = null;
    if (c) {
      c.removeAllListeners();
      c.on('error', () => undefined);
      await c.end().catch(() => undefined);
    }
  }
}
