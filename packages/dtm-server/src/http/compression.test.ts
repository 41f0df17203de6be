import { gunzipSync, zstdDecompressSync } from 'node:zlib';
import express, { type Request } from 'express';
import { describe, expect, it } from 'vitest';
import { MIN_COMPRESSED_BYTES, chooseCoding, compress } from './compression.ts';

/** A request as Express builds it (its acceptsEncodings reads `headers`), with only these headers. */
const requestWith = (acceptEncoding?: string): Request =>
  Object.assign(Object.create(express.request) as Request, { headers: acceptEncoding === undefined ? {} : { 'accept-encoding': acceptEncoding } });

const BIG = 64 * 1024;
const choose = (header: string | undefined, bytes = BIG) => chooseCoding(requestWith(header), bytes);

describe('chooseCoding (RFC 9110 §12.5.3)', () => {
  it('answers identity when the client sends no Accept-Encoding, an empty one, or only identity', () => {
    expect(choose(undefined)).toBe('identity');
    expect(choose('')).toBe('identity');
    expect(choose('identity')).toBe('identity');
    expect(choose('br, deflate')).toBe('identity');
  });

  it('picks the coding the client offers', () => {
    expect(choose('zstd')).toBe('zstd');
    expect(choose('gzip')).toBe('gzip');
    expect(choose('GZip')).toBe('gzip');
    expect(choose('gzip, deflate, br')).toBe('gzip');
    expect(choose('br, zstd')).toBe('zstd');
  });

  it('respects q-values, then the client\'s order, then zstd before gzip', () => {
    expect(choose('zstd;q=0.5, gzip')).toBe('gzip');
    expect(choose('gzip;q=0.2, zstd;q=0.9')).toBe('zstd');
    expect(choose('gzip, zstd')).toBe('gzip');
    expect(choose('zstd, gzip')).toBe('zstd');
    expect(choose('*')).toBe('zstd');
    expect(choose('*, zstd;q=0')).toBe('gzip');
    expect(choose('gzip;q=0.5, identity')).toBe('identity');
    expect(choose('zstd;q=0, gzip;q=0')).toBe('identity');
  });

  it('sends identity when nothing listed is acceptable, even identity;q=0 (no 406)', () => {
    expect(choose('identity;q=0')).toBe('identity');
    expect(choose('*;q=0')).toBe('identity');
    expect(choose('br;q=1, identity;q=0')).toBe('identity');
    // identity;q=0 with an acceptable coding: that coding.
    expect(choose('gzip, identity;q=0')).toBe('gzip');
  });

  it('leaves a page under the threshold uncompressed', () => {
    expect(choose('zstd, gzip', MIN_COMPRESSED_BYTES - 1)).toBe('identity');
    expect(choose('zstd, gzip', MIN_COMPRESSED_BYTES)).toBe('zstd');
  });
});

describe('compress', () => {
  it('round-trips through zstd and gzip, and makes a page of JSON smaller', async () => {
    const page = Buffer.from(JSON.stringify({ changes: Array.from({ length: 200 }, (_, i) => ({ id: `o${i}`, resourceType: 'Observation', status: 'final' })) }));
    const z = await compress('zstd', page);
    const g = await compress('gzip', page);
    expect(zstdDecompressSync(z).equals(page)).toBe(true);
    expect(gunzipSync(g).equals(page)).toBe(true);
    expect(z.length).toBeLessThan(page.length / 5);
    expect(g.length).toBeLessThan(page.length / 5);
  });
});
