// Wakes long-polling feed readers when a change commits, in any server process sharing the database:
// ingest transactions NOTIFY 'dtm_changes' with the practice's ODS code (delivered on commit), and
// each process keeps one connection LISTENing. If that connection drops it reconnects; meanwhile
// readers still re-check on a timer, so a lost notification delays a reader, never loses a change.
import pg from 'pg';
import type { Logger } from '../logger.ts';

const CHANNEL = 'dtm_changes';

export class ChangeNotifier {
  readonly #connectionString: string;
  readonly #logger: Logger;
  readonly #waiters = new Map<string, Set<() => void>>();
  #client: pg.Client | null = null;
  #closed = false;
  #retryTimer: NodeJS.Timeout | null = null;

  constructor(connectionString: string, logger: Logger) {
    this.#connectionString = connectionString;
    this.#logger = logger;
  }

  async start(): Promise<void> {
    const client = new pg.Client({ connectionString: this.#connectionString, application_name: 'dtm-server-listen' });
    client.on('notification', (msg) => {
      if (msg.channel === CHANNEL && msg.payload) this.#wake(msg.payload);
    });
    client.on('error', (err) => {
      this.#logger.warn({ err: { message: err.message } }, 'change listener connection lost; reconnecting');
      this.#reconnectSoon();
    });
    client.on('end', () => this.#reconnectSoon());
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
    this.#client = client;
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
    const set = this.#waiters.get(ods);
    if (!set) return;
    this.#waiters.delete(ods);
    for (const fn of set) fn();
  }

  /** Resolves when a change for the practice commits, after `ms`, or when `signal` aborts. */
  waitForChange(ods: string, ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal.aborted) return resolve();
      let set = this.#waiters.get(ods);
      if (!set) this.#waiters.set(ods, (set = new Set()));
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.#waiters.get(ods)?.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
      set.add(done);
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
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
