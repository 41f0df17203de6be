// Feed timestamps straight from PostgreSQL's text to the ISO 8601 the feed sends. The feed page query
// used to parse each timestamptz into a Date (postgres-date) only for changeJson to format it back:
// three per change, 0.5 s of the server's CPU per 10,000-patient extract in its profile (issue 7).
import pg from 'pg';

const parseTimestamptz = pg.types.getTypeParser(pg.types.builtins.TIMESTAMPTZ);

// What PostgreSQL prints for a timestamptz under TimeZone=UTC (every pool sets it, db/pool.ts):
// "2026-11-21 10:00:00+00", or with up to 6 fraction digits "2026-11-21 10:00:00.123456+00".
const UTC_TEXT = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?\+00$/;

/**
 * The instant as `Date.prototype.toISOString` writes it (milliseconds, sub-millisecond digits cut off
 * as a Date would), from PostgreSQL's text. Anything else PostgreSQL may print (another time zone
 * offset, if a connection pooler dropped the TimeZone setting; years outside 1000-9999) goes the long
 * way, through a Date, so the answer is the same instant either way.
 */
export function isoFromTimestamptzText(text: string): string {
  const m = UTC_TEXT.exec(text);
  if (!m) return (parseTimestamptz(text) as Date).toISOString();
  const fraction = m[3] ?? '';
  return `${m[1]}T${m[2]}.${fraction.length >= 3 ? fraction.slice(0, 3) : fraction.padEnd(3, '0')}Z`;
}

/** For a query whose timestamptz columns should arrive as ISO 8601 strings; other types as usual. */
export const TIMESTAMPTZ_AS_ISO: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === pg.types.builtins.TIMESTAMPTZ && format !== 'binary' ? isoFromTimestamptzText : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};
