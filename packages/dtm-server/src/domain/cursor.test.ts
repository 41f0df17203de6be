import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { DtmError } from '../errors.ts';

const EPOCH = '0123456789abcdef';

describe('feed cursor', () => {
  it('round-trips a position, including 64-bit transaction ids', () => {
    const pos = { txid: '18446744073709551615', seq: '9007199254740993' };
    expect(decodeCursor(encodeCursor(EPOCH, pos), EPOCH)).toEqual(pos);
  });

  it('is URL-safe and opaque', () => {
    expect(encodeCursor(EPOCH, { txid: '12', seq: '34' })).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it('refuses a cursor from another epoch with 409', () => {
    const c = encodeCursor(EPOCH, { txid: '5', seq: '6' });
    const err = (() => {
      try {
        decodeCursor(c, 'fedcba9876543210');
      } catch (e) {
        return e as DtmError;
      }
    })();
    expect(err).toBeInstanceOf(DtmError);
    expect(err?.status).toBe(409);
    expect(err?.type).toBe('urn:dtm:problem:cursor-epoch');
  });

  it.each(['', 'abc', 'AAAA', `${encodeCursor(EPOCH, { txid: '1', seq: '1' })}A`])('refuses malformed cursor %j with 400', (bad) => {
    expect(() => decodeCursor(bad, EPOCH)).toThrowError(expect.objectContaining({ status: 400 }) as Error);
  });
});
