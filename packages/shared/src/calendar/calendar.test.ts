// Calendar rules against the published England and Wales bank holidays (gov.uk/bank-holidays) and
// the clock changes of 2026 (last Sundays of March and October).
import { describe, expect, it } from 'vitest';
import {
  addLondonDays, bankHolidays, coreHoursOverlap, cutoverWindow, easterSunday, isBankHoliday, isCutoverStart,
  formatLondonDate, formatLondonDateTime, isWorkingDay, londonInstant, londonIso, londonOffsetMinutes, workingDaysBetween,
} from './index.ts';

const dates = (year: number) => bankHolidays(year).map((d) => d.date);

describe('England and Wales bank holidays', () => {
  it.each([
    [2025, ['2025-01-01', '2025-04-18', '2025-04-21', '2025-05-05', '2025-05-26', '2025-08-25', '2025-12-25', '2025-12-26']],
    [2026, ['2026-01-01', '2026-04-03', '2026-04-06', '2026-05-04', '2026-05-25', '2026-08-31', '2026-12-25', '2026-12-28']],
    [2027, ['2027-01-01', '2027-03-26', '2027-03-29', '2027-05-03', '2027-05-31', '2027-08-30', '2027-12-27', '2027-12-28']],
  ])('%i matches the gov.uk list', (year, expected) => {
    expect(dates(year)).toEqual(expected);
  });

  it('names substitute days', () => {
    expect(bankHolidays(2026).at(-1)).toEqual({ date: '2026-12-28', name: 'Boxing Day (substitute day)' });
    expect(bankHolidays(2027).slice(-2).map((d) => d.name)).toEqual(['Christmas Day (substitute day)', 'Boxing Day (substitute day)']);
    // Christmas on a Sunday: Boxing Day on the Monday, Christmas substitute on the Tuesday.
    expect(dates(2022).slice(-2)).toEqual(['2022-12-26', '2022-12-27']);
    // New Year's Day on a Saturday (2022) and a Sunday (2023).
    expect(dates(2022)[0]).toBe('2022-01-03');
    expect(dates(2023)[0]).toBe('2023-01-02');
  });

  it('applies the one-off proclamations', () => {
    expect(dates(2020)).toContain('2020-05-08');
    expect(dates(2020)).not.toContain('2020-05-04');
    expect(dates(2022)).toEqual(expect.arrayContaining(['2022-06-02', '2022-06-03', '2022-09-19']));
    expect(dates(2022)).not.toContain('2022-05-30');
    expect(dates(2023)).toEqual(expect.arrayContaining(['2023-05-01', '2023-05-08']));
    expect(dates(2023)).toHaveLength(9);
  });

  it('computes Gregorian Easter', () => {
    expect(['2024', '2025', '2026', '2027', '2038', '2285'].map((y) => easterSunday(Number(y))))
      .toEqual(['2024-03-31', '2025-04-20', '2026-04-05', '2027-03-28', '2038-04-25', '2285-03-22']);
  });

  it('reads an instant by its London date', () => {
    // 23:30Z on 30 Aug 2026 is 00:30 BST on Monday 31 August, a bank holiday.
    expect(isBankHoliday(new Date('2026-08-30T23:30:00Z'))).toBe(true);
    expect(isBankHoliday('2026-08-30')).toBe(false);
  });
});

describe('working days', () => {
  it('is Monday to Friday except bank holidays', () => {
    expect(isWorkingDay('2026-08-28')).toBe(true); // Friday
    expect(isWorkingDay('2026-08-29')).toBe(false); // Saturday
    expect(isWorkingDay('2026-08-31')).toBe(false); // summer bank holiday
    expect(isWorkingDay('2026-09-01')).toBe(true);
  });

  it('counts elapsed time on working days only, fractionally', () => {
    const { start, goLive: end } = cutoverWindow('2026-11-20');
    expect(workingDaysBetween(start, end)).toBeCloseTo(7 / 24 + 8 / 24, 10);
    // Across the summer bank holiday weekend: Friday 17:00 to Tuesday 08:00 is still 15/24 of a
    // working day, because Monday 31 August does not count.
    const fri = londonInstant('2026-08-28', 17);
    const tue = londonInstant('2026-09-01', 8);
    expect(workingDaysBetween(fri, tue)).toBeCloseTo(15 / 24, 10);
    expect(workingDaysBetween(fri, londonInstant('2026-09-02', 8))).toBeCloseTo(15 / 24 + 1, 10);
    expect(workingDaysBetween(tue, fri)).toBeCloseTo(-15 / 24, 10);
    // Easter 2026: Thursday 2 April 18:00 to Tuesday 7 April 09:00 is 6/24 + 9/24.
    expect(workingDaysBetween(londonInstant('2026-04-02', 18), londonInstant('2026-04-07', 9))).toBeCloseTo(15 / 24, 10);
    // Whole working weeks count whole days.
    expect(workingDaysBetween(londonInstant('2026-03-23'), londonInstant('2026-04-06'))).toBeCloseTo(9, 10); // Good Friday 3 April
  });
});

