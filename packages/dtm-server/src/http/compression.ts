// Compression of the change feed's pages, negotiated by Accept-Encoding (RFC 9110 §12.5.3). Issue 7
// (scale and speed): migrations run over the internet, where the Data Migration Standard expects as
// little as 70 Mbit/s, and a page is FHIR JSON that compresses many times over. Only the feed's pages
// are compressed: the other JSON answers are small, and binaries never are (their Range requests,
// Content-Length and Repr-Digest speak of the stored bytes).
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { Request, Response } from 'express';

/** The content codings the feed offers, in the server's order of preference when the client ties. */
export const FEED_CODINGS = ['zstd', 'gzip'] as const;
export type FeedCoding = (typeof FEED_CODINGS)[number] | 'identity';

/**
 * Pages smaller than this go as they are. An empty long-poll answer (about 300 bytes) or a page of one
 * change (about 800) fits in one TCP segment either way (1,460 bytes on a 1,500-byte MTU): compressing
 * it saves no packet and no round trip, only adds work on both sides to the freshness path. (1 KB is
 * also the default threshold of Express's `compression` middleware.)
 */
export const MIN_COMPRESSED_BYTES = 1024;

/**
 * Levels chosen for speed, measured on 1 MB pages (1,000 changes) of the synthetic practice on the
 * 2-core bench machine: zstd 1 compressed about 30:1 at about 1,400 MB/s (0.7 ms a page), as small as
 * level 3 (29:1, about 800 MB/s); gzip 5 about 18:1 at about 250 MB/s (4 ms a page), against gzip 6's
 * 19:1 at half the speed and gzip 3's 15:1. The server's CPU is shared by a whole estate's practices,
 * and at 70 Mbit/s (8.75 MB/s) the line, not the compressor, sets the pace at any of these levels.
 */
export const ZSTD_LEVEL = 1;
export const GZIP_LEVEL = 5;

const zstd = promisify(zlib.zstdCompress);
const gzip = promisify(zlib.gzip);

/**
 * The coding for a response of `bytes` bytes. No Accept-Encoding: identity (RFC 9110 lets a server
 * pick any coding then, but a client that says nothing gets what it can surely read). Otherwise
 * Express's negotiation (the `negotiator` package) weighs the q-values: the highest wins, then the
 * client's order, then FEED_CODINGS' order. When nothing listed is acceptable, not even identity
 * (`identity;q=0`), the page still goes uncompressed: RFC 9110 §12.5.3 "the origin server ought to
 * respond without any content coding" rather than refuse (no 406).
 */
export function chooseCoding(req: Pick<Request, 'acceptsEncodings' | 'headers'>, bytes: number): FeedCoding {
  if (bytes < MIN_COMPRESSED_BYTES || req.headers['accept-encoding'] === undefined) return 'identity';
  const best = req.acceptsEncodings([...FEED_CODINGS, 'identity']);
  return best === 'zstd' || best === 'gzip' ? best : 'identity';
}

/** Compresses off the event loop (zlib runs in libuv's thread pool): other requests go on meanwhile. */
export function compress(coding: Exclude<FeedCoding, 'identity'>, body: Buffer): Promise<Buffer> {
  return coding === 'zstd'
    ? zstd(body, { params: { [zlib.constants.ZSTD_c_compressionLevel]: ZSTD_LEVEL } })
    : gzip(body, { level: GZIP_LEVEL });
}

/**
 * Sends a JSON page in the negotiated coding, with `Vary: Accept-Encoding` on every answer (identity
 * ones too: a cache must not hand a compressed copy to a client that did not ask for it) and the
 * Content-Length of the bytes actually sent. For the access log, `res.locals.feed` gets `bytes` (the
 * page's uncompressed JSON, measured here where it is encoded once), `encoding` and `wireBytes` (the body as sent).
 */
export async function sendJsonPage(req: Request, res: Response, json: string): Promise<void> {
  res.vary('Accept-Encoding');
  res.type('application/json');
  const body = Buffer.from(json, 'utf8');
  const coding = chooseCoding(req, body.length);
  const sent = coding === 'identity' ? body : await compress(coding, body);
  if (coding !== 'identity') res.setHeader('Content-Encoding', coding);
  const feed = res.locals.feed as Record<string, unknown> | undefined;
  if (feed) Object.assign(feed, { bytes: body.length, encoding: coding, wireBytes: sent.length });
  res.send(sent);
}
