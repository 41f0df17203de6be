// Starts a DTM server: database, migrations, change listener, app, listen; and on SIGTERM a graceful
// drain (stop accepting, answer long-polls, finish in-flight requests, close the pool). This is the
// only module that calls listen().
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import { TOKEN_PATH } from '@dtm/shared';
import { requestTimeoutMs, type Config } from './config.ts';
import { createApp } from './app.ts';
import { systemClock, type Clock } from './clock.ts';
import { openDatabase, type Database } from './db/database.ts';
import { createBookkeepingPool, createPool, createReadPool, type Pool } from './db/pool.ts';
import { migrate } from './db/migrate.ts';
import { ChangeNotifier } from './db/notifications.ts';
import { AccessCache } from './services/access-cache.ts';
import { createRetrievalTouches } from './services/access.ts';
import { createLogger, type Logger } from './logger.ts';
import { createMetrics } from './metrics.ts';
import { getEpoch } from './repo/meta.ts';

export interface RunningServer {
  url: string;
  pool: Pool;
  database: Database;
  logger: Logger;
  close(): Promise<void>;
}

export interface StartOptions {
  clock?: Clock;
  logger?: Logger;
  /** Install SIGTERM/SIGINT handlers (the CLI does; tests do not). */
  handleSignals?: boolean;
}

export async function openPool(config: Config, logger: Logger): Promise<{ database: Database; pool: Pool }> {
  const database = await openDatabase(config, (msg) => logger.info(msg));
  return { database, pool: createPool({ ...poolOptions(config, database), max: config.poolMax }, logger) };
}

const poolOptions = (config: Config, database: Database) => ({
  connectionString: database.connectionString,
  statementTimeoutMs: config.statementTimeoutMs,
  idleInTransactionTimeoutMs: config.idleInTransactionTimeoutMs,
});

// A replica may still be replaying the migrations this start has just applied.
const READ_REPLICA_START_WAIT_MS = 30_000;

/**
 * DTM_READ_DATABASE_URL must be a standby of DATABASE_URL: it shows the same epoch (repo/meta.ts).
 * Anything else stops the start with a clear message rather than serving every page from the primary
 * behind a replica that is never used.
 */
async function checkReadReplica(pool: Pool, readPool: Pool): Promise<void> {
  const epoch = await getEpoch(pool);
  const deadline = Date.now() + READ_REPLICA_START_WAIT_MS;
  let problem = '';
  while (Date.now() < deadline) {
    try {
      const seen = await getEpoch(readPool);
      if (seen === epoch) return;
      problem = 'it holds a DTM database of another epoch: it is not a standby of DATABASE_URL';
    } catch (err) {
      problem = `reading the DTM epoch there failed (${(err as Error).message})`;
    }
    await sleep(250);
  }
  throw new Error(`DTM_READ_DATABASE_URL: ${problem} (waited ${READ_REPLICA_START_WAIT_MS / 1000} s for it to replay)`);
}

export async function startServer(config: Config, opts: StartOptions = {}): Promise<RunningServer> {
  const logger = opts.logger ?? createLogger(config.logLevel);
  const clock = opts.clock ?? systemClock;
  const { database, pool } = await openPool(config, logger);
  const applied = await migrate(pool);
  if (applied.length) logger.info({ applied }, 'database migrations applied');
  const bookkeepingPool = createBookkeepingPool(poolOptions(config, database), logger);
  // Feed pages from a hot standby when one is named (docs/scaling.md, read replicas).
  const readPool = config.readDatabaseUrl
    ? createReadPool({ ...poolOptions(config, database), connectionString: config.readDatabaseUrl, max: config.poolMax }, logger)
    : pool;
  if (readPool !== pool) {
    await checkReadReplica(pool, readPool).catch(async (err: unknown) => {
      await Promise.all([readPool.end(), bookkeepingPool.end(), pool.end()]);
      await database.stop();
      throw err;
    });
  }
  const notifier = new ChangeNotifier(database.connectionString, logger);
  await notifier.start();
  const accessCache = new AccessCache(notifier);
  const retrievalTouches = createRetrievalTouches(bookkeepingPool, config.sessionGapSeconds, logger);
  const shutdown = new AbortController();
  const metrics = createMetrics(pool, clock, { defaultMetrics: true, readPool });
  let tokenEndpoint = config.publicUrl ? `${config.publicUrl}${TOKEN_PATH}` : '';
  const urls = { tokenEndpoint: () => tokenEndpoint };
  const app = createApp({ config, pool, bookkeepingPool, readPool, logger, clock, notifier, accessCache, retrievalTouches, metrics, shutdownSignal: shutdown.signal, urls });

  // HTTPS directly from certificate files (optionally requiring client certificates), or plain HTTP
  // behind a TLS-terminating proxy (DTM_TRUST_PROXY). The DTM crosses the internet: never plain HTTP there.
  const tls = config.tlsCertFile && config.tlsKeyFile;
  const server = tls
    ? https.createServer({
        cert: readFileSync(config.tlsCertFile!),
        key: readFileSync(config.tlsKeyFile!),
        ...(config.tlsClientCaFile ? { ca: readFileSync(config.tlsClientCaFile), requestCert: true, rejectUnauthorized: true } : {}),
        minVersion: 'TLSv1.2',
      }, app)
    : http.createServer(app);
  server.requestTimeout = requestTimeoutMs(config.maxBinaryBytes);
  server.headersTimeout = 30_000;
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  const url = `${tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
  if (!config.publicUrl) tokenEndpoint = `${url}${TOKEN_PATH}`;
  logger.info({ url, tokenEndpoint, database: database.embedded ? 'embedded' : 'DATABASE_URL' }, 'dtm-server listening');

  let closing: Promise<void> | null = null;
  const close = () => {
    closing ??= (async () => {
      logger.info('shutting down: draining in-flight requests');
      shutdown.abort();
      const drained = new Promise<void>((resolve) => server.close(() => resolve()));
      // Keep-alive sockets become idle as their last response ends (responses sent while draining
      // also say Connection: close): close them as they do, so the drain ends when the work does.
      const sweep = setInterval(() => server.closeIdleConnections(), 100);
      server.closeIdleConnections();
      const grace = new Promise<void>((resolve) => setTimeout(resolve, config.shutdownGraceMs).unref());
      await Promise.race([drained, grace]);
      clearInterval(sweep);
      server.closeAllConnections();
      await notifier.close();
      await retrievalTouches.flushAll();
      await bookkeepingPool.end();
      if (readPool !== pool) await readPool.end();
      await pool.end();
      await database.stop();
      logger.info('shut down');
    })();
    return closing;
  };
  if (opts.handleSignals) {
    for (const sig of ['SIGTERM', 'SIGINT'] as const) {
      process.once(sig, () => {
        close().then(() => process.exit(0), () => process.exit(1));
      });
    }
  }
  return { url, pool, database, logger, close };
}
