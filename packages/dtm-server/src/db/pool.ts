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
}

// int8 (count(*), sequences) as JS numbers: every count we read fits in 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

export function createPool(opts: PoolOptions, logger: Logger): Pool {
  const pool = new pg.Pool({
    connectionString: opts.connectionString,
    max: opts.max,
    application_name: opts.applicationName ?? 'dtm-server',
    options: [
      `-c statement_timeout=${opts.statementTimeoutMs}`,
      `-c idle_in_transaction_session_timeout=${opts.idleInTransactionTimeoutMs}`,
      '-c TimeZone=UTC',
    ].join(' '),
  });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', (err) => logger.warn({ err: { message: err.message } }, 'idle PostgreSQL client error'));
  return pool;
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
