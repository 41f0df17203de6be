import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generatePractice } from '../../../dtm-server/src/seed/synthetic-practice.ts';
import { VALIDATORS } from '../generated/validators-fhir-r4.js';
import { DMD_SYSTEM, NHS_NUMBER_SYSTEM, ODS_SYSTEM, SNOMED_SYSTEM, isValidSnomedId } from '../uk-core/index.ts';
import { MAX_RULE_ISSUES, MAX_STRUCTURE_ISSUES, VALIDATED_RESOURCE_TYPES, validateResource } from './index.ts';
import type { ValidationIssue } from './index.ts';

type Resource = Record<string, unknown>;

const rules = (issues: ValidationIssue[]) => issues.map((i) => i.rule);
const errors = (issues: ValidationIssue[]) => issues.filter((i) => i.severity === 'error');
const clone = <T>(v: T): T => structuredClone(v);

const patient = (nhs = '9434765919'): Resource => ({
  resourceType: 'Patient',
  id: 'p1',
  identifier: [{ system: NHS_NUMBER_SYSTEM, value: nhs }],
  name: [{ family: 'Example', given: ['Alex'] }],
  gender: 'female',
  birthDate: '1970-01-01',
});
const condition = (code: unknown = '38341003'): Resource => ({
  resourceType: 'Condition',
  id: 'c1',
  code: { coding: [{ system: SNOMED_SYSTEM, code, display: 'Hypertensive disorder' }] },
  subject: { reference: 'Patient/p1' },
});

describe('validateResource: structure (HL7 R4 JSON Schema)', () => {
  it('precompiles exactly the listed resource types', () => {
    expect(Object.keys(VALIDATORS).sort()).toEqual([...VALIDATED_RESOURCE_TYPES].sort());
    expect(VALIDATED_RESOURCE_TYPES).toHaveLength(30);
  });

  it('accepts valid resources', () => {
    expect(validateResource(patient())).toEqual([]);
    expect(validateResource(condition())).toEqual([]);
  });

  it('names the missing required element', () => {
    const c = condition();
    delete c.subject;
    const issues = validateResource(c);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ rule: 'fhir.structure', severity: 'error', pointer: '' });
    expect(issues[0]!.message).toContain('subject');
  });

  it('rejects a code outside the required value set', () => {
    const obs = { resourceType: 'Observation', status: 'done', code: { text: 'Weight' }, subject: { reference: 'Patient/p1' } };
    expect(validateResource(obs)).toEqual([
      { rule: 'fhir.structure', severity: 'error', pointer: '/status', message: 'must be equal to one of the allowed values' },
    ]);
    expect(validateResource({ ...obs, status: 'final' })).toEqual([]);
  });

  it('points at unknown elements and wrong types deep in the resource', () => {
    const p = { ...patient(), nhsNumber: '9434765919', address: [{ line: 'not an array', period: { start: 'yesterday' } }] };
    const issues = validateResource(p);
    expect(issues.every((i) => i.rule === 'fhir.structure')).toBe(true);
    expect(issues.map((i) => i.pointer).sort()).toEqual(['/address/0/line', '/address/0/period/start', '/nhsNumber']);
  });

  it('reads the schema\'s patterns as FHIR means them: any Unicode text in a string, no space in a uri or inside a code', () => {
    // U+00A0, U+202F, U+2028 and U+3000 are text, not the whitespace XML Schema's \\s means.
    for (const text of ['Smith\u00A0Jones', 'BP\u202Fhigh', 'line\u2028break', 'a\u3000b', '\uFEFFBOM-led']) {
      expect(validateResource({ ...patient(), name: [{ family: text, given: ['Alex'] }] }), JSON.stringify(text)).toEqual([]);
    }
    expect(errors(validateResource({ ...patient(), name: [{ family: '' }] }))).toHaveLength(1); // a string has a character
    const withGender = (gender: string) => errors(validateResource({ ...patient(), gender })).length;
    expect(withGender('female ')).toBe(1); // a code has no trailing whitespace
    expect(withGender('fe male')).toBe(1); // and single spaces only between tokens (not in the value set either)
    const withUrl = (url: string) => errors(validateResource({ ...condition(), extension: [{ url, valueString: 'x' }] })).length;
    expect(withUrl('https://example.org/a\u00A0b')).toBe(0); // XML Schema's \\S takes a no-break space
    expect(withUrl('https://example.org/a b')).toBe(1);
  });

  it('checks base64Binary in linear time, and whitespace only between groups of four', () => {
    const ext = (value: string) => ({ ...patient(), extension: [{ url: 'https://example.org/b64', valueBase64Binary: value }] });
    const line = 'QUJD'.repeat(19);
    expect(validateResource(ext([line, line, line].join('\r\n')))).toEqual([]);
    expect(validateResource(ext(' QUJD  QUJD '))).toEqual([]);
    expect(errors(validateResource(ext('QU JD')))).toHaveLength(1);
    // An invalid value with whitespace between its groups once backtracked exponentially: 1.4 kB ran past 100 s.
    const started = performance.now();
    expect(errors(validateResource(ext(`${Array(200).fill(line).join('\r\n')}\r\nQUJ-`)))).toHaveLength(1);
    expect(errors(validateResource(ext(`${Array(2000).fill('QUJD').join('  ')}  =`)))).toHaveLength(1);
    expect(performance.now() - started).toBeLessThan(2000); // exponential would take far longer than any machine's noise
  });

  it('checks FHIR integers as whole numbers in their ranges', () => {
    const birth = (multipleBirthInteger: number) => errors(validateResource({ ...patient(), multipleBirthInteger })).length;
    expect(birth(2)).toBe(0);
    expect(birth(1.5)).toBe(1);
    expect(birth(2 ** 31)).toBe(1);
    const sized = (size: number) => errors(validateResource({ resourceType: 'DocumentReference', status: 'current', content: [{ attachment: { contentType: 'text/plain', size } }] }))
      .filter((i) => i.rule === 'fhir.structure').length;
    expect(sized(0)).toBe(0);
    expect(sized(-1)).toBe(1); // unsignedInt
  });

  it('checks contained resources by their own type', () => {
    const c = condition();
    delete c.subject;
    const p = { ...patient(), contained: [c, { resourceType: 'NotAType' }] };
    const issues = validateResource(p);
    expect(issues.map((i) => [i.rule, i.pointer])).toEqual([
      ['fhir.structure', '/contained/0'],
      ['fhir.structure', '/contained/1'],
    ]);
    expect(issues[0]!.message).toContain('subject');
  });

  it('reports at most MAX_STRUCTURE_ISSUES structure errors', () => {
    const p = { ...patient(), name: Array.from({ length: 100 }, () => ({ family: 1 })) };
    const issues = validateResource(p);
    expect(issues).toHaveLength(MAX_STRUCTURE_ISSUES);
  });
});

