// Prometheus metrics (GET /metrics). Per-practice staleness and the age of the oldest open
// transaction are read from the database at scrape time.
import client from 'prom-client';
import type { Pool } from './db/pool.ts';
import { listPractices } from './repo/practices.ts';
import { oldestTransactionAgeSeconds } from './repo/changes.ts';
import { replayLagSeconds } from './repo/replica.ts';
import type { Clock } from './clock.ts';

export interface Metrics {
  registry: client.Registry;
  httpDuration: client.Histogram<'method' | 'route' | 'status'>;
  feedPages: client.Counter<'wait'>;
  feedChanges: client.Counter;
  ingestBatches: client.Counter<'result'>;
  ingestChanges: client.Counter<'kind'>;
  authFailures: client.Counter<'reason'>;
  authzRefusals: client.Counter<'reason'>;
  issuesRaised: client.Counter<'severity'>;
  issuesAnswered: client.Counter<'status'>;
  migrationTransitions: client.Counter<'to'>;
  /** Feed pages the read replica could not serve, so the primary did: `behind`, `error` or `resting`. */
  replicaFallbacks: client.Counter<'reason'>;
}

export function createMetrics(pool: Pool, clock: Clock, opts: { defaultMetrics?: boolean; readPool?: Pool } = {}): Metrics {
  const registry = new client.Registry();
  if (opts.defaultMetrics) client.collectDefaultMetrics({ register: registry });
  const m: Metrics = {
    registry,
    httpDuration: new client.Histogram({
      name: 'dtm_http_request_duration_seconds',
      help: 'HTTP request duration by route template and status.',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    }),
    feedPages: new client.Counter({ name: 'dtm_feed_pages_total', help: 'Feed pages served.', labelNames: ['wait'], registers: [registry] }),
    feedChanges: new client.Counter({ name: 'dtm_feed_changes_total', help: 'Changes served in feed pages.', registers: [registry] }),
    ingestBatches: new client.Counter({ name: 'dtm_ingest_batches_total', help: 'Ingest batches by result.', labelNames: ['result'], registers: [registry] }),
    ingestChanges: new client.Counter({ name: 'dtm_ingest_changes_total', help: 'Ingested items by outcome.', labelNames: ['kind'], registers: [registry] }),
    authFailures: new client.Counter({ name: 'dtm_auth_failures_total', help: 'Failed authentications (token endpoint errors and refused bearer tokens) by reason.', labelNames: ['reason'], registers: [registry] }),
    authzRefusals: new client.Counter({ name: 'dtm_authz_refusals_total', help: 'Authorisation refusals (403) and limits (429) by reason.', labelNames: ['reason'], registers: [registry] }),
    // Roadmap item: the TSS notifies the SSS of data issues, and the SSS responds, in a timely manner.
    issuesRaised: new client.Counter({ name: 'dtm_data_issues_raised_total', help: 'Data issues raised by consumers (new issues, not re-raises), by severity.', labelNames: ['severity'], registers: [registry] }),
    // The weekend cutover: each recorded move of a practice's migration, by the state entered.
    migrationTransitions: new client.Counter({ name: 'dtm_migration_transitions_total', help: 'Migration state moves recorded (registrations included), by the state entered.', labelNames: ['to'], registers: [registry] }),
    replicaFallbacks: new client.Counter({ name: 'dtm_read_replica_fallbacks_total', help: 'Feed pages served by the primary although a read replica is configured: behind (it had not replayed the cursor, or lacks the practice) error (it failed, e.g. is down), or resting (it failed less than 10 s ago and is left alone meanwhile).', labelNames: ['reason'], registers: [registry] }),
    issuesAnswered: new client.Counter({ name: 'dtm_data_issues_answered_total', help: 'Data issue status changes: publisher answers (acknowledged, resolved, wont-fix) and consumer closes, by status set.', labelNames: ['status'], registers: [registry] }),
  };
  new client.Gauge({
    name: 'dtm_practice_staleness_seconds',
    help: 'Seconds since sourceAsOf per practice (roadmap item limit: 43200).',
    labelNames: ['practice'],
    registers: [registry],
    async collect() {
      this.reset();
      const now = clock.now().getTime();
      for (const p of await listPractices(pool)) {
        if (p.source_as_of) this.set({ practice: p.ods }, (now - p.source_as_of.getTime()) / 1000);
      }
    },
  });
  new client.Gauge({
    name: 'dtm_oldest_transaction_age_seconds',
    help: 'Age of the oldest open transaction in the cluster (a stuck writer holds its practice; long ones hold back vacuum).',
    registers: [registry],
    async collect() {
      this.set(await oldestTransactionAgeSeconds(pool));
    },
  });
  const { readPool } = opts;
  if (readPool && readPool !== pool) {
    // A lagging replica delays every long-poll it serves by its lag (issue 7 aim: freshness p99 < 2 s).
    new client.Gauge({
      name: 'dtm_read_replica_lag_seconds',
      help: 'How far the read replica (DTM_READ_DATABASE_URL) is behind: seconds since the commit of the last transaction it replayed, 0 when it has replayed all it received.',
      registers: [registry],
      async collect() {
        // A replica that does not answer leaves the gauge empty and the other metrics scrapeable.
        const lag = await replayLagSeconds(readPool).catch(() => null);
        if (lag === null) this.reset();
        else this.set(lag);
      },
    });
  }
  return m;
}
