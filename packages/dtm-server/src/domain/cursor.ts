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
  const buf = Buffer.alloc(LENGTH);
  buf.writeUInt8(VERSION, 0);
  buf.write(epoch, 1, 8, 'hex');
  buf.writeBigUInt64BE(BigInt(pos.txid), 9);
  buf.writeBigUInt64BE(BigInt(pos.seq), 17);
  return buf.toString('base64url') as Cursor;
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
