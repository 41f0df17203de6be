// The content hash's canonical JSON is RFC 8785's (the `canonicalize` package, which made every hash
// stored before numbers were kept as written) for any record whose numbers JSON.parse gives back as
// written; only numbers it would change are hashed as sent.
import { describe, expect, it } from 'vitest';
import canonicalize from 'canonicalize';
import { canonicalJson, parseExact } from '@dtm/shared';
import { generatePractice } from '../seed/synthetic-practice.ts';
import { contentHash } from './content-hash.ts';

describe('content hash', () => {
  it('writes the same canonical JSON as RFC 8785 for a practice\'s records', () => {
    const practice = generatePractice({ ods: 'A81001', patients: 30, seed: 3 });
    const awkward = { resourceType: 'Basic', id: 'b1', z: [1, 0.5, -2, 1e21, 1e-7, null, true, 'é😀\u2028"\\'], a: { y: 2, x: { '': 0, é: 1, B: 2, a: 3 } } };
    for (const r of [...practice.resources, awkward]) expect(canonicalJson(r)).toBe(canonicalize(r));
  });

  it('tells apart precisions JSON.parse would make equal, and keeps one precision equal to itself', () => {
    const obs = (value: string) => parseExact(`{"resourceType":"Observation","id":"o1","valueQuantity":{"value":${value}}}`) as never;
    expect(contentHash(obs('7.50')).equals(contentHash(obs('7.5')))).toBe(false);
    expect(contentHash(obs('7.50')).equals(contentHash(obs('7.50')))).toBe(true);
    expect(contentHash(obs('7.5')).equals(contentHash(JSON.parse('{"resourceType":"Observation","id":"o1","valueQuantity":{"value":7.5}}') as never))).toBe(true);
  });
});
