// Working days, core working hours and the weekend cutover window, all in Europe/London.
//
// The Catalogue Solution Migration Process (CSMP) asks for two things to be reported to the Migration
// Management Agent: a Cut-Over Period that "exceeds 3 Working Days, whether planned or unplanned"
// (sections 4.1 and 5, Step 10), and a Cut-Over Period that "has an impact on core working hours"
// (section 4.1; section 4.5 asks for "each Cut-Over Period that overlapped with core working hours").
// It uses "Working Days" as a defined term of the Call Off Agreement and does not define "core working
// hours" at all. Here:
//
// * A working day is a London calendar day, Monday to Friday, that is not an England and Wales bank
//   holiday (bank-holidays.ts).
// * Core working hours are 08:00 to 18:30 London time on working days. The CSMP does not define
//   them; these are GP practices' contractual core hours (GMS Contract Regulations: "core hours"
//   are 8am to 6.30pm, Monday to Friday, except Good Friday, Christmas Day and bank holidays).
//   Note what follows from the roadmap item's "5pm Friday start": a cutover frozen at 17:00 on a
//   Friday overlaps the last 90 minutes of core hours, and is reported as touching them.
import { bankHolidayOn } from './bank-holidays.ts';
import { addDays, londonDate, londonInstant, londonParts, weekdayOf, type LocalDate } from './london.ts';

export const CORE_HOURS = { start: { hour: 8, minute: 0 }, end: { hour: 18, minute: 30 } } as const;

/** The weekend cutover (roadmap item): Friday 17:00 to the following Monday 08:00, London time. */
export const CUTOVER_START = { weekday: 5, hour: 17, minute: 0 } as const;
export const CUTOVER_END = { daysAfterStart: 3, hour: 8, minute: 0 } as const;

const HOUR_MS = 3_600_000;

/** Monday to Friday and not a bank holiday in England and Wales. A Date is read as its London date. */
export function isWorkingDay(date: LocalDate | Date): boolean {
  const local = typeof date === 'string' ? date : londonDate(date);
  const wd = weekdayOf(local);
  return wd >= 1 && wd <= 5 && bankHolidayOn(local) === null;
}

/** Each London calendar day that [a, b) touches, with its bounds as instants. */
function* londonDays(a: Date, b: Date): Generator<{ date: LocalDate; start: Date; end: Date }> {
  let date = londonDate(a);
  const last = londonDate(new Date(b.getTime() - 1));
  for (;;) {
    const next = addDays(date, 1);
    yield { date, start: londonInstant(date), end: londonInstant(next) };
    if (date >= last) return;
    date = next;
  }
}

const overlapMs = (a0: number, a1: number, b0: number, b1: number) => Math.max(0, Math.min(a1, b1) - Math.max(a0, b0));

/**
 * Elapsed time from `a` to `b` counted in working days, fractionally: each working day contributes
 * the fraction of its London calendar day (midnight to midnight) that lies between `a` and `b`;
 * weekends and bank holidays contribute nothing. So Friday 17:00 to Monday 08:00 is
 * 7/24 + 8/24 = 0.625 working days, and over a bank holiday Monday only the Friday's 7/24 counts up
 * to Tuesday 00:00. A day's fraction is of its own length, so the 23- and 25-hour days of the clock
 * changes (always Sundays, never working days) cannot skew it. Negative when `b` is before `a`.
 */
export function workingDaysBetween(a: Date, b: Date): number {
  if (b.getTime() < a.getTime()) return -workingDaysBetween(b, a);
  if (b.getTime() === a.getTime()) return 0;
  let total = 0;
  for (const day of londonDays(a, b)) {
    if (!isWorkingDay(day.date)) continue;
    const d0 = day.start.getTime();
    const d1 = day.end.getTime();
    total += overlapMs(a.getTime(), b.getTime(), d0, d1) / (d1 - d0);
  }
  return total;
}

/**
 * Hours of [start, end) that fall within core working hours (08:00-18:30 London time on working
 * days); zero when none do. The CSMP asks whether a Cut-Over Period overlapped core working hours:
 * it did when this is greater than zero.
 */
export function coreHoursOverlap(start: Date, end: Date): number {
  if (end.getTime() <= start.getTime()) return 0;
  let ms = 0;
  for (const day of londonDays(start, end)) {
    if (!isWorkingDay(day.date)) continue;
    const c0 = londonInstant(day.date, CORE_HOURS.start.hour, CORE_HOURS.start.minute).getTime();
    const c1 = londonInstant(day.date, CORE_HOURS.end.hour, CORE_HOURS.end.minute).getTime();
    ms += overlapMs(start.getTime(), end.getTime(), c0, c1);
  }
  return ms / HOUR_MS;
}

export interface CutoverWindow {
  /** Friday 17:00 London time. */
  start: Date;
  /** The following Monday 08:00 London time: the Target Solution operational (roadmap item). */
  goLive: Date;
}

/**
 * The weekend cutover window that starts on a Friday (roadmap item: "5pm Friday start, Target
 * Solution operational for 8am the following Monday"), as instants. Each bound takes the offset in
 * force at that moment, so a weekend with a clock change is an hour shorter or longer in absolute
 * time: 2026-03-27 17:00 GMT to 2026-03-30 08:00 BST (07:00Z) is 62 hours, 2026-10-23 17:00 BST
 * (16:00Z) to 2026-10-26 08:00 GMT is 64.
 */
export function cutoverWindow(friday: LocalDate): CutoverWindow {
  if (weekdayOf(friday) !== CUTOVER_START.weekday) throw new RangeError(`${friday} is not a Friday`);
  return {
    start: londonInstant(friday, CUTOVER_START.hour, CUTOVER_START.minute),
    goLive: londonInstant(addDays(friday, CUTOVER_END.daysAfterStart), CUTOVER_END.hour, CUTOVER_END.minute),
  };
}

/** Whether an instant is exactly 17:00:00.000 on a Friday, London time: the start of a weekend cutover. */
export function isCutoverStart(instant: Date): boolean {
  const p = londonParts(instant);
  return p.weekday === CUTOVER_START.weekday && p.hour === CUTOVER_START.hour && p.minute === CUTOVER_START.minute &&
    p.second === 0 && p.millisecond === 0;
}
