// The one pool factory: every connection gets statement_timeout, the idle-in-transaction timeout
// (an abandoned transaction would hold its practice's write lock: see repo/changes.ts), UTC, and a
// name that shows in pg_stat_activity.
import pg from 'pg';
import type { Logger } from '../logger.ts';

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;

export interface PoolOptions {
  connectionString: string;
  max: number;
  statementTimeoutMs: number;
  idleInTransactionTimeoutMs: number;
  applicationName?: string;
  /**
   * false: commits return before their WAL reaches disk (PostgreSQL's asynchronous commit). Only for
   * book-keeping whose loss in a database crash costs nothing clinical (see bookkeepingPool).
   */
  synchronousCommit?: boolean;
  /** Sessions default to read-only transactions (the read replica's pool). */
  readOnly?: boolean;
  /** Give up opening a connection after this long (unset: wait as long as the network does). */
  connectTimeoutMs?: number;
}

// int8 (count(*), sequences) as JS numbers: every count we read fits in 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

export function createPool(opts: PoolOptions, logger: Logger): Pool {
  const pool = new pg.Pool({
    connectionString: opts.connectionString,
    max: opts.max,
    application_name: opts.applicationName ?? 'dtm-server',
    ...(opts.connectTimeoutMs ? { connectionTimeoutMillis: opts.connectTimeoutMs } : {}),
    options: [
      `-c statement_timeout=${opts.statementTimeoutMs}`,
      `-c idle_in_transaction_session_timeout=${opts.idleInTransactionTimeoutMs}`,
      '-c TimeZone=UTC',
      ...(opts.synchronousCommit === false ? ['-c synchronous_commit=off'] : []),
      ...(opts.readOnly ? ['-c default_transaction_read_only=on'] : []),
    ].join(' '),
  });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', (err) => logger.warn({ err: { message: err.message } }, 'idle PostgreSQL client error'));
  return pool;
}

/**
 * The pool for per-request book-keeping: the access-log row written as each response finishes, and
 * the retrieval session moved on by each consumer read. With a synchronous commit each of these
 * waited for a WAL flush, once per page and per binary, and that wait dominated binary downloads and
 * slowed every feed page (issue 7, measured with pg_stat_activity wait events in bench client-e2e).
 * Asynchronous commit keeps their order and atomicity and makes them visible at once; a crash of the
 * database server (not of this process) can lose the last few hundred milliseconds of them
 * (3 × wal_writer_delay at most). What that costs: an access-log row for requests whose responses were
 * already sent, and a session's last-retrieval time a moment older. Clinical data, ingest, grants and
 * the migration's state never use this pool. Small: these are one-row statements.
 */
export function createBookkeepingPool(opts: Omit<PoolOptions, 'max' | 'synchronousCommit'>, logger: Logger): Pool {
  return createPool({ ...opts, max: 4, synchronousCommit: false, applicationName: 'dtm-server-bookkeeping' }, logger);
}

/**
 * The pool for the feed's page reads on a hot standby (DTM_READ_DATABASE_URL; docs/scaling.md, read
 * replicas). Read-only by default too, so a write sent here by mistake fails even if the URL names a
 * primary.
 */
export function createReadPool(opts: Omit<PoolOptions, 'synchronousCommit'>, logger: Logger): Pool {
  // A standby that is down or unreachable must fail fast: its feed pages then go to the primary
  // (services/feed.ts), and a reader should not wait a TCP timeout first.
  return createPool({ applicationName: 'dtm-server-read', connectTimeoutMs: 2000, ...opts, readOnly: true }, logger);
}

/** Run fn in a transaction; roll back on any error. */
export async function inTransaction<T>(pool: Pool, fn: (c: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