describe('validateResource: resource types', () => {
  it('carries an R4 type it does not check with one warning', () => {
    const claim = {
      resourceType: 'Claim',
      status: 'active',
      type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/claim-type', code: 'professional' }] },
      use: 'claim',
      patient: { reference: 'Patient/p1' },
      created: '2024-01-01',
      provider: { reference: 'Organization/o1' },
      priority: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/processpriority', code: 'normal' }] },
      insurance: [{ sequence: 1, focal: true, coverage: { display: 'Cash' } }],
    };
    expect(validateResource(claim)).toEqual([
      { rule: 'dtm.unexpected-resource-type', severity: 'warning', pointer: '/resourceType', message: expect.any(String) },
    ]);
  });

  it('still applies UK Core rules to a type it does not check structurally', () => {
    const group = { resourceType: 'Group', member: [{ entity: { identifier: { system: NHS_NUMBER_SYSTEM, value: '9434765910' } } }] };
    expect(validateResource(group).map((i) => [i.rule, i.pointer])).toEqual([
      ['dtm.unexpected-resource-type', '/resourceType'],
      ['uk-core.nhs-number', '/member/0/entity/identifier/value'],
    ]);
  });

  it('refuses non-objects and unknown or missing resource types', () => {
    for (const input of [null, undefined, 'x', 42, true, [], [patient()], {}, { resourceType: 7 }, { resourceType: 'Foo' }, { resourceType: 'Bundle_Entry' }]) {
      const issues = validateResource(input);
      expect(rules(issues), JSON.stringify(input)).toEqual(['fhir.resource-type']);
      expect(issues[0]!.severity).toBe('error');
    }
  });
});

