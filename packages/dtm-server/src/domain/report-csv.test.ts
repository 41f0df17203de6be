// RFC 4180 output of the data migration report: header, CRLF, quoting, n/a, yes/no, formula guard.
import { describe, expect, it } from 'vitest';
import type { MigrationReportRow } from '@dtm/shared';
import { REPORT_COLUMNS, reportCsv } from './report-csv.ts';

const row = (over: Partial<MigrationReportRow> = {}): MigrationReportRow => ({
  odsCode: 'A12345', practiceName: 'The Village Surgery', migrationId: '9b2e4c1a-7f3d-4e8b-a6c5-0d1f2e3a4b5c', state: 'accepted',
  sourceClientId: 'source', targetClientId: 'target', registeredAt: '2026-10-01T10:00:00+01:00',
  plannedCutoverStart: '2026-11-27T17:00:00+00:00', actualCutoverStart: '2026-11-27T17:30:00+00:00',
  plannedTechnicalGoLive: '2026-11-30T08:00:00+00:00', actualTechnicalGoLive: null, businessGoLiveAt: null, acceptedAt: null, abortedAt: null,
  cutOverPeriodHours: 16.5, cutOverPeriodWorkingDays: 0.2708, cutOverPeriodOverThreeWorkingDays: false, coreHoursOverlap: true,
  coreHoursOverlapHours: 1, overallElapsedDays: null, ...over,
});

describe('reportCsv', () => {
  it('writes a header row and CRLF-terminated records', () => {
    const csv = reportCsv([row()]);
    const lines = csv.split('\r\n');
    expect(lines).toHaveLength(3);
    expect(lines[2]).toBe('');
    expect(lines[0]!.split(',')).toEqual(REPORT_COLUMNS.map(([, h]) => h));
    expect(lines[1]).toBe('A12345,The Village Surgery,9b2e4c1a-7f3d-4e8b-a6c5-0d1f2e3a4b5c,accepted,source,target,2026-10-01T10:00:00+01:00,' +
      '2026-11-27T17:00:00+00:00,2026-11-27T17:30:00+00:00,2026-11-30T08:00:00+00:00,n/a,n/a,n/a,n/a,16.5,0.2708,no,yes,1,n/a');
  });

  it('quotes commas, quotes and line breaks, and guards against spreadsheet formulas', () => {
    const csv = reportCsv([row({ practiceName: 'Smith, "Jones" & Partners\nUnit 2' }), row({ practiceName: '=HYPERLINK("x")' }), row({ practiceName: null })]);
    const [, a, b, c] = csv.split('\r\n');
    expect(a).toContain(',"Smith, ""Jones"" & Partners\nUnit 2",');
    expect(b).toContain(',"\'=HYPERLINK(""x"")",');
    expect(c).toContain('A12345,n/a,');
  });

  it('writes just the header when there is nothing to report', () => {
    expect(reportCsv([])).toBe(`${REPORT_COLUMNS.map(([, h]) => h).join(',')}\r\n`);
  });
});