describe('core working hours', () => {
  it('overlap 08:00-18:30 London time on working days', () => {
    const { start, goLive: end } = cutoverWindow('2026-11-20');
    // 17:00-18:30 Friday; Monday from 08:00 is not reached.
    expect(coreHoursOverlap(start, end)).toBeCloseTo(1.5, 10);
    expect(coreHoursOverlap(londonInstant('2026-11-20', 18, 30), end)).toBe(0);
    expect(coreHoursOverlap(londonInstant('2026-11-20', 19), londonInstant('2026-11-23', 9))).toBeCloseTo(1, 10);
    // Over the bank holiday Monday nothing counts until Tuesday 08:00.
    expect(coreHoursOverlap(londonInstant('2026-08-28', 19), londonInstant('2026-09-01', 8))).toBe(0);
    expect(coreHoursOverlap(londonInstant('2026-08-28', 19), londonInstant('2026-09-01', 10))).toBeCloseTo(2, 10);
  });
});

describe('the cutover window across clock changes', () => {
  it('spring forward: Friday 27 March 17:00 GMT to Monday 30 March 08:00 BST', () => {
    const w = cutoverWindow('2026-03-27');
    expect(w.start.toISOString()).toBe('2026-03-27T17:00:00.000Z');
    expect(w.goLive.toISOString()).toBe('2026-03-30T07:00:00.000Z');
    expect((w.goLive.getTime() - w.start.getTime()) / 3_600_000).toBe(62);
  });

  it('fall back: Friday 23 October 17:00 BST to Monday 26 October 08:00 GMT', () => {
    const w = cutoverWindow('2026-10-23');
    expect(w.start.toISOString()).toBe('2026-10-23T16:00:00.000Z');
    expect(w.goLive.toISOString()).toBe('2026-10-26T08:00:00.000Z');
    expect((w.goLive.getTime() - w.start.getTime()) / 3_600_000).toBe(64);
  });

  it('refuses a day that is not a Friday, and recognises a cutover start', () => {
    expect(() => cutoverWindow('2026-10-24')).toThrow(/not a Friday/);
    expect(isCutoverStart(new Date('2026-10-23T16:00:00Z'))).toBe(true);
    expect(isCutoverStart(new Date('2026-10-23T17:00:00Z'))).toBe(false); // 18:00 BST
    expect(isCutoverStart(new Date('2026-11-27T17:00:00Z'))).toBe(true); // GMT
    expect(isCutoverStart(new Date('2026-11-27T17:00:00.001Z'))).toBe(false);
  });
});

describe('London time', () => {
  it('knows the offset either side of each change', () => {
    expect(londonOffsetMinutes(new Date('2026-03-29T00:59:59Z'))).toBe(0);
    expect(londonOffsetMinutes(new Date('2026-03-29T01:00:00Z'))).toBe(60);
    expect(londonOffsetMinutes(new Date('2026-10-25T00:59:59Z'))).toBe(60);
    expect(londonOffsetMinutes(new Date('2026-10-25T01:00:00Z'))).toBe(0);
  });

  it('resolves repeated and skipped wall-clock times', () => {
    // 01:30 happens twice on 25 October 2026: the first (BST) is chosen.
    expect(londonInstant('2026-10-25', 1, 30).toISOString()).toBe('2026-10-25T00:30:00.000Z');
    // 01:30 never happens on 29 March 2026: the clock shows 02:30 BST at that moment.
    expect(londonIso(londonInstant('2026-03-29', 1, 30))).toBe('2026-03-29T02:30:00+01:00');
  });

  it('adds calendar days keeping the wall-clock time, and formats with the offset', () => {
    // Two weeks before a cutover after the spring change: 17:00 GMT, not 16:00.
    expect(londonIso(addLondonDays(new Date('2026-04-10T16:00:00Z'), -14))).toBe('2026-03-27T17:00:00+00:00');
    expect(londonIso(new Date('2026-08-28T16:00:00Z'))).toBe('2026-08-28T17:00:00+01:00');
  });

  it('formats dates for letters with the zone in force', () => {
    expect(formatLondonDate(new Date('2026-08-28T23:30:00Z'))).toBe('Saturday 29 August 2026');
    expect(formatLondonDateTime(new Date('2026-08-28T16:00:00Z'))).toBe('Friday 28 August 2026, 17:00 BST');
    expect(formatLondonDateTime(new Date('2026-11-27T17:00:00Z'))).toBe('Friday 27 November 2026, 17:00 GMT');
  });

  it('refuses impossible dates', () => {
    expect(() => londonInstant('2026-02-30')).toThrow(RangeError);
    expect(() => bankHolidays(1970)).toThrow(RangeError);
  });
});
