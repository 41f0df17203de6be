// Binaries: streamed upload and download, SHA-256 digests, Range, ETag, replacement, and refusal of
// a body that does not match its Repr-Digest.
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../../test/support/server.ts';
import { binaryBytes, firstBytesAsked, openBinary, rangeAsked } from '../services/binaries.ts';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ env: { DTM_MAX_BINARY_BYTES: String(2 * 1024 * 1024) } });
});
afterAll(async () => s?.stop());

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('base64');
const put = (ods: string, id: string, body: Buffer, headers: Record<string, string> = {}) =>
  s.fetch(`/v1/ingest/practices/${ods}/binaries/${id}`, { method: 'PUT', headers: { 'content-type': 'application/pdf', ...headers }, body });
const get = (ods: string, id: string, headers: Record<string, string> = {}) =>
  s.fetch(`/v1/practices/${ods}/binaries/${id}`, { headers });

describe('binaries', () => {
  // Larger than one 256 KiB chunk and not a multiple of it, so ranges cross chunk boundaries.
  const content = randomBytes(700_001);

  it('stores a streamed upload with its size and digests', async () => {
    const res = await put('F10001', 'doc1', content, { 'repr-digest': `sha-256=:${sha256(content)}:` });
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({
      id: 'doc1', contentType: 'application/pdf', size: content.length, sha256: sha256(content),
      sha1: createHash('sha1').update(content).digest('base64'), url: 'Binary/doc1',
    });
    const status = (await (await s.fetch(`/v1/practices/F10001/status`)).json()) as { binaries: unknown };
    expect(status.binaries).toEqual({ count: 1, bytes: content.length });
  });

  it('serves it whole with Content-Length, ETag, Repr-Digest and Digest', async () => {
    const res = await get('F10001', 'doc1');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    expect(res.headers.get('content-length')).toBe(String(content.length));
    expect(res.headers.get('repr-digest')).toBe(`sha-256=:${sha256(content)}:`);
    expect(res.headers.get('digest')).toBe(`SHA-256=${sha256(content)}`);
    expect(res.headers.get('accept-ranges')).toBe('bytes');
    expect(Buffer.from(await res.arrayBuffer()).equals(content)).toBe(true);
    const again = await get('F10001', 'doc1', { 'if-none-match': res.headers.get('etag')! });
    expect(again.status).toBe(304);
  });

  it.each([
    ['bytes=0-9', 0, 9],
    ['bytes=262140-262150', 262140, 262150],
    ['bytes=600000-', 600000, 700000],
    ['bytes=-5', 699996, 700000],
    ['bytes=699990-999999', 699990, 700000],
  ])('serves Range %s as 206 with the right bytes', async (range, start, end) => {
    const res = await get('F10001', 'doc1', { range });
    expect(res.status).toBe(206);
    expect(res.headers.get('content-range')).toBe(`bytes ${start}-${end}/${content.length}`);
    expect(res.headers.get('content-length')).toBe(String(end - start + 1));
    expect(Buffer.from(await res.arrayBuffer()).equals(content.subarray(start, end + 1))).toBe(true);
  });

  it('answers an unsatisfiable range with 416 and Content-Range', async () => {
    const res = await get('F10001', 'doc1', { range: 'bytes=700001-' });
    expect(res.status).toBe(416);
    expect(res.headers.get('content-range')).toBe(`bytes */${content.length}`);
    expect(await res.json()).toMatchObject({ type: 'urn:dtm:problem:range-not-satisfiable', status: 416 });
  });

  it('replaces a binary atomically on a second PUT and keeps the totals right', async () => {
    const v2 = Buffer.from('second version');
    expect((await put('F10001', 'doc1', v2)).status).toBe(201);
    const res = await get('F10001', 'doc1');
    expect(Buffer.from(await res.arrayBuffer()).toString()).toBe('second version');
    const status = (await (await s.fetch(`/v1/practices/F10001/status`)).json()) as { binaries: unknown };
    expect(status.binaries).toEqual({ count: 1, bytes: v2.length });
    const chunks = await s.pool.query('SELECT count(*)::int AS n FROM binary_chunk');
    expect(chunks.rows[0].n).toBe(1); // the old content's chunks are gone
  });

  it('refuses content that does not match its Repr-Digest and stores nothing', async () => {
    const res = await put('F10001', 'doc2', Buffer.from('tampered'), { 'repr-digest': `sha-256=:${sha256(Buffer.from('original'))}:` });
    expect(res.status).toBe(400);
    expect((await get('F10001', 'doc2')).status).toBe(404);
  });

  it('refuses a binary over the size limit with 413 and stores nothing', async () => {
    const before = await s.pool.query('SELECT count(*)::int AS n FROM binary_chunk');
    const res = await put('F10001', 'big', randomBytes(2 * 1024 * 1024 + 1));
    expect(res.status).toBe(413);
    expect((await get('F10001', 'big')).status).toBe(404);
    const after = await s.pool.query('SELECT count(*)::int AS n FROM binary_chunk');
    expect(after.rows[0].n).toBe(before.rows[0].n);
  });

  it('stores an empty binary', async () => {
    expect((await put('F10001', 'empty', Buffer.alloc(0))).status).toBe(201);
    const res = await get('F10001', 'empty');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe('0');
  });

  it('answers an unknown binary with 404 and a bad id with 400', async () => {
    expect((await get('F10001', 'nope')).status).toBe(404);
    expect((await get('F10001', 'bad$id')).status).toBe(400);
  });
  it('ignores an invalid range (last before first) and serves the whole, as RFC 9110 says', async () => {
    expect((await put('F10008', 'rng1', content)).status).toBe(201);
    const res = await get('F10008', 'rng1', { range: 'bytes=5-3' });
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(content)).toBe(true);
  });

  it('serves the content type exactly as stored, adding no charset', async () => {
    for (const [id, type] of [['txt1', 'text/plain'], ['txt2', 'text/html; charset=iso-8859-1']] as const) {
      expect((await put('F10008', id, Buffer.from('caf\xe9', 'latin1'), { 'content-type': type })).status).toBe(201);
      expect((await get('F10008', id)).headers.get('content-type')).toBe(type);
    }
  });


  it('lists the practice\'s binaries with size and SHA-256, by id, page by page', async () => {
    const bodies = { l1: Buffer.from('one'), l2: Buffer.from('two two'), l3: Buffer.from('three') };
    for (const [id, body] of Object.entries(bodies)) expect((await put('F10007', id, body)).status).toBe(201);
    const seen: { id: string; size: number; sha256: string }[] = [];
    let after: string | null = null;
    do {
      const res = await s.fetch(`/v1/practices/F10007/binaries?limit=2${after ? `&after=${after}` : ''}`);
      expect(res.status).toBe(200);
      const page = (await res.json()) as { binaries: typeof seen; next: string | null };
      seen.push(...page.binaries);
      after = page.next;
    } while (after);
    expect(seen).toEqual(Object.entries(bodies).map(([id, body]) => ({ id, size: body.length, sha256: sha256(body) })));
    expect((await s.fetch('/v1/practices/F19999/binaries')).status).toBe(404);
  });
});

