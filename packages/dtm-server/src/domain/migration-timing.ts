// The dates of a migration and the rules a tool can watch, computed from its record and "now".
// Pure: the plan's derived dates, the Cut-Over Period figures the CSMP asks to be reported, and the
// warnings. Everything is in Europe/London (shared/calendar).
import {
  MIGRATION_LIMITS, addLondonDays, coreHoursOverlap, cutoverWindow, formatLondonDateTime, londonDate, workingDaysBetween,
  type ExtractIterations, type MigrationState, type MigrationTiming, type MigrationWarning,
} from '@dtm/shared';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

export const round = (n: number, places = 2): number => Math.round(n * 10 ** places) / 10 ** places;

/** Default go-live: 08:00 on the Monday after a Friday 17:00 start (roadmap item). */
export const defaultGoLive = (plannedCutoverStart: Date): Date => cutoverWindow(londonDate(plannedCutoverStart)).goLive;

/**
 * Readiness deadline: 14 days before the start, at the same London wall-clock time (roadmap item: the
 * TSS confirms in writing "a minimum of 2 weeks prior to the cutover date"). Calendar days, not
 * 336 hours, so a clock change in between does not move it to 16:00 or 18:00.
 */
export const readinessDeadline = (plannedCutoverStart: Date): Date => addLondonDays(plannedCutoverStart, -MIGRATION_LIMITS.readinessLeadDays);

/** End of the run-off period: it "commences on Business Go-Live" (CSMP Step 12) and lasts the agreed days. */
export const runOffEndsAt = (businessGoLiveAt: Date | null, runOffDays: number): Date | null =>
  businessGoLiveAt ? addLondonDays(businessGoLiveAt, runOffDays) : null;

export interface MigrationFacts {
  state: MigrationState;
  plannedCutoverStart: Date;
  plannedGoLive: Date;
  readinessDeadline: Date;
  frozenAt: Date | null;
  targetCompleteAt: Date | null;
  abortedAt: Date | null;
  extractIterations: ExtractIterations[];
}

/**
 * The Cut-Over Period: the CSMP glossary's "time between the provision of the final Data Extract to
 * the Target Solution Supplier ... to the point of Technical Go-Live". With the DTM the final data is
 * provided when the Source freezes (every change is then in the feed, through finalWatermark), and
 * Technical Go-Live is target-complete. While the Target has not completed, the period runs to now
 * (so a tool sees an overrun as it happens); an abort after the freeze ends it at the abort.
 */
export function migrationTiming(m: MigrationFacts, now: Date): MigrationTiming {
  const start = m.frozenAt;
  const end = m.targetCompleteAt ?? m.abortedAt ?? (start ? now : null);
  const running = start !== null && m.targetCompleteAt === null && m.state === 'source-frozen';
  let window: MigrationTiming['window'] = null;
  if (m.targetCompleteAt) window = m.targetCompleteAt.getTime() <= m.plannedGoLive.getTime() ? 'within' : 'overran';
  else if ((m.state === 'cutover-started' || m.state === 'source-frozen') && now.getTime() > m.plannedGoLive.getTime()) window = 'overran';
  if (!start || !end) {
    return {
      cutOverPeriodHours: null, cutOverPeriodWorkingDays: null, cutOverPeriodOverThreeWorkingDays: null,
      coreHoursOverlapHours: null, coreHoursTouched: null, window, running,
    };
  }
  const workingDays = workingDaysBetween(start, end);
  const coreHours = coreHoursOverlap(start, end);
  // The yes/no answers come from the exact figures; the figures are rounded only for reading.
  return {
    cutOverPeriodHours: round((end.getTime() - start.getTime()) / HOUR_MS, 4),
    cutOverPeriodWorkingDays: round(workingDays, 4),
    cutOverPeriodOverThreeWorkingDays: workingDays > MIGRATION_LIMITS.maxCutOverWorkingDays,
    coreHoursOverlapHours: round(coreHours, 4),
    coreHoursTouched: coreHours > 0,
    window,
    running,
  };
}

/** The CSMP and roadmap rules a tool can watch, as warnings with a stable code. */
export function migrationWarnings(m: MigrationFacts, timing: MigrationTiming, now: Date): MigrationWarning[] {
  const out: MigrationWarning[] = [];
  if (m.state === 'registered' || m.state === 'syncing') {
    const deadline = m.readinessDeadline.getTime();
    if (now.getTime() >= deadline) {
      out.push({
        code: 'readiness-overdue',
        message: `The Target has not confirmed readiness and the deadline (${formatLondonDateTime(m.readinessDeadline)}) has passed: it must confirm in writing at least 2 weeks before the cutover.`,
      });
    } else if (deadline - now.getTime() <= MIGRATION_LIMITS.readinessWarningDays * DAY_MS) {
      out.push({
        code: 'readiness-due-soon',
        message: `The Target must confirm readiness by ${formatLondonDateTime(m.readinessDeadline)} (2 weeks before the cutover); it has not yet.`,
      });
    }
  }
  for (const e of m.extractIterations) {
    if (e.count > MIGRATION_LIMITS.maxExtractIterations) {
      out.push({
        code: 'extract-iterations-exceeded',
        message: `Client ${e.clientId} has made ${e.count} full initial extracts; the CSMP expects no more than ${MIGRATION_LIMITS.maxExtractIterations} iterations, beyond which the Migration Management Agent is to be notified.`,
      });
    }
  }
  if (timing.cutOverPeriodOverThreeWorkingDays) {
    out.push({
      code: 'cut-over-period-over-3-working-days',
      message: `The Cut-Over Period ${timing.running ? 'has run' : 'ran'} ${round(timing.cutOverPeriodWorkingDays!)} working days, over 3: report it to the Migration Management Agent.`,
    });
  }
  if (timing.coreHoursTouched) {
    out.push({
      code: 'core-hours-touched',
      message: `The Cut-Over Period ${timing.running ? 'has overlapped' : 'overlapped'} core working hours (08:00-18:30 on working days) by ${round(timing.coreHoursOverlapHours!)} h: report it to the Migration Management Agent.`,
    });
  }
  if (timing.window === 'overran') {
    out.push({
      code: 'go-live-overran',
      message: m.targetCompleteAt
        ? `Technical Go-Live came at ${formatLondonDateTime(m.targetCompleteAt)}, after the planned ${formatLondonDateTime(m.plannedGoLive)}.`
        : `The planned go-live (${formatLondonDateTime(m.plannedGoLive)}) has passed and the Target has not completed.`,
    });
  }
  return out;
}
