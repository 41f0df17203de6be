// createApp(deps) builds the Express app: request id and access log, operational routes, request
// validation against the OpenAPI contract, the /v1 routers, then the problem+json error handler last.
// main.ts is the only place that listens.
import { randomUUID } from 'node:crypto';
import express, { type Express } from 'express';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import { HEADERS, TOKEN_PATH } from '@dtm/shared';
import type { Config } from './config.ts';
import type { Pool } from './db/pool.ts';
import type { Logger } from './logger.ts';
import type { Clock } from './clock.ts';
import type { ChangeNotifier } from './db/notifications.ts';
import type { AccessCache } from './services/access-cache.ts';
import type { RetrievalTouches } from './services/retrieval-touches.ts';
import type { Metrics } from './metrics.ts';
import { openApiValidator } from './http/validation.ts';
import { notFoundHandler, problemHandler } from './http/problem.ts';
import { operationsRouter } from './routes/operations.ts';
import { feedRouter } from './routes/feed.ts';
import { oauthRouter } from './routes/oauth.ts';
import { auditRouter } from './routes/audit.ts';
import { accessLog } from './http/audit.ts';
import { loggableUrl } from './http/log-url.ts';
import { requireToken } from './http/security.ts';
import { INGEST_JSON_POSTS, INGEST_JSON_PUTS, ingestJsonParser, ingestRouter } from './routes/ingest.ts';
import { ISSUE_JSON_PATCHES, ISSUE_JSON_POSTS, issueJsonParser, issuesRouter } from './routes/issues.ts';
import { MIGRATION_JSON_POSTS, MIGRATION_JSON_PUTS, migrationIngestRouter, migrationJsonParser, migrationRouter } from './routes/migrations.ts';

export interface AppDeps {
  config: Config;
  pool: Pool;
  /** Asynchronous-commit pool for the access log and retrieval sessions only (db/pool.ts says why). */
  bookkeepingPool: Pool;
  /** The feed's page reads: a hot standby (DTM_READ_DATABASE_URL), or `pool` itself when unset. */
  readPool: Pool;
  logger: Logger;
  clock: Clock;
  notifier: ChangeNotifier;
  /** Tokens and grants looked up, until a change to them is announced (services/access-cache.ts). */
  accessCache: AccessCache;
  /** Consumer requests counted in memory for a second before their session is written (services/retrieval-touches.ts). */
  retrievalTouches: RetrievalTouches;
  metrics: Metrics;
  /** Aborted on SIGTERM: long-polls answer at once so the drain is quick. */
  shutdownSignal: AbortSignal;
  /** Known once the server listens (or from DTM_PUBLIC_URL): the assertion audience. */
  urls: { tokenEndpoint: () => string };
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  // Behind a TLS-terminating proxy, req.ip and req.protocol come from X-Forwarded-* only if trusted.
  if (deps.config.trustProxy) app.set('trust proxy', /^\d+$/.test(deps.config.trustProxy) ? Number(deps.config.trustProxy) : deps.config.trustProxy);
  // Security headers; no CORS headers are ever sent (browsers cannot call the DTM cross-origin).
  app.use(helmet());

  app.use(
    pinoHttp({
      logger: deps.logger,
      genReqId: (req, res) => {
        const given = req.headers['x-request-id'];
        const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
        res.setHeader(HEADERS.requestId, id);
        return id;
      },
      // One line per request, with no bodies or headers: patient data never reaches a log.
      serializers: {
        // The query is masked but for the DTM's own values: a data issue's rule is the client's text.
        req: (req: { id: unknown; method: string; url: string; remoteAddress?: string }) => ({ id: req.id, method: req.method, url: loggableUrl(req.url), remoteAddress: req.remoteAddress }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
      customProps: (_req, res) => ({ ...(res as express.Response).locals?.feed, ...(res as express.Response).locals?.ingest }),
      customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
    }),
  );
  app.use((req, res, next) => {
    const end = deps.metrics.httpDuration.startTimer({ method: req.method });
    res.on('finish', () => {
      const route = (req.route as { path?: string } | undefined)?.path;
      end({ route: route ? `${req.baseUrl}${route}` : 'unmatched', status: String(res.statusCode) });
    });
    next();
  });

  app.use(operationsRouter(deps));
  app.use(['/v1', TOKEN_PATH], accessLog(deps));
  app.use(oauthRouter(deps));
  // Authentication comes before request validation: a caller without a token learns nothing else.
  app.use('/v1', requireToken(deps));
  const json = ingestJsonParser(deps.config);
  app.post(INGEST_JSON_POSTS, json);
  app.put(INGEST_JSON_PUTS, json);
  const issueJson = issueJsonParser();
  app.post(ISSUE_JSON_POSTS, issueJson);
  app.patch(ISSUE_JSON_PATCHES, issueJson);
  const migrationJson = migrationJsonParser();
  app.put(MIGRATION_JSON_PUTS, migrationJson);
  app.post(MIGRATION_JSON_POSTS, migrationJson);
  app.use(openApiValidator());
  app.use('/v1', feedRouter(deps));
  app.use('/v1', issuesRouter(deps));
  app.use('/v1', migrationRouter(deps));
  // Before the ingest router: it authorises every /v1/ingest/practices/:ods path for itself.
  app.use('/v1/ingest', migrationIngestRouter(deps));
  app.use('/v1/ingest', ingestRouter(deps));
  app.use('/v1/ingest', auditRouter(deps));
  app.use(notFoundHandler);
  app.use(problemHandler);
  return app;
}
