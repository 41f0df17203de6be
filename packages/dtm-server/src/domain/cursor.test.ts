import { describe, expect, it } from 'vitest';
import { CursorEncoder, decodeCursor, encodeCursor } from './cursor.ts';
import { DtmError } from '../errors.ts';

const EPOCH = '0123456789abcdef';

describe('feed cursor', () => {
  it('round-trips a position, including 64-bit transaction ids', () => {
    const pos = { txid: '18446744073709551615', seq: '9007199254740993' };
    expect(decodeCursor(encodeCursor(EPOCH, pos), EPOCH)).toEqual(pos);
  });

  it('encodes the same bytes through 32-bit halves as through BigInt, at every boundary', () => {
    // 15 digits take the number path; 16 and more the BigInt one.
    const values = ['0', '1', '4294967295', '4294967296', '4294967297', '999999999999999', '1000000000000000', '9007199254740991', '18446744073709551615'];
    const encoder = new CursorEncoder(EPOCH);
    for (const txid of values) {
      for (const seq of values) {
        const viaBigInt = Buffer.alloc(25);
        viaBigInt.writeUInt8(1, 0);
        viaBigInt.write(EPOCH, 1, 8, 'hex');
        viaBigInt.writeBigUInt64BE(BigInt(txid), 9);
        viaBigInt.writeBigUInt64BE(BigInt(seq), 17);
        // The encoder reuses one buffer: each answer must depend on its own position alone.
        expect(encoder.encode({ txid, seq })).toBe(viaBigInt.toString('base64url'));
        expect(decodeCursor(encoder.encode({ txid, seq }), EPOCH)).toEqual({ txid, seq });
      }
    }
  });

  it('refuses a position that is not a whole number', () => {
    expect(() => encodeCursor(EPOCH, { txid: '1.5', seq: '1' })).toThrow(RangeError);
    expect(() => encodeCursor(EPOCH, { txid: '-1', seq: '1' })).toThrow(RangeError);
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
