import { describe, expect, it } from 'vitest';
import pg from 'pg';
import { isoFromTimestamptzText } from './timestamps.ts';

const viaDate = (text: string) => (pg.types.getTypeParser(pg.types.builtins.TIMESTAMPTZ)(text) as Date).toISOString();

describe('isoFromTimestamptzText', () => {
  it('writes what a Date would, for every fraction length PostgreSQL prints', () => {
    for (const text of [
      '2026-11-21 10:00:00+00', '2026-11-21 10:00:00.1+00', '2026-11-21 10:00:00.12+00', '2026-11-21 10:00:00.123+00',
      '2026-11-21 10:00:00.1234+00', '2026-11-21 10:00:00.12345+00', '2026-11-21 23:59:59.999999+00', '2026-11-21 10:00:00.581+00',
    ]) {
      expect(isoFromTimestamptzText(text)).toBe(viaDate(text));
    }
    for (let ms = 0; ms < 1000; ms++) {
      const text = `2026-03-29 01:00:00.${String(ms).padStart(3, '0')}+00`;
      expect(isoFromTimestamptzText(text)).toBe(viaDate(text));
    }
  });

  it('takes the long way for another offset or a year outside four digits, to the same instant', () => {
    expect(isoFromTimestamptzText('2026-11-21 10:00:00.5+01')).toBe('2026-11-21T09:00:00.500Z');
    expect(isoFromTimestamptzText('2026-07-01 12:30:00+05:30')).toBe('2026-07-01T07:00:00.000Z');
    expect(isoFromTimestamptzText('12026-11-21 10:00:00+00')).toBe(viaDate('12026-11-21 10:00:00+00'));
  });
});
