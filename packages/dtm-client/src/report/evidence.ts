// Gathers the evidence pack from the Target store, the DTM and (for a rehearsal) the run itself.
import { AVAILABILITY_LIMIT_SECONDS, STALENESS_LIMIT_SECONDS } from '@dtm/shared';
import type { DtmClient } from '../client.ts';
import type { Store } from '../store/store.ts';
import type { Migration, VerifyResult } from '../cutover.ts';
import type { Evidence } from './evidence-types.ts';

export interface EvidenceInput {
  client: DtmClient;
  store: Store;
  practice: string;
  practiceName: string | null;
  serverUrl: string;
  verify: VerifyResult | null;
  migration: Migration | null;
  timeline?: Evidence['timeline'];
  samples?: Evidence['freshness']['samples'];
  initialExtractSeconds?: number | null;
  cutover?: {
    plannedStart: Date | string | null; plannedGoLive: Date | string | null; frozenAt: string | null; finalWatermark: string | null;
    drainedAt: Date | null; verifiedAt: Date | null; targetCompleteAt: Date | null; dataPhaseSeconds: number | null;
  };
}

const iso = (d: Date | string | null | undefined) => (d ? new Date(d).toISOString() : null);

export async function buildEvidence(i: EvidenceInput): Promise<Evidence> {
  const f = await i.store.figures(i.practice);
  const byType = await i.store.pool.query<{ resource_type: string; n: number; bytes: string }>(
    'SELECT resource_type, count(*)::int AS n, coalesce(sum(octet_length(body)), 0)::text AS bytes FROM dtm_resource WHERE practice = $1 AND NOT deleted GROUP BY 1 ORDER BY 2 DESC', [i.practice]);
  const quarantined = f.quarantine.reduce((n, q) => n + q.resources, 0);
  const checked = f.live + f.deleted;
  const issues = (await i.client.send('GET', `/v1/practices/${i.practice}/issues?limit=1000`).catch(() => ({ issues: [] }))) as {
    issues: { id: string; rule: string; severity: string; status: string; resources: unknown[]; raisedAt: string; responseSeconds: number | null }[];
  };
  const binaryBytes = await i.store.pool.query<{ bytes: string; n: number }>("SELECT coalesce(sum(size), 0)::text AS bytes, count(*)::int AS n FROM dtm_binary WHERE practice = $1", [i.practice]);
  const cut = i.cutover;
  const withinWindow = cut?.targetCompleteAt && cut.plannedGoLive ? new Date(cut.targetCompleteAt) <= new Date(cut.plannedGoLive) : null;
  const pass = Boolean(i.verify?.match) && (withinWindow ?? true) && f.consumption.overLimit === 0;
  const text = !i.verify
    ? 'No completeness check in this run.'
    : pass
      ? `PASS: the Target holds exactly what the Source held (${i.verify.client.total.live} live resources, ${i.verify.client.total.deleted} deletions, ${i.verify.binaries.verified} documents)${cut?.dataPhaseSeconds != null ? `; cutover data phase ${cut.dataPhaseSeconds.toFixed(1)} s` : ''}.`
      : `FAIL: ${i.verify.match ? (withinWindow === false ? 'target-complete after the planned go-live' : 'consumption over the 6 h limit') : 'the Target does not hold exactly what the Source held'}.`;
  return {
    schema: 'dtm-evidence/1',
    generatedAt: new Date().toISOString(),
    practice: { ods: i.practice, name: i.practiceName },
    server: i.serverUrl,
    verdict: { pass, text },
    initialExtract: {
      resources: checked,
      bytes: byType.rows.reduce((n, r) => n + Number(r.bytes), 0),
      seconds: i.initialExtractSeconds ?? null,
      byType: byType.rows.map((r) => ({ resourceType: r.resource_type, count: r.n })),
      validation: { checked, passed: checked - quarantined, quarantined, byRule: f.quarantine },
    },
    freshness: {
      stalenessLimitSeconds: STALENESS_LIMIT_SECONDS,
      consumptionLimitSeconds: AVAILABILITY_LIMIT_SECONDS,
      samples: i.samples ?? [],
      consumption: f.consumption,
    },
    issues: issues.issues.map((x) => ({ id: x.id, rule: x.rule, severity: x.severity, status: x.status, resources: x.resources.length, raisedAt: x.raisedAt, responseSeconds: x.responseSeconds })),
    cutover: cut ? {
      plannedStart: iso(cut.plannedStart), plannedGoLive: iso(cut.plannedGoLive), frozenAt: cut.frozenAt, finalWatermark: cut.finalWatermark,
      drainedAt: iso(cut.drainedAt), verifiedAt: iso(cut.verifiedAt), targetCompleteAt: iso(cut.targetCompleteAt), dataPhaseSeconds: cut.dataPhaseSeconds, withinWindow,
    } : null,
    digest: i.verify ? { match: i.verify.match, server: i.verify.server, client: i.verify.client, differences: i.verify.differences } : null,
    binaries: { expected: binaryBytes.rows[0]?.n ?? 0, verified: f.binaries.verified ?? 0, failed: f.binaries.failed ?? 0, bytes: Number(binaryBytes.rows[0]?.bytes ?? 0) },
    migration: i.migration ? { state: i.migration.state, history: i.migration.history, warnings: i.migration.warnings } : null,
    timeline: i.timeline ?? [],
  };
}