describe('validateResource: UK Core rules', () => {
  it('reports a bad NHS check digit at the value, without the number', () => {
    const issues = validateResource(patient('9434765910'));
    expect(issues).toEqual([{ rule: 'uk-core.nhs-number', severity: 'error', pointer: '/identifier/0/value', message: expect.any(String) }]);
    expect(issues[0]!.message).not.toContain('9434765910');
    expect(issues[0]!.message).not.toMatch(/\d{3}/);
  });

  it('checks NHS numbers wherever an Identifier occurs', () => {
    const c = { ...condition(), subject: { identifier: { system: NHS_NUMBER_SYSTEM, value: '943 476 5919' } } };
    expect(validateResource(c).map((i) => [i.rule, i.pointer])).toEqual([['uk-core.nhs-number', '/subject/identifier/value']]);
  });

  it('warns about a Patient with no NHS number', () => {
    const p = { ...patient(), identifier: [{ system: 'https://example.org/mrn', value: '123' }] };
    expect(validateResource(p)).toEqual([{ rule: 'uk-core.nhs-number-missing', severity: 'warning', pointer: '', message: expect.any(String) }]);
  });

  it('rejects a SNOMED CT code with an altered digit', () => {
    expect(isValidSnomedId('38341004')).toBe(false);
    expect(validateResource(condition('38341004'))).toEqual([
      { rule: 'uk-core.snomed-id', severity: 'error', pointer: '/code/coding/0/code', message: expect.any(String) },
    ]);
  });

  it('rejects a numeric SNOMED CT code', () => {
    const issues = validateResource(condition(38341003));
    expect(rules(issues)).toContain('uk-core.snomed-id');
    expect(issues.every((i) => i.pointer === '/code/coding/0/code')).toBe(true);
  });

  it('rejects a SNOMED CT description id used as a concept', () => {
    // 2 from the right is the partition: 01 is a description id (this one passes Verhoeff).
    const description = ['1234011', '1234012', '1234013', '1234014', '1234015', '1234016', '1234017', '1234018', '1234019', '1234010'].find(
      isValidSnomedId,
    )!;
    expect(rules(validateResource(condition(description)))).toEqual(['uk-core.snomed-id']);
  });

  it('takes a post-coordinated SNOMED CT expression of valid concept ids with a warning, and rejects one with a bad id', () => {
    // Fracture of femur (71620000): finding site (363698007) = bone structure of femur (71341001), with terms.
    const good = '71620000 |Fracture of femur| : 363698007 |Finding site| = 71341001 |Bone structure of femur 2|';
    expect(validateResource(condition(good)).map((i) => `${i.severity} ${i.rule}`)).toEqual(['warning uk-core.snomed-expression']);
    expect(validateResource(condition('195967001:246112005=24484000')).map((i) => i.rule)).toEqual(['uk-core.snomed-expression']);
    expect(rules(validateResource(condition('71620000:363698007=71341002')))).toEqual(['uk-core.snomed-id']); // last id's check digit altered
    expect(rules(validateResource(condition('not: an = expression')))).toEqual(['uk-core.snomed-id']);
    // Concrete values, groups and nesting are expressions too.
    for (const ok of ['322236009 : 116676008 = #500', '322236009:{363698007=71341001, 116676008="1 tab"}', '71620000:363698007=(71341001:272741003=7771000)', '=== 71620000 + 38341003']) {
      expect(rules(validateResource(condition(ok))), ok).toEqual(['uk-core.snomed-expression']);
    }
    // Digits and punctuation that do not parse as an expression stay errors.
    for (const bad of ['73211009,hello world', '73211009:', '{73211009}', '73211009 | unclosed term', '73211009=Mr Smith', '71620000:363698007']) {
      expect(rules(validateResource(condition(bad))), bad).toEqual(['uk-core.snomed-id']);
    }
  });

  it('checks dm+d codes and medication coding', () => {
    const mr = (coding: Resource[]): Resource => ({
      resourceType: 'MedicationRequest',
      status: 'active',
      intent: 'order',
      medicationCodeableConcept: { coding, text: 'Amlodipine 5mg tablets' },
      subject: { reference: 'Patient/p1' },
    });
    expect(validateResource(mr([{ system: DMD_SYSTEM, code: '319283006' }]))).toEqual([]);
    expect(validateResource(mr([{ system: DMD_SYSTEM, code: '319283007' }])).map((i) => [i.rule, i.pointer])).toEqual([
      ['uk-core.dmd-code', '/medicationCodeableConcept/coding/0/code'],
    ]);
    const rxnorm = validateResource(mr([{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '197361' }]));
    expect(rxnorm).toEqual([{ rule: 'uk-core.medication-coding', severity: 'warning', pointer: '/medicationCodeableConcept', message: expect.any(String) }]);
    const byRef = { ...mr([]), medicationCodeableConcept: undefined, medicationReference: { reference: 'Medication/m1' } };
    expect(validateResource(JSON.parse(JSON.stringify(byRef)))).toEqual([]);
    const med = { resourceType: 'Medication', code: { text: 'Something' } };
    expect(rules(validateResource(med))).toEqual(['uk-core.medication-coding']);
    expect(validateResource({ resourceType: 'MedicationStatement', status: 'active', subject: { reference: 'Patient/p1' } })).toEqual([
      { rule: 'uk-core.medication-coding', severity: 'warning', pointer: '', message: expect.any(String) },
    ]);
  });

  it('checks ODS codes', () => {
    const org = (value: string): Resource => ({ resourceType: 'Organization', identifier: [{ system: ODS_SYSTEM, value }], name: 'Practice' });
    expect(validateResource(org('A81001'))).toEqual([]);
    expect(validateResource(org('a81001')).map((i) => [i.rule, i.pointer])).toEqual([['uk-core.ods-code', '/identifier/0/value']]);
  });

  it('checks Attachment hash (SHA-1 base64) and size', () => {
    const doc = (attachment: Resource): Resource => ({
      resourceType: 'DocumentReference',
      status: 'current',
      subject: { reference: 'Patient/p1' },
      content: [{ attachment: { contentType: 'text/plain', url: 'Binary/b1', ...attachment } }],
    });
    const sha1 = 'qUqP5cyxm6YcTAhz05Hph5gvu9M='; // sha1('test')
    const sha256 = 'n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=';
    expect(validateResource(doc({ hash: sha1, size: 4 }))).toEqual([]);
    expect(validateResource(doc({ hash: sha256 })).map((i) => [i.rule, i.pointer])).toEqual([['fhir.attachment-hash', '/content/0/attachment/hash']]);
    expect(rules(validateResource(doc({ hash: 'qUqP5cyxm6YcTAhz05Hph5gvu9N=' })))).toEqual(['fhir.attachment-hash']); // non-canonical last character
    // Size is an unsignedInt: the structure check's (once a rule of its own, when the schema let 1.5 pass).
    expect(validateResource(doc({ size: 1.5 })).map((i) => [i.rule, i.pointer])).toEqual([['fhir.structure', '/content/0/attachment/size']]);
    expect(rules(validateResource(doc({ size: -1 })))).toEqual(['fhir.structure']);
  });

  it('warns about a Coding with a code but no system, and not about a Quantity', () => {
    const obs = {
      resourceType: 'Observation',
      status: 'final',
      code: { coding: [{ code: '27113001' }] },
      valueQuantity: { value: 70, unit: 'kg', code: 'kg' },
      meta: { tag: [{ code: 'x' }] },
    };
    expect(validateResource(obs).map((i) => [i.rule, i.severity, i.pointer])).toEqual([
      ['uk-core.coding-system', 'warning', '/code/coding/0'],
      ['uk-core.coding-system', 'warning', '/meta/tag/0'],
    ]);
  });

  it('finds Codings in extensions, contained resources and primitive extensions', () => {
    const bad = { system: SNOMED_SYSTEM, code: '38341004' };
    const p = {
      ...patient(),
      extension: [{ url: 'https://example.org/a', extension: [{ url: 'b', valueCoding: bad }] }],
      _birthDate: { extension: [{ url: 'c', valueCodeableConcept: { coding: [bad] } }] },
      contained: [{ ...condition('38341004') }],
    };
    expect(validateResource(p).map((i) => i.pointer)).toEqual([
      '/extension/0/extension/0/valueCoding/code',
      '/_birthDate/extension/0/valueCodeableConcept/coding/0/code',
      '/contained/0/code/coding/0/code',
    ]);
  });

  it('lists at most MAX_RULE_ISSUES rule issues and says how many more', () => {
    const c = { ...condition(), code: { coding: Array.from({ length: 150 }, () => ({ system: SNOMED_SYSTEM, code: '38341004' })) } };
    const issues = validateResource(c);
    expect(issues).toHaveLength(MAX_RULE_ISSUES + 1);
    expect(issues.at(-1)).toMatchObject({ rule: 'dtm.issues-truncated', severity: 'warning' });
    expect(issues.at(-1)!.message).toContain('50');
  });
});

