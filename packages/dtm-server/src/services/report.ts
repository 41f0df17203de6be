// The supplier's data migration report for the Migration Management Agent (CSMP section 4.5): every
// migration of the publisher's practices with the Cut-Over Period (CSMP glossary: final Data Extract
// to Technical Go-Live; here the freeze to target-complete), its duration in hours and working days,
// whether it overlapped core working hours, and the overall elapsed time. The CSMP measures elapsed
// time from the order to Business Go-Live; the DTM does not see the order, so it reports registration
// (the migration's start in the DTM) to acceptance, and Business Go-Live in its own column.
import { londonIso, type MigrationReport, type MigrationReportRow } from '@dtm/shared';
import type { Principal } from './access.ts';
import type { MigrationDeps } from './migrations.ts';
import { factsOf } from './migrations.ts';
import { migrationTiming, round } from '../domain/migration-timing.ts';
import * as repo from '../repo/migrations.ts';

const DAY_MS = 86_400_000;
const iso = (d: Date | null) => (d ? londonIso(d) : null);

export async function migrationReport(deps: MigrationDeps, who: Principal): Promise<MigrationReport> {
  const now = deps.clock.now();
  const rows = await repo.migrationsForPublisher(deps.pool, who.clientId);
  const extracts = await repo.extractsOf(deps.pool, rows.map((r) => r.id));
  const migrations = rows.map((r): MigrationReportRow => {
    const t = migrationTiming(factsOf(r, extracts), now);
    return {
      odsCode: r.practice,
      practiceName: r.practice_name,
      migrationId: r.id,
      state: r.state,
      sourceClientId: r.source_client_id,
      targetClientId: r.target_client_id,
      registeredAt: londonIso(r.registered_at),
      plannedCutoverStart: londonIso(r.planned_cutover_start),
      actualCutoverStart: iso(r.frozen_at),
      plannedTechnicalGoLive: londonIso(r.planned_go_live),
      actualTechnicalGoLive: iso(r.target_complete_at),
      businessGoLiveAt: iso(r.business_go_live_at),
      acceptedAt: iso(r.accepted_at),
      abortedAt: iso(r.aborted_at),
      cutOverPeriodHours: t.cutOverPeriodHours,
      cutOverPeriodWorkingDays: t.cutOverPeriodWorkingDays,
      cutOverPeriodOverThreeWorkingDays: t.cutOverPeriodOverThreeWorkingDays,
      coreHoursOverlap: t.coreHoursTouched,
      coreHoursOverlapHours: t.coreHoursOverlapHours,
      overallElapsedDays: r.accepted_at ? round((r.accepted_at.getTime() - r.registered_at.getTime()) / DAY_MS, 4) : null,
    };
  });
  return {
    generatedAt: londonIso(now),
    clientId: who.clientId,
    completed: migrations.filter((m) => m.state === 'accepted').length,
    migrations,
  };
}
