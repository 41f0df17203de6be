// `dtm-client status`: both clocks of the roadmap item side by side. The DTM's freshness (12 h) from
// the server, the local checkpoint and consumption (6 h) from the store, and open data issues.
import { readFile } from 'node:fs/promises';
import type { ClientConfig } from './config.ts';
import { DtmClient } from './client.ts';
import { openStore } from './store/open.ts';
import type { LocalFigures } from './store/store.ts';
import type { PracticeStatus } from '@dtm/shared';

export interface StatusReport {
  practice: string;
  server: PracticeStatus | { error: string };
  local: LocalFigures & { cursor: string | null; upToDate: boolean | null; behindSeconds: number | null; resyncs: number };
  text: string;
}

const ago = (iso: string | Date | null | undefined) => (iso ? `${new Date(iso).toISOString()}` : 'never');
const secs = (n: number | null | undefined) => (n === null || n === undefined ? '-' : n < 120 ? `${n.toFixed(1)} s` : n < 7200 ? `${(n / 60).toFixed(1)} min` : `${(n / 3600).toFixed(1)} h`);

export async function statusReport(config: ClientConfig): Promise<StatusReport> {
  const client = new DtmClient({ baseUrl: config.serverUrl, clientId: config.clientId, privateKey: await readFile(config.privateKeyFile, 'utf8'), retry: { maxAttempts: 2, baseDelayMs: 200, maxDelayMs: 1000 } });
  const opened = await openStore({ databaseUrl: config.targetDatabaseUrl, dataDir: config.dataDir });
  try {
    const [server, figures, cp] = await Promise.all([
      client.status(config.practice).catch((err: Error) => ({ error: err.message })),
      opened.store.figures(config.practice),
      opened.store.checkpoint(config.practice),
    ]);
    const st = 'error' in server ? null : server;
    const upToDate = st && cp ? (st.watermark.highWaterCursor ?? null) === cp.cursor : null;
    const behindSeconds = st?.watermark.lastUpdatedAt
      ? upToDate ? 0 : Math.max(0, (Date.parse(st.watermark.lastUpdatedAt) - (figures.lastAppliedLastUpdated?.getTime() ?? 0)) / 1000)
      : null;
    const me = st?.consumers?.find((c) => c.clientId === config.clientId);
    const lines = [
      `Practice ${config.practice} at ${config.serverUrl}`,
      st
        ? `  DTM: source as of ${ago(st.watermark.sourceAsOf)} (staleness ${secs(st.staleness.seconds)}, ${st.staleness.withinLimit ? 'within' : 'OVER'} the 12 h limit); data last updated ${ago(st.watermark.lastUpdatedAt)}`
        : `  DTM: unreachable: ${(server as { error: string }).error}`,
      st ? `  DTM holds ${st.counts.reduce((n, c) => n + c.live, 0)} live resources, ${st.counts.reduce((n, c) => n + c.deleted, 0)} tombstones, ${st.binaries.count} binaries` : '',
      `  Local: ${figures.live} live resources, ${figures.deleted} tombstones; checkpoint ${cp?.cursor ? 'set' : 'none (initial extract pending)'}${cp?.resyncs ? `; ${cp.resyncs} full resync(s)` : ''}`,
      `  Behind: ${upToDate === null ? 'unknown' : upToDate ? 'no, up to date' : `yes, about ${secs(behindSeconds)} of changes`}`,
      `  Last retrieval (server's record): ${ago(me?.lastRetrievalAt)}${me?.overdue ? ' (OVERDUE: retrieve at least weekly)' : ''}; last local run ${ago(figures.lastRun?.started_at)} (${figures.lastRun?.outcome ?? 'running or never'})`,
      `  Consumption delay (6 h rule): ${figures.consumption.changes} changes; p50 <= ${secs(figures.consumption.p50AtMostSeconds)}, p95 <= ${secs(figures.consumption.p95AtMostSeconds)}, max ${secs(figures.consumption.maxDelaySeconds)}, ${figures.consumption.overLimit} over 6 h`,
      `  Binaries: ${Object.entries(figures.binaries).map(([k, v]) => `${v} ${k}`).join(', ') || 'none'}`,
      `  Quarantined: ${figures.quarantine.length ? figures.quarantine.map((q) => `${q.resources} ${q.resourceType} (${q.rule})`).join(', ') : 'none'}`,
      st && 'issues' in st ? `  Data issues open on the DTM: ${(st as { issues: { open: number } }).issues.open}` : '',
    ].filter(Boolean);
    return {
      practice: config.practice, server,
      local: { ...figures, cursor: cp?.cursor ?? null, upToDate, behindSeconds, resyncs: cp?.resyncs ?? 0 },
      text: lines.join('\n') + '\n',
    };
  } finally {
    await client.close();
    await opened.close();
  }
}