describe('validateResource: hostile input', () => {
  it('never throws on deeply nested junk', () => {
    let ext: Resource = { url: 'x', valueString: 'y' };
    for (let i = 0; i < 100_000; i++) ext = { url: 'x', extension: [ext] };
    let junk: unknown = 1;
    for (let i = 0; i < 100_000; i++) junk = i % 2 ? [junk] : { a: junk };
    let contained: Resource = patient();
    for (let i = 0; i < 10_000; i++) contained = { resourceType: 'Patient', contained: [contained] };
    const failing: unknown[] = [
      { ...patient(), extension: [ext] },
      { ...patient(), foo: junk },
      { resourceType: 'Patient', identifier: junk },
      contained,
      junk,
      { resourceType: '__proto__' },
      { resourceType: 'constructor' },
      JSON.parse('{"resourceType":"Patient","__proto__":{"identifier":[]}}'),
    ];
    const check = (input: unknown): ValidationIssue[] => {
      let issues: ValidationIssue[] = [];
      expect(() => (issues = validateResource(input))).not.toThrow();
      expect(Array.isArray(issues)).toBe(true);
      return issues;
    };
    for (const input of failing) expect(errors(check(input)).length).toBeGreaterThan(0);
    // Not structurally checked, and nothing in the junk is an element the UK Core rules look at.
    expect(rules(check({ resourceType: 'Group', member: junk }))).toEqual(['dtm.unexpected-resource-type']);
  });

  it('never puts record values in messages', () => {
    const practice = generatePractice({ ods: 'A81001', patients: 20 });
    const SENTINEL = 'Zq9434765919';
    const poison = (v: unknown, i: { n: number }): unknown => {
      if (typeof v === 'string') return i.n++ % 3 === 0 ? SENTINEL : v;
      if (typeof v === 'number') return i.n++ % 2 === 0 ? -9434765919.5 : v;
      if (Array.isArray(v)) return v.map((x) => poison(x, i));
      if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, k === 'resourceType' ? x : poison(x, i)]));
      return v;
    };
    let seen = 0;
    for (const r of practice.resources) {
      for (const issue of validateResource(poison(clone(r), { n: 0 }))) {
        seen++;
        expect(issue.message).not.toContain('Zq');
        expect(issue.message).not.toContain('943476');
      }
    }
    expect(seen).toBeGreaterThan(100);
  });
});

