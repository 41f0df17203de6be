// Bank holidays in England and Wales, computed by rule (Banking and Financial Dealings Act 1971 and
// the royal proclamations that move or add days), so the calendar needs no yearly data file. The
// rules as they stand since 1978, when the early May bank holiday was first held:
//
//   New Year's Day    1 January; on a Saturday or Sunday, the following Monday instead
//   Good Friday       two days before Easter Sunday (Gregorian computus, below)
//   Easter Monday     the day after Easter Sunday
//   Early May         the first Monday of May
//   Spring            the last Monday of May
//   Summer            the last Monday of August
//   Christmas Day     25 December   } a day falling on a weekend is replaced by the next weekday
//   Boxing Day        26 December   } not already a holiday (Sat 25 -> Mon 27 and Tue 28;
//                                     Sun 25 -> Mon 26 and Tue 27; Sat 26 -> Mon 28)
//
// plus the one-off changes by proclamation listed in ONE_OFF below (gov.uk publishes them as they
// are announced: check it when a new one is proclaimed, and add it there).
import { addDays, formatLocalDate, londonDate, parseLocalDate, weekdayOf, type LocalDate } from './london.ts';

export interface BankHoliday {
  date: LocalDate;
  name: string;
}

/** The first year the rules above describe completely (the early May bank holiday began in 1978). */
export const FIRST_RULE_YEAR = 1978;

interface OneOff {
  /** A rule-made holiday this proclamation moved, by name. */
  moves?: { name: string; to: LocalDate };
  /** An extra holiday. */
  adds?: BankHoliday;
}

const ONE_OFF: Record<number, OneOff[]> = {
  1995: [{ moves: { name: 'Early May bank holiday', to: '1995-05-08' } }], // VE Day 50th anniversary
  1999: [{ adds: { date: '1999-12-31', name: 'Millennium Celebrations' } }],
  2002: [
    { moves: { name: 'Spring bank holiday', to: '2002-06-04' } },
    { adds: { date: '2002-06-03', name: 'Golden Jubilee bank holiday' } },
  ],
  2011: [{ adds: { date: '2011-04-29', name: 'Royal wedding' } }],
  2012: [
    { moves: { name: 'Spring bank holiday', to: '2012-06-04' } },
    { adds: { date: '2012-06-05', name: 'Diamond Jubilee bank holiday' } },
  ],
  2020: [{ moves: { name: 'Early May bank holiday', to: '2020-05-08' } }], // VE Day 75th anniversary
  2022: [
    { moves: { name: 'Spring bank holiday', to: '2022-06-02' } },
    { adds: { date: '2022-06-03', name: 'Platinum Jubilee bank holiday' } },
    { adds: { date: '2022-09-19', name: 'Bank Holiday for the State Funeral of Queen Elizabeth II' } },
  ],
  2023: [{ adds: { date: '2023-05-08', name: 'Bank holiday for the coronation of King Charles III' } }],
};

/** Easter Sunday in the Gregorian calendar (the anonymous "Meeus/Jones/Butcher" algorithm). */
export function easterSunday(year: number): LocalDate {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return formatLocalDate(year, month, day);
}

/** The first (n = 1) or last (n = -1) Monday of a month. */
function monday(year: number, month: number, n: 1 | -1): LocalDate {
  if (n === 1) {
    const first = formatLocalDate(year, month, 1);
    return addDays(first, (8 - weekdayOf(first)) % 7);
  }
  const last = addDays(month === 12 ? formatLocalDate(year + 1, 1, 1) : formatLocalDate(year, month + 1, 1), -1);
  return addDays(last, -((weekdayOf(last) + 6) % 7));
}

const SAT = 6;
const SUN = 0;

function christmas(year: number): BankHoliday[] {
  const xmas = formatLocalDate(year, 12, 25);
  const boxing = formatLocalDate(year, 12, 26);
  const sub = (date: LocalDate, name: string): BankHoliday => ({ date, name: `${name} (substitute day)` });
  switch (weekdayOf(xmas)) {
    case 5: // Friday: Boxing Day falls on Saturday
      return [{ date: xmas, name: 'Christmas Day' }, sub(formatLocalDate(year, 12, 28), 'Boxing Day')];
    case SAT:
      return [sub(formatLocalDate(year, 12, 27), 'Christmas Day'), sub(formatLocalDate(year, 12, 28), 'Boxing Day')];
    case SUN:
      return [{ date: boxing, name: 'Boxing Day' }, sub(formatLocalDate(year, 12, 27), 'Christmas Day')];
    default:
      return [{ date: xmas, name: 'Christmas Day' }, { date: boxing, name: 'Boxing Day' }];
  }
}

const cache = new Map<number, BankHoliday[]>();

/** England and Wales bank holidays of a year, in date order. */
export function bankHolidays(year: number): BankHoliday[] {
  if (!Number.isInteger(year) || year < FIRST_RULE_YEAR || year > 9999) {
    throw new RangeError(`bank holidays are computed for ${FIRST_RULE_YEAR} to 9999, not ${year}`);
  }
  const known = cache.get(year);
  if (known) return known;
  const newYear = formatLocalDate(year, 1, 1);
  const nyWeekday = weekdayOf(newYear);
  const easter = easterSunday(year);
  let days: BankHoliday[] = [
    nyWeekday === SAT || nyWeekday === SUN
      ? { date: addDays(newYear, nyWeekday === SAT ? 2 : 1), name: 'New Year’s Day (substitute day)' }
      : { date: newYear, name: 'New Year’s Day' },
    { date: addDays(easter, -2), name: 'Good Friday' },
    { date: addDays(easter, 1), name: 'Easter Monday' },
    { date: monday(year, 5, 1), name: 'Early May bank holiday' },
    { date: monday(year, 5, -1), name: 'Spring bank holiday' },
    { date: monday(year, 8, -1), name: 'Summer bank holiday' },
    ...christmas(year),
  ];
  for (const change of ONE_OFF[year] ?? []) {
    if (change.moves) days = days.map((d) => (d.name === change.moves!.name ? { ...d, date: change.moves!.to } : d));
    if (change.adds) days.push(change.adds);
  }
  days.sort((a, b) => a.date.localeCompare(b.date));
  cache.set(year, days);
  return days;
}

/** The bank holiday on a London date (a `YYYY-MM-DD` date, or an instant read in London), or null. */
export function bankHolidayOn(date: LocalDate | Date): BankHoliday | null {
  const local = typeof date === 'string' ? date : londonDate(date);
  const { year } = parseLocalDate(local);
  return bankHolidays(year).find((d) => d.date === local) ?? null;
}

export const isBankHoliday = (date: LocalDate | Date): boolean => bankHolidayOn(date) !== null;
