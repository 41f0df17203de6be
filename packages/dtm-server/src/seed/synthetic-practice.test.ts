import { describe, it, expect } from 'vitest';
import { createHash } from 'node:crypto';
import { FHIR_ID_PATTERN, NHS_NUMBER_SYSTEM, ODS_SYSTEM, SNOMED_SYSTEM, isValidNhsNumber, isValidSnomedId } from '@dtm/shared';
import { generatePractice } from './synthetic-practice.ts';
import type { SyntheticPractice } from './synthetic-practice.ts';
import { ALL_SNOMED_FORM_CODES } from './codes.ts';

type Json = Record<string, unknown>;

/** Every object nested anywhere in a value (the value itself included). */
function* objects(value: unknown): Generator<Json> {
  if (Array.isArray(value)) for (const v of value) yield* objects(v);
  else if (value && typeof value === 'object') {
    yield value as Json;
    for (const v of Object.values(value)) yield* objects(v);
  }
}

const keyOf = (r: Json) => `${String(r.resourceType)}/${String(r.id)}`;

describe('generatePractice', () => {
  const practice: SyntheticPractice = generatePractice({ ods: 'A81001', patients: 50, seed: 42 });
  const { resources, binaries } = practice;

  it('is deterministic for a seed', () => {
    const again = generatePractice({ ods: 'A81001', patients: 50, seed: 42 });
    expect(again).toEqual(practice);
    expect(JSON.stringify(again.resources)).toBe(JSON.stringify(resources));
  });

  it('differs for a different seed', () => {
    const other = generatePractice({ ods: 'A81001', patients: 50, seed: 43 });
    expect(JSON.stringify(other.resources)).not.toBe(JSON.stringify(resources));
  });

  it('keeps patient n the same whatever the patient count', () => {
    const small = generatePractice({ ods: 'A81001', patients: 3, seed: 42 });
    const pat = (p: SyntheticPractice) => p.resources.find((r) => r.id === 'pat-A81001-2');
    expect(pat(small)).toEqual(pat(practice));
  });

  it('gives every resource a type and a FHIR id, unique per type', () => {
    const seen = new Set<string>();
    for (const r of resources) {
      expect(typeof r.resourceType).toBe('string');
      expect(String(r.id)).toMatch(FHIR_ID_PATTERN);
      expect(seen.has(keyOf(r)), keyOf(r)).toBe(false);
      seen.add(keyOf(r));
    }
    const binIds = new Set(binaries.map((b) => b.id));
    expect(binIds.size).toBe(binaries.length);
    for (const id of binIds) expect(id).toMatch(FHIR_ID_PATTERN);
  });

  it('has one practice Organization identified by its ODS code, and 2-4 Practitioners', () => {
    const orgs = resources.filter((r) => r.resourceType === 'Organization');
    expect(orgs).toHaveLength(1);
    expect(orgs[0]!.identifier).toEqual([{ system: ODS_SYSTEM, value: 'A81001' }]);
    const pracs = resources.filter((r) => r.resourceType === 'Practitioner').length;
    expect(pracs).toBeGreaterThanOrEqual(2);
    expect(pracs).toBeLessThanOrEqual(4);
    for (const t of ['PractitionerRole', 'Location', 'Encounter', 'Condition', 'Observation', 'MedicationRequest',
      'AllergyIntolerance', 'Immunization', 'Appointment', 'Task', 'DocumentReference']) {
      expect(resources.some((r) => r.resourceType === t), t).toBe(true);
    }
  });

  it('gives every Patient a valid NHS number, UK Core profile and the practice as GP', () => {
    const patients = resources.filter((r) => r.resourceType === 'Patient');
    expect(patients).toHaveLength(50);
    const numbers = new Set<string>();
    for (const p of patients) {
      const ids = (p.identifier as Json[]).filter((i) => i.system === NHS_NUMBER_SYSTEM);
      expect(ids).toHaveLength(1);
      const nhs = String(ids[0]!.value);
      expect(isValidNhsNumber(nhs), nhs).toBe(true);
      expect(nhs.startsWith('999')).toBe(true);
      numbers.add(nhs);
      expect((p.meta as Json).profile).toEqual(['https://fhir.hl7.org.uk/StructureDefinition/UKCore-Patient']);
      expect(p.generalPractitioner).toEqual([{ reference: 'Organization/org-A81001' }]);
      expect(String(p.birthDate)).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(String((p.address as Json[])[0]!.postalCode)).toMatch(/^[A-Z]{1,2}\d{1,2} \d[A-Z]{2}$/);
    }
    expect(numbers.size).toBe(50);
  });

  it('only uses valid SNOMED CT ids, in every coding and in the code tables', () => {
    let count = 0;
    for (const o of objects(resources)) {
      if (o.system === SNOMED_SYSTEM) {
        count++;
        expect(typeof o.code).toBe('string');
        expect(isValidSnomedId(String(o.code)), String(o.code)).toBe(true);
      }
    }
    expect(count).toBeGreaterThan(100);
    for (const c of ALL_SNOMED_FORM_CODES) expect(isValidSnomedId(c.code), `${c.code} ${c.display}`).toBe(true);
  });

  it('codes blood pressure as a panel with UCUM components', () => {
    const bp = resources.find((r) => r.resourceType === 'Observation' && JSON.stringify(r.code).includes('"75367002"'));
    expect(bp).toBeDefined();
    const comps = bp!.component as Json[];
    expect(comps.map((c) => ((c.code as Json).coding as Json[])[0]!.code)).toEqual(['271649006', '271650006']);
    for (const c of comps) expect(c.valueQuantity).toMatchObject({ system: 'http://unitsofmeasure.org', code: 'mm[Hg]' });
  });

  it('resolves every reference to a generated resource', () => {
    const keys = new Set(resources.map(keyOf));
    let count = 0;
    for (const o of objects(resources)) {
      if (typeof o.reference === 'string') {
        count++;
        expect(keys.has(o.reference), o.reference).toBe(true);
      }
    }
    expect(count).toBeGreaterThan(resources.length);
  });

  it('points every DocumentReference at a binary whose size and SHA-1 match', () => {
    const byId = new Map(binaries.map((b) => [b.id, b]));
    const docs = resources.filter((r) => r.resourceType === 'DocumentReference');
    expect(docs.length).toBeGreaterThan(0);
    const used = new Set<string>();
    for (const d of docs) {
      const att = ((d.content as Json[])[0]!.attachment) as Json;
      const m = /^Binary\/(.+)$/.exec(String(att.url));
      expect(m, String(att.url)).not.toBeNull();
      const bin = byId.get(m![1]!);
      expect(bin, String(att.url)).toBeDefined();
      used.add(bin!.id);
      expect(att.contentType).toBe(bin!.contentType);
      expect(att.size).toBe(bin!.content.length);
      expect(att.hash).toBe(createHash('sha1').update(bin!.content).digest('base64'));
      expect(typeof att.title).toBe('string');
    }
    expect(used.size).toBe(binaries.length);
    for (const b of binaries) {
      expect(b.content.length).toBeGreaterThanOrEqual(2048);
      expect(b.content.length).toBeLessThanOrEqual(210_000);
    }
  });

  it('has a realistic, long-tailed volume', () => {
    expect(resources.length).toBeGreaterThanOrEqual(500);
    expect(resources.length).toBeLessThanOrEqual(5000);
    const perPatient = new Map<string, number>();
    for (const r of resources) {
      const m = /^[a-z]+-A81001-(\d+)(-|$)/.exec(String(r.id));
      if (m && !['Practitioner', 'PractitionerRole', 'Location'].includes(String(r.resourceType))) {
        perPatient.set(m[1]!, (perPatient.get(m[1]!) ?? 0) + 1);
      }
    }
    const counts = [...perPatient.values()].sort((a, b) => a - b);
    const median = counts[Math.floor(counts.length / 2)]!;
    const max = counts[counts.length - 1]!;
    expect(max).toBeGreaterThan(2 * median);
  });

  it('rejects a malformed ODS code', () => {
    expect(() => generatePractice({ ods: 'bad ods', patients: 1 })).toThrow(RangeError);
  });
});
