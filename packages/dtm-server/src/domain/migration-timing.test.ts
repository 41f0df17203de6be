// The plan's derived dates, the Cut-Over Period figures and the warnings, on fixed instants.
import { describe, expect, it } from 'vitest';
import { defaultGoLive, migrationTiming, migrationWarnings, readinessDeadline, runOffEndsAt, type MigrationFacts } from './migration-timing.ts';

const start = new Date('2026-11-27T17:00:00Z');
const facts = (over: Partial<MigrationFacts> = {}): MigrationFacts => ({
  state: 'source-frozen',
  plannedCutoverStart: start,
  plannedGoLive: defaultGoLive(start),
  readinessDeadline: readinessDeadline(start),
  frozenAt: new Date('2026-11-27T19:00:00Z'),
  targetCompleteAt: null,
  abortedAt: null,
  extractIterations: [],
  ...over,
});

describe('plan dates', () => {
  it('derives go-live, readiness deadline and run-off end in London time', () => {
    expect(defaultGoLive(start).toISOString()).toBe('2026-11-30T08:00:00.000Z');
    expect(readinessDeadline(start).toISOString()).toBe('2026-11-13T17:00:00.000Z');
    // Across the October change: 14 calendar days before 17:00 GMT is 17:00 BST.
    expect(readinessDeadline(new Date('2026-10-30T17:00:00Z')).toISOString()).toBe('2026-10-16T16:00:00.000Z');
    expect(runOffEndsAt(new Date('2026-03-16T09:00:00Z'), 30)?.toISOString()).toBe('2026-04-15T08:00:00.000Z'); // 09:00 GMT -> 09:00 BST
    expect(runOffEndsAt(null, 30)).toBeNull();
  });
});

describe('migrationTiming', () => {
  it('is all null before the freeze', () => {
    expect(migrationTiming(facts({ state: 'cutover-started', frozenAt: null }), new Date('2026-11-27T18:00:00Z'))).toEqual({
      cutOverPeriodHours: null, cutOverPeriodWorkingDays: null, cutOverPeriodOverThreeWorkingDays: null,
      coreHoursOverlapHours: null, coreHoursTouched: null, window: null, running: false,
    });
  });

  it('runs to now while the Target has not completed, and flags an overrun of the planned go-live', () => {
    const t = migrationTiming(facts(), new Date('2026-11-30T10:00:00Z'));
    expect(t).toMatchObject({ running: true, cutOverPeriodHours: 63, window: 'overran', coreHoursTouched: true, coreHoursOverlapHours: 2 });
    expect(t.cutOverPeriodWorkingDays).toBeCloseTo(5 / 24 + 10 / 24, 4);
  });

  it('reports a Cut-Over Period over 3 working days, and ends an aborted one at the abort', () => {
    const long = facts({ state: 'target-complete', targetCompleteAt: new Date('2026-12-03T12:00:00Z') });
    const t = migrationTiming(long, new Date('2027-01-01T00:00:00Z'));
    expect(t).toMatchObject({ cutOverPeriodOverThreeWorkingDays: true, window: 'overran', running: false });
    expect(t.cutOverPeriodWorkingDays).toBeCloseTo(5 / 24 + 3 + 12 / 24, 4);
    expect(migrationWarnings(long, t, new Date()).map((w) => w.code)).toEqual(['cut-over-period-over-3-working-days', 'core-hours-touched', 'go-live-overran']);
    const aborted = migrationTiming(facts({ state: 'aborted', abortedAt: new Date('2026-11-28T19:00:00Z') }), new Date('2027-01-01T00:00:00Z'));
    expect(aborted).toMatchObject({ cutOverPeriodHours: 24, running: false, window: null, coreHoursTouched: false });
  });
});

describe('migrationWarnings', () => {
  const at = (iso: string, over: Partial<MigrationFacts> = {}) => {
    const f = facts({ state: 'syncing', frozenAt: null, ...over });
    const now = new Date(iso);
    return migrationWarnings(f, migrationTiming(f, now), now).map((w) => w.code);
  };

  it('watches the readiness deadline until the Target confirms', () => {
    expect(at('2026-11-10T16:59:59Z')).toEqual([]);
    expect(at('2026-11-10T17:00:00Z')).toEqual(['readiness-due-soon']);
    expect(at('2026-11-13T17:00:00Z')).toEqual(['readiness-overdue']);
    expect(at('2026-11-13T17:00:00Z', { state: 'registered' })).toEqual(['readiness-overdue']);
    expect(at('2026-11-13T17:00:00Z', { state: 'readiness-confirmed' })).toEqual([]);
    expect(at('2026-11-13T17:00:00Z', { state: 'aborted' })).toEqual([]);
  });

  it('flags more than 5 extract iterations per consumer', () => {
    expect(at('2026-11-01T00:00:00Z', { extractIterations: [{ clientId: 'a', count: 5 }] })).toEqual([]);
    expect(at('2026-11-01T00:00:00Z', { extractIterations: [{ clientId: 'a', count: 6 }, { clientId: 'b', count: 7 }] }))
      .toEqual(['extract-iterations-exceeded', 'extract-iterations-exceeded']);
  });
});
