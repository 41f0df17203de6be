// Compression of the feed's pages (informational: compressing is optional, getting it wrong is not).
// The same first page is asked for as identity, zstd, gzip and "zstd, gzip": each answer must be in a
// coding that was offered (or none) and decode to the identity page.
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { FEED_LIMITS } from '@dtm/shared';
import { asPage, type CheckContext } from '../context.ts';
import type { HttpResponse } from '../http.ts';
import { fail, pass, warn, type Check } from '../types.ts';

const DECODERS: Record<string, (b: Buffer) => Promise<Buffer>> = {
  gzip: promisify(zlib.gunzip),
  ...(typeof zlib.zstdDecompress === 'function' ? { zstd: promisify(zlib.zstdDecompress) } : {}),
};

/** What is compared: the page's changes, cursor and upToDate (its watermark holds the server's clock). */
const comparable = (json: unknown): string | null => {
  const p = asPage(json);
  return p ? JSON.stringify([p.changes, p.nextCursor, p.upToDate]) : null;
};

const codingOf = (res: HttpResponse) => (res.headers['content-encoding'] ?? 'identity').trim().toLowerCase();

export const feedCompression: Check = {
  id: 'feed.compression',
  title: 'A page asked for in zstd or gzip comes in an offered coding (or none) and decodes to the same page',
  group: 'feed',
  requirement:
    'OpenAPI getChanges: "The client asks with Accept-Encoding ... the server answers the page in one coding it offers, zstd or gzip, ' +
    'naming it in Content-Encoding, or uncompressed"; RFC 9110 §12.5.3 (Accept-Encoding), §8.4 (Content-Encoding), §12.5.5 (Vary); ' +
    'Data Migration Standard: migrations over links of at least 70 Mbit/s.',
  async run(ctx: CheckContext) {
    const limit = ctx.opts.pageSize ?? FEED_LIMITS.defaultLimit;
    const read = (acceptEncoding: string) =>
      ctx.api(ctx.consumer, 'GET', `${ctx.practicePath}/changes`, { query: { limit }, headers: { 'accept-encoding': acceptEncoding }, label: `Accept-Encoding: ${acceptEncoding}` });
    const plain = await read('identity');
    if (plain.status !== 200) return fail(`the first page asked for as identity answered ${plain.status}`, { exchange: plain.exchange });
    if (codingOf(plain) !== 'identity') return fail(`asked for identity only, the page came in Content-Encoding "${codingOf(plain)}"`, { exchange: plain.exchange });
    let expected = comparable(plain.json);
    if (expected === null) return fail('the identity page is not a change page', { exchange: plain.exchange });
    const seen: string[] = [];
    const notes: string[] = [];
    const metrics: Record<string, number | string | null> = { identityBytes: plain.body.length };
    for (const offer of ['zstd', 'gzip', 'zstd, gzip']) {
      const r = await read(offer);
      if (r.status !== 200) return fail(`Accept-Encoding: ${offer} answered ${r.status}`, { exchange: r.exchange });
      const coding = codingOf(r);
      if (coding !== 'identity' && !offer.split(', ').includes(coding)) {
        return fail(`asked for ${offer}, the page came in Content-Encoding "${coding}", which was not offered`, { exchange: r.exchange });
      }
      let body = r.body;
      if (coding !== 'identity') {
        const decode = DECODERS[coding];
        if (!decode) return warn(`the page came in ${coding}, which this Node cannot decode: not checked`, { exchange: r.exchange });
        try {
          body = await decode(r.body);
        } catch (err) {
          return fail(`asked for ${offer}, the ${coding} body does not decode: ${(err as Error).message}`, { exchange: r.exchange });
        }
        metrics[`${coding}Bytes`] = r.body.length;
        if (!/(^|,)\s*accept-encoding\s*(,|$)/i.test(r.headers.vary ?? '')) notes.push(`a ${coding} page without Vary: Accept-Encoding (a shared cache could hand it to a client that cannot decode it)`);
      }
      let json: unknown;
      try {
        json = JSON.parse(body.toString('utf8'));
      } catch {
        return fail(`asked for ${offer}, the ${coding} page does not decode to JSON`, { exchange: r.exchange });
      }
      // A live practice may change between two reads: compare again with a fresh identity page first.
      if (comparable(json) !== expected) expected = comparable((await read('identity')).json);
      if (comparable(json) !== expected) return fail(`asked for ${offer}, the ${coding} page decodes to a different page from the identity one`, { exchange: r.exchange });
      seen.push(`${offer} → ${coding}`);
    }
    const compressed = seen.filter((s) => !s.endsWith('identity'));
    if (notes.length) return warn(`${seen.join('; ')}; but ${notes[0]}`, { metrics, details: notes });
    if (compressed.length === 0) return pass(`every offer answered uncompressed (identity), which is allowed; page of ${plain.body.length} bytes`, { metrics });
    return pass(`${seen.join('; ')}: each decodes to the identity page (${plain.body.length} bytes)`, { metrics });
  },
};

export const COMPRESSION_CHECKS: Check[] = [feedCompression];