describe('large downloads', () => {
  let big: TestServer;
  beforeAll(async () => {
    big = await startTestServer({ env: { DTM_MAX_BINARY_BYTES: String(64 * 1024 * 1024) } });
  });
  afterAll(async () => big?.stop());
  // Larger than loopback's socket buffers, so the server is still writing when the client acts.
  const body = randomBytes(24 * 1024 * 1024);
  const upload = async (id: string, content: Buffer) => {
    const up = await big.fetch(`/v1/ingest/practices/F10009/binaries/${id}`, { method: 'PUT', headers: { 'content-type': 'application/pdf' }, body: content });
    expect(up.status).toBe(201);
  };

  it('records one abandoned part-way in the access log, as aborted', { timeout: 60_000 }, async () => {
    await upload('big1', body);
    const abort = new AbortController();
    const res = await big.fetch('/v1/practices/F10009/binaries/big1', { signal: abort.signal });
    expect(res.status).toBe(200);
    await res.body!.getReader().read();
    abort.abort();
    let rows: { status: number; outcome: string; binaries: number }[] = [];
    for (let i = 0; i < 50 && rows.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      rows = (await big.pool.query<{ status: number; outcome: string; binaries: number }>(
        "SELECT status, outcome, binaries FROM access_log WHERE practice = 'F10009' AND method = 'GET' AND route LIKE '%/binaries/%'")).rows;
    }
    expect(rows).toEqual([{ status: 200, outcome: 'aborted', binaries: 1 }]);
  });

  it('serves a binary of more chunks than one read takes, whole and from ranges in any chunk', { timeout: 60_000 }, async () => {
    // 20 chunks of 256 KiB and a part: the row and its first 8 chunks come in one statement, the rest after.
    const content = randomBytes(20 * 256 * 1024 + 4321);
    await upload('many', content);
    const whole = await big.fetch('/v1/practices/F10009/binaries/many');
    expect(whole.status).toBe(200);
    expect(Buffer.from(await whole.arrayBuffer()).equals(content)).toBe(true);
    for (const [range, from, to] of [
      [`bytes=${9 * 256 * 1024 + 17}-`, 9 * 256 * 1024 + 17, content.length - 1], // starts past the first read's chunks
      [`bytes=${8 * 256 * 1024 - 1}-${17 * 256 * 1024}`, 8 * 256 * 1024 - 1, 17 * 256 * 1024],
      [`bytes=${20 * 256 * 1024}-`, 20 * 256 * 1024, content.length - 1], // the last, partial chunk alone
    ] as const) {
      const res = await big.fetch('/v1/practices/F10009/binaries/many', { headers: { range } });
      expect(res.status).toBe(206);
      expect(res.headers.get('content-range')).toBe(`bytes ${from}-${to}/${content.length}`);
      expect(Buffer.from(await res.arrayBuffer()).equals(content.subarray(from, to + 1))).toBe(true);
    }
    // A range whose last byte is before its first is ignored (the whole is sent), though the read ahead began at its first.
    const ignored = await big.fetch('/v1/practices/F10009/binaries/many', { headers: { range: `bytes=${12 * 256 * 1024}-5` } });
    expect(ignored.status).toBe(200);
    expect(Buffer.from(await ignored.arrayBuffer()).equals(content)).toBe(true);
    // A first byte past any integer chunk number: 416 from the row, never a database error.
    const far = await big.fetch('/v1/practices/F10009/binaries/many', { headers: { range: 'bytes=99999999999999999999-' } });
    expect(far.status).toBe(416);

    // What the row's statement reads: no further than the range asks (a 1-byte range, one chunk), at
    // most 8 chunks; and binaryBytes takes them out of the caller's hands, so they are let go once sent.
    const chunksRead = async (header: string | undefined) => (await openBinary(big.pool, 'F10009', 'many', firstBytesAsked(rangeAsked(header)))).chunks.map((c) => c.n);
    expect(await chunksRead('bytes=0-0')).toEqual([0]);
    expect(await chunksRead(`bytes=${256 * 1024 - 1}-${256 * 1024}`)).toEqual([0, 1]);
    expect(await chunksRead(undefined)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(await chunksRead(`bytes=${9 * 256 * 1024 + 17}-`)).toEqual([9, 10, 11, 12, 13, 14, 15, 16]);
    expect(await chunksRead(`bytes=${12 * 256 * 1024}-5`)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]); // ignored: the whole, from 0
    expect(await chunksRead('bytes=-100')).toEqual([]); // a suffix: the size decides, so the row alone
    const opened = await openBinary(big.pool, 'F10009', 'many', firstBytesAsked(rangeAsked(undefined)));
    const sent: Buffer[] = [];
    for await (const part of binaryBytes(big.pool, opened.row, { start: 0, end: content.length - 1 }, opened.chunks)) sent.push(part);
    expect(opened.chunks).toEqual([]);
    expect(Buffer.concat(sent).equals(content)).toBe(true);
  });

  it('cuts a download at once when the binary is replaced part-way, rather than leaving it short', { timeout: 60_000 }, async () => {
    await upload('big2', body);
    const res = await big.fetch('/v1/practices/F10009/binaries/big2');
    const reader = res.body!.getReader();
    await reader.read();
    await upload('big2', randomBytes(1000)); // deletes the chunks the download has yet to read
    const outcome = await Promise.race([
      (async () => {
        let got = 0;
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return `ended cleanly after ${got} more bytes`;
          got += value.length;
        }
      })().catch(() => 'cut'),
      new Promise((r) => setTimeout(r, 15_000)).then(() => 'still waiting after 15 s'),
    ]);
    expect(outcome).toBe('cut');
  });
});
