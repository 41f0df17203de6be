// The opaque feed cursor: version byte, the server's epoch, and the feed position (txid, seq) of the
// last change read, base64url-encoded. Clients never look inside; the epoch lets a restored or reset
// DTM refuse old cursors (409) instead of silently skipping changes.
import type { Cursor } from '@dtm/shared';
import { DtmError, badRequest } from '../errors.ts';
import { PROBLEM_TYPES } from '@dtm/shared';

const VERSION = 1;
const LENGTH = 1 + 8 + 8 + 8;

export interface FeedPosition {
  /** xid8 of the transaction that wrote the change, as a decimal string. */
  txid: string;
  seq: string;
}

export const START_POSITION: FeedPosition = { txid: '0', seq: '0' };

export function encodeCursor(epoch: string, pos: FeedPosition): Cursor {
  return new CursorEncoder(epoch).encode(pos);
}

const TWO_32 = 2 ** 32;
/** Decimal strings this short are below 2^53, so a JS number holds them exactly. */
const SAFE_DIGITS = 15;

/**
 * Encodes many cursors of one epoch: a feed page writes one per change (issue 7: 300,000 cursors took
 * 31-39 ms instead of 196-217 ms through a Buffer and BigInt each, in a micro-benchmark). The version and epoch bytes are written once; the
 * positions through 32-bit halves when they fit in a JS number, through BigInt otherwise (xid8 and
 * bigint go to 2^64).
 */
export class CursorEncoder {
  readonly #buf = Buffer.alloc(LENGTH);

  constructor(epoch: string) {
    this.#buf.writeUInt8(VERSION, 0);
    this.#buf.write(epoch, 1, 8, 'hex');
  }

  encode(pos: FeedPosition): Cursor {
    this.#writeUInt64(pos.txid, 9);
    this.#writeUInt64(pos.seq, 17);
    return this.#buf.toString('base64url') as Cursor;
  }

  #writeUInt64(decimal: string, offset: number): void {
    if (decimal.length > SAFE_DIGITS) {
      this.#buf.writeBigUInt64BE(BigInt(decimal), offset);
      return;
    }
    const n = Number(decimal);
    if (!Number.isInteger(n) || n < 0) throw new RangeError('a feed position is a whole number of at least 0');
    this.#buf.writeUInt32BE(Math.floor(n / TWO_32), offset);
    this.#buf.writeUInt32BE(n % TWO_32, offset + 4);
  }
}

/** Decodes a cursor; a malformed one is a 400, one from another epoch a 409. */
export function decodeCursor(cursor: string, epoch: string): FeedPosition {
  const buf = Buffer.from(cursor, 'base64url');
  if (buf.length !== LENGTH || buf.readUInt8(0) !== VERSION || buf.toString('base64url') !== cursor) {
    throw badRequest('The cursor is not one this DTM issued.', [
      { pointer: '/query/since', message: 'malformed cursor' },
    ]);
  }
  if (buf.toString('hex', 1, 9) !== epoch) throw epochMismatch();
  return { txid: buf.readBigUInt64BE(9).toString(), seq: buf.readBigUInt64BE(17).toString() };
}

export const epochMismatch = () =>
  new DtmError(
    409,
    PROBLEM_TYPES.cursorEpoch,
    'Cursor from another epoch',
    'This cursor was issued by an earlier epoch of this DTM (for instance before a database restore). ' +
      'Discard local state for the practice and read again from the beginning.',
  );
