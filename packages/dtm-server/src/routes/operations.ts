// Health, metrics and the contract itself: unauthenticated operational endpoints.
import { readFile } from 'node:fs/promises';
import { Router } from 'express';
import { OPENAPI_PATH, PROBLEM_CONTENT_TYPE, PROBLEM_TYPES } from '@dtm/shared';
import type { AppDeps } from '../app.ts';
import { pendingMigrations } from '../db/migrate.ts';

export function operationsRouter(deps: AppDeps): Router {
  const r = Router();
  const spec = readFile(OPENAPI_PATH, 'utf8');

  r.get('/health/live', (_req, res) => {
    res.json({ status: 'ok' });
  });

  r.get('/health/ready', async (req, res) => {
    let database = 'ok';
    let migrations = 'ok';
    try {
      await deps.pool.query('SELECT 1');
      const pending = await pendingMigrations(deps.pool);
      if (pending.length) migrations = `pending: ${pending.join(', ')}`;
    } catch {
      database = 'unreachable';
      migrations = 'unknown';
    }
    if (database === 'ok' && migrations === 'ok' && !deps.shutdownSignal.aborted) {
      res.json({ status: 'ok', checks: { database, migrations } });
      return;
    }
    res.status(503).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify({
      type: PROBLEM_TYPES.unavailable,
      title: 'Not ready',
      status: 503,
      detail: deps.shutdownSignal.aborted ? 'Shutting down.' : `database: ${database}; migrations: ${migrations}`,
      requestId: String(req.id ?? ''),
    }));
  });

  // Metrics name practices and their freshness, not patient data, but they are still not public:
  // a bearer token of their own (DTM_METRICS_TOKEN), or loopback callers only.
  r.get('/metrics', async (req, res) => {
    const token = deps.config.metricsToken;
    const allowed = token
      ? req.get('authorization') === `Bearer ${token}`
      : ['127.0.0.1', '::1', '::ffff:127.0.0.1'].includes(req.socket.remoteAddress ?? '');
    if (!allowed) {
      res.status(token ? 401 : 403).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify({
        type: token ? PROBLEM_TYPES.unauthorized : PROBLEM_TYPES.forbidden,
        title: token ? 'Unauthorized' : 'Forbidden',
        status: token ? 401 : 403,
        detail: token ? 'Send Authorization: Bearer <DTM_METRICS_TOKEN>.' : 'Set DTM_METRICS_TOKEN to read metrics from another host.',
        requestId: String(req.id ?? ''),
      }));
      return;
    }
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });

  r.get('/openapi.yaml', async (_req, res) => {
    res.type('application/yaml').send(await spec);
  });

  return r;
}
