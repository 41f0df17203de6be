// The feed's compression against a real server and PostgreSQL, read with undici's raw `request` (no
// transparent decoding, unlike fetch) so the bytes on the wire are what is checked: every coding
// decodes to the identity page byte for byte, q-values are honoured, Vary is always sent, a tiny page
// goes as it is, and binaries are never re-encoded.
import { gunzipSync, zstdDecompressSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { ManualClock } from '../clock.ts';
import { MIN_COMPRESSED_BYTES } from '../http/compression.ts';
import { startTestServer, type TestServer } from '../../../../test/support/server.ts';
import { ingest, upsert } from '../../../../test/support/dtm.ts';

const ODS = 'Z10001';
let s: TestServer;
// A frozen clock: the page's watermark (serverTime) is the same on every read, so pages compare byte for byte.
const clock = new ManualClock('2026-11-20T12:00:00Z');

beforeAll(async () => {
  s = await startTestServer({ clock });
  const items = Array.from({ length: 60 }, (_, i) => upsert('Observation', `o${i}`, { status: 'final', code: { text: `blood pressure reading ${i}` } }));
  const r = await ingest(s, ODS, items, { sourceAsOf: clock.now().toISOString() });
  if (r.status !== 200) throw new Error(`ingest answered ${r.status}`);
});
afterAll(async () => s?.stop());

async function raw(query: string, acceptEncoding?: string, path = `/v1/practices/${ODS}/changes`) {
  await s.grant(ODS);
  const headers: Record<string, string> = { authorization: `Bearer ${await s.token('consumer')}` };
  if (acceptEncoding !== undefined) headers['accept-encoding'] = acceptEncoding;
  const res = await request(`${s.url}${path}${query}`, { headers });
  const body = Buffer.from(await res.body.arrayBuffer());
  const h = (name: string) => res.headers[name] as string | undefined;
  return { status: res.statusCode, body, encoding: h('content-encoding'), vary: h('vary'), length: h('content-length'), type: h('content-type') };
}

const decode = (r: { body: Buffer; encoding: string | undefined }) =>
  r.encoding === 'zstd' ? zstdDecompressSync(r.body) : r.encoding === 'gzip' ? gunzipSync(r.body) : r.body;

describe('GET /v1/practices/{ods}/changes compression', () => {
  it('answers zstd, gzip and identity that decode to the same page byte for byte, with Vary and the sent Content-Length', async () => {
    const identity = await raw('?limit=50');
    expect(identity.status).toBe(200);
    expect(identity.encoding).toBeUndefined();
    expect(identity.body.length).toBeGreaterThan(MIN_COMPRESSED_BYTES);
    expect((JSON.parse(identity.body.toString('utf8')) as { changes: unknown[] }).changes).toHaveLength(50);
    for (const coding of ['zstd', 'gzip'] as const) {
      const r = await raw('?limit=50', coding);
      expect(r.status).toBe(200);
      expect(r.encoding).toBe(coding);
      expect(r.vary).toMatch(/accept-encoding/i);
      expect(r.type).toBe(identity.type);
      expect(Number(r.length)).toBe(r.body.length);
      expect(r.body.length).toBeLessThan(identity.body.length / 2);
      expect(decode(r).equals(identity.body), coding).toBe(true);
    }
    expect(identity.vary).toMatch(/accept-encoding/i);
    expect(Number(identity.length)).toBe(identity.body.length);
  });

  it('respects q-values and the client\'s order, and falls back to identity', async () => {
    const cases: [string, string | undefined][] = [
      ['zstd, gzip', 'zstd'],
      ['gzip, zstd', 'gzip'],
      ['zstd;q=0.4, gzip;q=0.8', 'gzip'],
      ['gzip;q=0.1, zstd', 'zstd'],
      ['gzip;q=0.5, identity', undefined],
      ['br, deflate', undefined],
      ['identity', undefined],
      ['', undefined],
      ['identity;q=0', undefined], // nothing acceptable: uncompressed rather than a 406
      ['*', 'zstd'],
      ['*, zstd;q=0', 'gzip'],
    ];
    const identity = await raw('?limit=50');
    for (const [header, expected] of cases) {
      const r = await raw('?limit=50', header);
      expect([r.status, r.encoding], `Accept-Encoding: ${header}`).toEqual([200, expected]);
      expect(decode(r).equals(identity.body), header).toBe(true);
    }
  });

  it('sends a page under 1 KB uncompressed whatever was asked', async () => {
    const all = JSON.parse((await raw('?limit=1000')).body.toString('utf8')) as { nextCursor: string };
    const empty = await raw(`?since=${all.nextCursor}`, 'zstd, gzip');
    expect(empty.status).toBe(200);
    expect(empty.body.length).toBeLessThan(MIN_COMPRESSED_BYTES);
    expect(empty.encoding).toBeUndefined();
    expect(empty.vary).toMatch(/accept-encoding/i);
    expect(JSON.parse(empty.body.toString('utf8'))).toMatchObject({ changes: [], upToDate: true });
  });

  it('does not compress error answers or binaries', async () => {
    const bad = await raw('?limit=0', 'zstd, gzip');
    expect([bad.status, bad.encoding]).toEqual([400, undefined]);
    const content = Buffer.from('x'.repeat(20_000));
    await s.grant(ODS);
    const put = await s.fetch(`/v1/ingest/practices/${ODS}/binaries/b1`, { method: 'PUT', headers: { 'content-type': 'text/plain' }, body: content });
    expect(put.status).toBe(201);
    const bin = await raw('', 'zstd, gzip', `/v1/practices/${ODS}/binaries/b1`);
    expect([bin.status, bin.encoding]).toEqual([200, undefined]);
    expect(bin.body.equals(content)).toBe(true);
  });
});
