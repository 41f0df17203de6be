// RFC 4180 CSV for the data migration report: CRLF line ends, a header row, a field quoted when it
// holds a comma, a double quote, CR or LF, with its quotes doubled. Items that do not apply (yet) are
// written `n/a`: the CSMP (section 4.5) asks that "where a particular item of information is not
// applicable, this should be stated". Text that a spreadsheet would run as a formula (starting with
// =, +, -, @, tab or CR) is prefixed with a single quote: practice names come from the publisher.
import type { MigrationReportRow } from '@dtm/shared';

export const REPORT_COLUMNS: readonly [keyof MigrationReportRow, string][] = [
  ['odsCode', 'ods_code'],
  ['practiceName', 'practice_name'],
  ['migrationId', 'migration_id'],
  ['state', 'state'],
  ['sourceClientId', 'source_client_id'],
  ['targetClientId', 'target_client_id'],
  ['registeredAt', 'registered_at'],
  ['plannedCutoverStart', 'planned_cutover_start'],
  ['actualCutoverStart', 'actual_cutover_start'],
  ['plannedTechnicalGoLive', 'planned_technical_go_live'],
  ['actualTechnicalGoLive', 'actual_technical_go_live'],
  ['businessGoLiveAt', 'business_go_live_at'],
  ['acceptedAt', 'accepted_at'],
  ['abortedAt', 'aborted_at'],
  ['cutOverPeriodHours', 'cut_over_period_hours'],
  ['cutOverPeriodWorkingDays', 'cut_over_period_working_days'],
  ['cutOverPeriodOverThreeWorkingDays', 'cut_over_period_over_3_working_days'],
  ['coreHoursOverlap', 'core_hours_overlap'],
  ['coreHoursOverlapHours', 'core_hours_overlap_hours'],
  ['overallElapsedDays', 'overall_elapsed_days'],
];

const NOT_APPLICABLE = 'n/a';

function field(value: string | number | boolean | null): string {
  if (value === null) return NOT_APPLICABLE;
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'number') return String(value);
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function reportCsv(rows: MigrationReportRow[]): string {
  const lines = [REPORT_COLUMNS.map(([, header]) => header).join(',')];
  for (const row of rows) lines.push(REPORT_COLUMNS.map(([key]) => field(row[key])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