describe('the synthetic UK practice', () => {
  const { resources } = generatePractice({ ods: 'A81001', patients: 200 });

  it('validates with zero errors', () => {
    const failed = resources
      .map((r) => ({ type: r.resourceType, id: r.id, issues: errors(validateResource(r)) }))
      .filter((x) => x.issues.length > 0);
    expect(failed).toEqual([]);
    expect(resources.length).toBeGreaterThan(1000);
  });

  it('validates with zero warnings too', () => {
    const warned = resources.flatMap((r) => validateResource(r).filter((i) => i.severity === 'warning').map((i) => `${String(r.resourceType)} ${i.rule}`));
    expect(warned).toEqual([]);
  });
});

const SYNTHEA = '/work/shared/data/synthea-r4';

describe.skipIf(!existsSync(SYNTHEA))('US Synthea R4 data', () => {
  it('gives every resource a result, drops none, and flags what a UK record lacks', () => {
    const resources: Resource[] = [];
    for (const file of readdirSync(SYNTHEA).filter((f) => f.endsWith('.json')).sort()) {
      const doc = JSON.parse(readFileSync(`${SYNTHEA}/${file}`, 'utf8')) as Resource;
      if (doc.resourceType === 'Bundle') for (const e of doc.entry as { resource: Resource }[]) resources.push(e.resource);
      else resources.push(doc);
    }
    const byRule: Record<string, number> = {};
    const byRuleAndType: Record<string, number> = {};
    const typeCount: Record<string, number> = {};
    let results = 0;
    for (const r of resources) {
      const type = String(r.resourceType);
      typeCount[type] = (typeCount[type] ?? 0) + 1;
      const issues = validateResource(r);
      expect(Array.isArray(issues)).toBe(true);
      results++;
      for (const i of issues) {
        byRule[`${i.severity} ${i.rule}`] = (byRule[`${i.severity} ${i.rule}`] ?? 0) + 1;
        byRuleAndType[`${i.rule} ${type}`] = (byRuleAndType[`${i.rule} ${type}`] ?? 0) + 1;
      }
    }
    console.log(`Synthea: ${resources.length} resources, issues by rule:`, byRule);
    expect(results).toBe(resources.length);
    expect(resources.length).toBe(38_971);
    expect(typeCount.Patient).toBe(100);
    expect(byRuleAndType['uk-core.nhs-number-missing Patient']).toBe(100);
    expect(byRule['warning uk-core.nhs-number-missing']).toBe(100);
    expect(byRuleAndType['dtm.unexpected-resource-type Claim']).toBe(typeCount.Claim);
    expect(byRuleAndType['dtm.unexpected-resource-type ExplanationOfBenefit']).toBe(typeCount.ExplanationOfBenefit);
    expect(typeCount.Claim).toBeGreaterThan(0);
    // Real-world-shaped R4: no structure or rule errors at all (US codes are warnings, not errors).
    expect(Object.keys(byRule).filter((k) => k.startsWith('error '))).toEqual([]);
  });
});
