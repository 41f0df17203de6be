// The completeness digest: known vectors (from sha256sum), order independence, sums modulo 2^256,
// and the comparison that tells the Target which resource types to look at.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DigestAccumulator, addDigestValues, compareDigests, digestDifferences, digestEntry, digestHex } from './digest.ts';

// printf 'Patient\np1\n1\n0' | sha256sum ; printf 'Observation\no1\n2\n1' | sha256sum
const PATIENT_P1_V1 = 'fe6e6e641a60326773668718e209806faa42768e325d15f648aad79229d99db4';
const OBSERVATION_O1_V2_DELETED = 'a0ef6863fa3516dd3fe16db625521ffb7de7e849e77706dd9598316a4665da27';

describe('digestEntry', () => {
  it('is SHA-256 of type, id, version and deleted flag, read as an unsigned integer', () => {
    expect(digestHex(digestEntry('Patient', 'p1', '1', false))).toBe(PATIENT_P1_V1);
    expect(digestHex(digestEntry('Observation', 'o1', 2, true))).toBe(OBSERVATION_O1_V2_DELETED);
    expect(digestEntry('Patient', 'p1', 1n, false)).toBe(BigInt(`0x${PATIENT_P1_V1}`));
  });

  it('changes with the version and the deleted flag', () => {
    const base = digestEntry('Patient', 'p1', '1', false);
    expect(digestEntry('Patient', 'p1', '2', false)).not.toBe(base);
    expect(digestEntry('Patient', 'p1', '1', true)).not.toBe(base);
  });
});

describe('DigestAccumulator', () => {
  it('gives the known digest per type and in total, types sorted by name', () => {
    const d = new DigestAccumulator().add('Patient', 'p1', '1', false).add('Observation', 'o1', '2', true).toDigest('CURSOR');
    expect(d).toEqual({
      cursor: 'CURSOR',
      types: [
        { resourceType: 'Observation', live: 0, deleted: 1, digest: OBSERVATION_O1_V2_DELETED },
        { resourceType: 'Patient', live: 1, deleted: 0, digest: PATIENT_P1_V1 },
      ],
      total: { live: 1, deleted: 1, digest: '9f5dd6c814954944b347f4cf075ba06b282a5ed819d41cd3de4308fc703f77db' },
    });
  });

  it('sums modulo 2^256 (a repeated entry does not cancel out)', () => {
    const d = new DigestAccumulator().add('Patient', 'p1', '1', false).add('Patient', 'p1', '1', false).toDigest();
    expect(d.types[0]!.digest).toBe('fcdcdcc834c064cee6cd0e31c41300df5484ed1c64ba2bec9155af2453b33b68');
    expect(addDigestValues(PATIENT_P1_V1, PATIENT_P1_V1)).toBe(d.types[0]!.digest);
  });

  it('is the same in any order', () => {
    const entry = fc.record({
      resourceType: fc.constantFrom('Patient', 'Observation', 'Condition', 'DocumentReference'),
      id: fc.stringMatching(/^[A-Za-z0-9.-]{1,12}$/),
      versionId: fc.integer({ min: 1, max: 1000 }).map(String),
      deleted: fc.boolean(),
    });
    fc.assert(fc.property(fc.array(entry, { maxLength: 60 }), fc.array(fc.nat()), (entries, swaps) => {
      const shuffled = [...entries];
      swaps.forEach((s, i) => {
        if (shuffled.length < 2) return;
        const j = s % shuffled.length;
        const k = i % shuffled.length;
        [shuffled[j], shuffled[k]] = [shuffled[k]!, shuffled[j]!];
      });
      const a = new DigestAccumulator();
      const b = new DigestAccumulator();
      entries.forEach((e) => a.addEntry(e));
      shuffled.forEach((e) => b.addEntry(e));
      expect(b.toDigest()).toEqual(a.toDigest());
      expect(a.size).toBe(entries.length);
    }), { seed: 20261127, numRuns: 200 });
  });

  it('describes an empty practice', () => {
    expect(new DigestAccumulator().toDigest(null)).toEqual({ cursor: null, types: [], total: { live: 0, deleted: 0, digest: '0'.repeat(64) } });
  });
});

describe('compareDigests and digestDifferences', () => {
  const make = (entries: [string, string, string, boolean][]) => {
    const acc = new DigestAccumulator();
    for (const [t, id, v, del] of entries) acc.add(t, id, v, del);
    return acc.toDigest();
  };
  const server = make([['Patient', 'p1', '1', false], ['Observation', 'o1', '2', false], ['Observation', 'o2', '1', true]]);

  it('finds nothing when the entries are the same', () => {
    const same = make([['Observation', 'o2', '1', true], ['Patient', 'p1', '1', false], ['Observation', 'o1', '2', false]]);
    expect(compareDigests(server, same)).toEqual([]);
    expect(digestDifferences(server, same)).toEqual([]);
  });

  it('names each differing type with both sides, and types only one side has', () => {
    const client = make([['Patient', 'p1', '1', false], ['Observation', 'o1', '1', false], ['Observation', 'o2', '1', true], ['Condition', 'c1', '1', false]]);
    expect(compareDigests(server, client)).toEqual(['Condition', 'Observation']);
    const diff = digestDifferences(server, client);
    expect(diff[0]).toEqual({ resourceType: 'Condition', a: null, b: { live: 1, deleted: 0, digest: expect.stringMatching(/^[0-9a-f]{64}$/) } });
    // Same counts, different version of o1: only the digest tells.
    expect(diff[1]!.a).toMatchObject({ live: 1, deleted: 1 });
    expect(diff[1]!.b).toMatchObject({ live: 1, deleted: 1 });
    expect(diff[1]!.a!.digest).not.toBe(diff[1]!.b!.digest);
  });

  it('treats a missed delete as a difference', () => {
    const client = make([['Patient', 'p1', '1', false], ['Observation', 'o1', '2', false], ['Observation', 'o2', '0', false]]);
    expect(compareDigests(server, client)).toEqual(['Observation']);
  });
});
