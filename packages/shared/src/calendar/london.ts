// Europe/London wall-clock time without a time-zone library: offsets come from the runtime's own
// time-zone data through Intl.DateTimeFormat (every Node build carries the IANA database). The
// weekend cutover is defined in London local time (roadmap item: "5pm Friday start, Target Solution
// operational for 8am the following Monday"), and the last Sundays of March and October move the
// offset between GMT (+00:00) and BST (+01:00), so instants are never derived by adding hours.

/** A calendar date in Europe/London, `YYYY-MM-DD`. */
export type LocalDate = string;

const LOCAL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

const PARTS = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/London',
  hourCycle: 'h23',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

export interface LondonParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
  /** 0 = Sunday ... 6 = Saturday, of the London calendar date. */
  weekday: number;
  date: LocalDate;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** Splits a `YYYY-MM-DD` local date, refusing dates that do not exist (2026-02-30). */
export function parseLocalDate(date: LocalDate): { year: number; month: number; day: number } {
  const m = LOCAL_DATE.exec(date);
  if (!m) throw new RangeError(`not a YYYY-MM-DD date: ${date}`);
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = new Date(Date.UTC(year, month - 1, day));
  if (t.getUTCFullYear() !== year || t.getUTCMonth() !== month - 1 || t.getUTCDate() !== day) {
    throw new RangeError(`no such date: ${date}`);
  }
  return { year, month, day };
}

export const formatLocalDate = (year: number, month: number, day: number): LocalDate => `${pad(year, 4)}-${pad(month)}-${pad(day)}`;

/** The local date `days` calendar days after `date` (negative: before). */
export function addDays(date: LocalDate, days: number): LocalDate {
  const { year, month, day } = parseLocalDate(date);
  const t = new Date(Date.UTC(year, month - 1, day + days));
  return formatLocalDate(t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate());
}

/** 0 = Sunday ... 6 = Saturday. */
export function weekdayOf(date: LocalDate): number {
  const { year, month, day } = parseLocalDate(date);
  return new Date(Date.UTC(year, month - 1, day)).getUTCDay();
}

/** The instant's wall-clock reading in London. */
export function londonParts(instant: Date): LondonParts {
  const t = instant.getTime();
  if (!Number.isFinite(t)) throw new RangeError('invalid date');
  const got: Record<string, number> = {};
  for (const p of PARTS.formatToParts(instant)) if (p.type !== 'literal') got[p.type] = Number(p.value);
  const year = got.year!, month = got.month!, day = got.day!;
  const date = formatLocalDate(year, month, day);
  return {
    year, month, day, hour: got.hour!, minute: got.minute!, second: got.second!,
    millisecond: ((t % 1000) + 1000) % 1000,
    weekday: weekdayOf(date),
    date,
  };
}

/** London's offset from UTC at the instant, in minutes (0 in GMT, 60 in BST). */
export function londonOffsetMinutes(instant: Date): number {
  const p = londonParts(instant);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second, p.millisecond);
  return Math.round((asUtc - instant.getTime()) / 60_000);
}

/** The London calendar date of an instant. */
export const londonDate = (instant: Date): LocalDate => londonParts(instant).date;

/**
 * The instant at which London's clocks read `hour:minute` on `date`. A reading that happens twice
 * (01:00-01:59 on the last Sunday of October) gives the first, in BST; one that never happens
 * (01:00-01:59 on the last Sunday of March) gives the instant an hour later on the clock, as a
 * wall clock put forward would show. Neither case arises for 17:00 or 08:00, the cutover's bounds.
 */
export function londonInstant(date: LocalDate, hour = 0, minute = 0): Date {
  const { year, month, day } = parseLocalDate(date);
  const asUtc = Date.UTC(year, month - 1, day, hour, minute);
  // The offsets in force on either side of the date; the right instant uses one of them.
  const before = londonOffsetMinutes(new Date(asUtc - 86_400_000));
  const after = londonOffsetMinutes(new Date(asUtc + 86_400_000));
  const matches = [...new Set([before, after])]
    .map((off) => new Date(asUtc - off * 60_000))
    .filter((t) => {
      const p = londonParts(t);
      return p.date === date && p.hour === hour && p.minute === minute;
    })
    .sort((a, b) => a.getTime() - b.getTime());
  return matches[0] ?? new Date(asUtc - before * 60_000);
}

/** The same London wall-clock time `days` calendar days later (so 17:00 stays 17:00 across a clock change). */
export function addLondonDays(instant: Date, days: number): Date {
  const p = londonParts(instant);
  const t = londonInstant(addDays(p.date, days), p.hour, p.minute);
  return new Date(t.getTime() + p.second * 1000 + p.millisecond);
}

/** RFC 3339 in London local time with its offset, e.g. `2026-08-28T17:00:00+01:00`: unambiguous and readable. */
export function londonIso(instant: Date): string {
  const p = londonParts(instant);
  const off = londonOffsetMinutes(instant);
  const sign = off < 0 ? '-' : '+';
  const abs = Math.abs(off);
  return `${p.date}T${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

const LONG_DATE = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' });

/** London's zone abbreviation at the instant: GMT or BST. */
export const londonZoneName = (instant: Date): string => (londonOffsetMinutes(instant) === 60 ? 'BST' : londonOffsetMinutes(instant) === 0 ? 'GMT' : 'Europe/London');

/** For letters and messages: `Friday 28 August 2026`. */
export function formatLondonDate(instant: Date): string {
  const p: Record<string, string> = {};
  for (const part of LONG_DATE.formatToParts(instant)) if (part.type !== 'literal') p[part.type] = part.value;
  return `${p.weekday} ${p.day} ${p.month} ${p.year}`;
}

/** For letters and messages: `Friday 28 August 2026, 17:00 BST`. */
export function formatLondonDateTime(instant: Date): string {
  const p = londonParts(instant);
  return `${formatLondonDate(instant)}, ${pad(p.hour)}:${pad(p.minute)} ${londonZoneName(instant)}`;
}
