// Deterministic synthetic English GP practice: FHIR R4 resources shaped like UK Core, and the binaries
// its DocumentReferences point at. The same options always give the same output (no clock, no
// Math.random): each patient draws from its own PRNG stream, so patient n is the same whatever the count.
// Names and addresses are invented, NHS numbers are from the 999 test range.
import { createHash } from 'node:crypto';
import {
  DMD_SYSTEM,
  NHS_NUMBER_SYSTEM,
  NHS_TEST_SERIALS,
  ODS_CODE_PATTERN,
  ODS_SYSTEM,
  SNOMED_SYSTEM,
  binaryReference,
  nhsNumberFromSerial,
} from '@dtm/shared';
import * as C from './codes.ts';
import type { Code, MedKey } from './codes.ts';
import { createRng, deriveSeed } from './random.ts';
import type { Rng } from './random.ts';

export interface SyntheticBinary { id: string; contentType: string; content: Buffer }
export interface SyntheticPractice { ods: string; name: string; resources: Record<string, unknown>[]; binaries: SyntheticBinary[] }

type Resource = Record<string, unknown>;

/** The moment the synthetic record is "as of": fixed, so output never depends on the clock. */
const AS_OF = Date.UTC(2025, 5, 30, 17, 0, 0);
const DAY = 86_400_000;
const YEAR = 365.25 * DAY;
const MAX_PATIENTS = 500_000;

const iso = (ms: number): string => new Date(ms).toISOString().slice(0, 19) + 'Z';
const isoDate = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
const ref = (type: string, id: string) => ({ reference: `${type}/${id}` });
const coding = (system: string, c: Code) => ({ system, code: c.code, display: c.display });
const sct = (c: Code) => ({ coding: [coding(SNOMED_SYSTEM, c)], text: c.display });
const hl7 = (cs: string, code: string, display?: string) => ({ coding: [{ system: `${C.HL7_CS}/${cs}`, code, ...(display ? { display } : {}) }] });
const meta = (profile: string) => ({ profile: [`${C.UK_CORE_PROFILE_BASE}${profile}`] });
const ucum = (value: number, unit: string) => ({ value, unit, system: C.UCUM_SYSTEM, code: unit });
const round1 = (n: number) => Math.round(n * 10) / 10;

interface PracticeCtx {
  ods: string;
  orgId: string;
  locId: string;
  practitioners: string[];
  gps: string[];
}

export function generatePractice(opts: { ods: string; name?: string; patients: number; seed?: number }): SyntheticPractice {
  const { ods, patients } = opts;
  const seed = opts.seed ?? 1;
  if (!ODS_CODE_PATTERN.test(ods)) throw new RangeError(`not an ODS code: ${ods}`);
  if (!Number.isInteger(patients) || patients < 0 || patients > MAX_PATIENTS) throw new RangeError(`bad patient count: ${patients}`);
  const rng = createRng(deriveSeed(seed, `practice:${ods}`));
  const name = opts.name ?? `${rng.pick(C.TOWNS)} Synthetic Medical Practice`;
  const resources: Resource[] = [];
  const binaries: SyntheticBinary[] = [];

  const orgId = `org-${ods}`;
  const locId = `loc-${ods}-1`;
  const address = { use: 'work', line: [`1 ${rng.pick(C.STREETS)}`], city: rng.pick(C.TOWNS), postalCode: postcode(rng), country: 'GB' };
  resources.push({
    resourceType: 'Organization', id: orgId, meta: meta('Organization'),
    identifier: [{ system: ODS_SYSTEM, value: ods }],
    active: true, name, address: [address],
    telecom: [{ system: 'phone', value: `0113 496 ${String(rng.int(0, 9999)).padStart(4, '0')}`, use: 'work' }],
  });
  resources.push({
    resourceType: 'Location', id: locId, meta: meta('Location'), status: 'active', name: `${name} main surgery`,
    address, managingOrganization: ref('Organization', orgId),
  });
  const ctx: PracticeCtx = { ods, orgId, locId, practitioners: [], gps: [] };
  const staff = rng.int(2, 4);
  for (let i = 1; i <= staff; i++) {
    const id = `prac-${ods}-${i}`;
    const nurse = staff >= 3 && i === staff;
    const gender = rng.chance(0.5) ? 'female' : 'male';
    ctx.practitioners.push(id);
    if (!nurse) ctx.gps.push(id);
    resources.push({
      resourceType: 'Practitioner', id, meta: meta('Practitioner'),
      identifier: [{ system: 'https://fhir.nhs.uk/Id/sds-user-id', value: String(deriveSeed(seed, id) % 900_000_000_000 + 100_000_000_000) }],
      active: true, gender,
      name: [{ family: rng.pick(C.FAMILY_NAMES), given: [rng.pick(C.GIVEN_NAMES[gender])], prefix: [nurse ? 'Ms' : 'Dr'] }],
    });
    resources.push({
      resourceType: 'PractitionerRole', id: `prrole-${ods}-${i}`, meta: meta('PractitionerRole'), active: true,
      practitioner: ref('Practitioner', id), organization: ref('Organization', orgId), location: [ref('Location', locId)],
      code: [sct(nurse ? C.ROLES.nurse : C.ROLES.gp)],
    });
  }

  // The serial range start depends on seed and ODS only, so patient n keeps its NHS number whatever the count.
  const serialBase = deriveSeed(seed, `nhs:${ods}`) % (NHS_TEST_SERIALS - MAX_PATIENTS);
  for (let n = 1; n <= patients; n++) {
    const prng = createRng(deriveSeed(seed, `patient:${ods}:${n}`));
    generatePatient(ctx, prng, n, nhsNumberFromSerial(serialBase + n - 1), resources, binaries);
  }
  return { ods, name, resources, binaries };
}

function postcode(rng: Rng): string {
  const l = () => rng.pick([...C.POSTCODE_LETTERS]);
  return `${rng.pick(C.POSTCODE_AREAS)}${rng.int(1, 29)} ${rng.int(0, 9)}${l()}${l()}`;
}

function generatePatient(ctx: PracticeCtx, rng: Rng, n: number, nhs: string, out: Resource[], binaries: SyntheticBinary[]): void {
  const { ods } = ctx;
  const patId = `pat-${ods}-${n}`;
  const pid = `${ods}-${n}`;
  const patient = ref('Patient', patId);
  const age = Math.min(99, Math.floor(rng.next() < 0.2 ? rng.int(0, 17) : rng.int(18, 95)));
  const birth = AS_OF - age * YEAR - rng.int(1, 360) * DAY;
  const gender = rng.chance(0.51) ? 'female' : 'male';
  const family = rng.pick(C.FAMILY_NAMES);
  out.push({
    resourceType: 'Patient', id: patId, meta: meta('Patient'),
    identifier: [{
      extension: [{
        url: 'https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSNumberVerificationStatus',
        valueCodeableConcept: { coding: [{ system: 'https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatusEngland', code: '01', display: 'Number present and verified' }] },
      }],
      system: NHS_NUMBER_SYSTEM, value: nhs,
    }],
    name: [{ use: 'official', family, given: [rng.pick(C.GIVEN_NAMES[gender])] }],
    gender, birthDate: isoDate(birth),
    address: [{ use: 'home', line: [`${rng.int(1, 199)} ${rng.pick(C.STREETS)}`], city: rng.pick(C.TOWNS), postalCode: postcode(rng), country: 'GB' }],
    generalPractitioner: [ref('Organization', ctx.orgId)],
    managingOrganization: ref('Organization', ctx.orgId),
  });

  // How busy this record is: Pareto, so most patients have little and a few have a lot.
  const activity = rng.pareto(1.5, 14) * (age >= 65 ? 1.4 : 1);
  const chronic = C.CHRONIC_CONDITIONS.filter((c) => rng.chance(c.prevalence(age)));
  const monitoring = new Set(chronic.flatMap((c) => c.monitoring));
  const encCount = Math.min(80, Math.max(1, Math.round(activity * (1 + chronic.length * 1.2) + rng.int(0, 2))));
  const span = Math.min(5 * YEAR, AS_OF - birth - DAY);
  const encTimes = Array.from({ length: encCount }, () => AS_OF - Math.floor(rng.next() * span)).sort((a, b) => a - b);
  const clinician = () => rng.pick(ctx.practitioners);

  // Encounters
  const encounters = encTimes.map((start, k) => {
    const type = rng.chance(0.6) ? C.ENCOUNTER_TYPES[0]! : rng.pick(C.ENCOUNTER_TYPES);
    const cls = type.code === '185317003' ? ['VR', 'virtual'] : type.code === '439708006' ? ['HH', 'home health'] : ['AMB', 'ambulatory'];
    const id = `enc-${pid}-${k + 1}`;
    const who = clinician();
    out.push({
      resourceType: 'Encounter', id, meta: meta('Encounter'), status: 'finished',
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: cls[0], display: cls[1] },
      type: [sct(type)], subject: patient,
      participant: [{ individual: ref('Practitioner', who) }],
      period: { start: iso(start), end: iso(start + rng.int(5, 20) * 60_000) },
      location: [{ location: ref('Location', ctx.locId) }],
      serviceProvider: ref('Organization', ctx.orgId),
    });
    return { id, start, who };
  });
  const encAt = (k: number) => encounters[Math.max(0, Math.min(encounters.length - 1, k))]!;

  // Conditions: chronic problems (first recorded at an early consultation) and resolved acute ones.
  let condN = 0;
  const conditionFor = new Map<C.ChronicCondition, string>();
  const addCondition = (code: Code, enc: { id: string; start: number; who: string }, onset: number, resolved: boolean): string => {
    const id = `cond-${pid}-${++condN}`;
    out.push({
      resourceType: 'Condition', id, meta: meta('Condition'),
      clinicalStatus: hl7('condition-clinical', resolved ? 'resolved' : 'active'),
      verificationStatus: hl7('condition-ver-status', 'confirmed'),
      category: [hl7('condition-category', 'problem-list-item', 'Problem List Item')],
      code: sct(code), subject: patient, encounter: ref('Encounter', enc.id),
      onsetDateTime: iso(onset), ...(resolved ? { abatementDateTime: iso(onset + rng.int(7, 28) * DAY) } : {}),
      recordedDate: iso(enc.start), asserter: ref('Practitioner', enc.who),
    });
    return id;
  };
  for (const c of chronic) {
    const enc = encAt(rng.int(0, Math.min(2, encounters.length - 1)));
    const onset = Math.max(birth + DAY, enc.start - rng.int(0, 8 * 365) * DAY);
    conditionFor.set(c, addCondition(c.code, enc, onset, false));
  }
  const acute: { condId: string; med: MedKey | null; enc: (typeof encounters)[number] }[] = [];
  const acuteCount = Math.min(encounters.length, Math.floor(activity * rng.next() * 1.5));
  for (let i = 0; i < acuteCount; i++) {
    const a = rng.pick(C.ACUTE_CONDITIONS);
    const enc = rng.pick(encounters);
    acute.push({ condId: addCondition(a.code, enc, Math.max(birth, enc.start - rng.int(1, 5) * DAY), true), med: a.med, enc });
  }

  // Observations, taken at consultations.
  let obsN = 0;
  const obs = (enc: { id: string; start: number; who: string }, code: Code, category: string, extra: Resource) => {
    out.push({
      resourceType: 'Observation', id: `obs-${pid}-${++obsN}`, meta: meta('Observation'), status: 'final',
      category: [hl7('observation-category', category)], code: sct(code), subject: patient,
      encounter: ref('Encounter', enc.id), effectiveDateTime: iso(enc.start), performer: [ref('Practitioner', enc.who)], ...extra,
    });
  };
  const hypertensive = chronic.some((c) => c.code.code === '38341003');
  const diabetic = chronic.some((c) => c.code.code === '44054006');
  const bmiBase = 24 + rng.next() * 6 + (diabetic ? 4 : 0);
  encounters.forEach((enc, k) => {
    if (age >= 16 && (k === 0 || rng.chance(0.08))) obs(enc, rng.pick(C.SMOKING), 'social-history', {});
    if ((monitoring.has('bp') && rng.chance(0.7)) || (age >= 40 && rng.chance(0.25))) {
      const sys = Math.round(105 + age * 0.35 + (hypertensive ? 18 : 0) + rng.int(-12, 12));
      const dia = Math.round(68 + (hypertensive ? 10 : 0) + rng.int(-8, 8));
      obs(enc, C.OBS.bloodPressure, 'vital-signs', {
        component: [
          { code: sct(C.OBS.systolic), valueQuantity: ucum(sys, 'mm[Hg]') },
          { code: sct(C.OBS.diastolic), valueQuantity: ucum(dia, 'mm[Hg]') },
        ],
      });
    }
    if (age >= 16 && ((monitoring.has('bmi') && rng.chance(0.4)) || rng.chance(0.08))) {
      const bmi = round1(bmiBase + rng.next() * 2 - 1);
      obs(enc, C.OBS.bmi, 'vital-signs', { valueQuantity: ucum(bmi, 'kg/m2') });
      obs(enc, C.OBS.weight, 'vital-signs', { valueQuantity: ucum(round1(bmi * (gender === 'female' ? 2.62 : 3.06)), 'kg') });
    }
    if (monitoring.has('hba1c') ? rng.chance(0.5) : age >= 40 && rng.chance(0.03)) {
      const v = diabetic ? rng.int(46, 88) : rng.int(32, 41);
      obs(enc, C.OBS.hba1c, 'laboratory', { valueQuantity: ucum(v, 'mmol/mol') });
    }
  });

  // Medication: repeat issues of each chronic problem's medicines, and acute courses.
  let medN = 0;
  const prescribe = (key: MedKey, enc: { id: string; start: number }, reason: string, course: 'continuous' | 'acute', active: boolean) => {
    const m = C.MEDS[key];
    const d = C.MED_DOSAGE[key];
    out.push({
      resourceType: 'MedicationRequest', id: `med-${pid}-${++medN}`, meta: meta('MedicationRequest'),
      status: active ? 'active' : 'completed', intent: 'order',
      courseOfTherapyType: hl7('medicationrequest-course-of-therapy', course, course === 'acute' ? 'Short course (acute) therapy' : 'Continuous long term therapy'),
      medicationCodeableConcept: { coding: [coding(DMD_SYSTEM, m)], text: m.display },
      subject: patient, encounter: ref('Encounter', enc.id), authoredOn: iso(enc.start),
      requester: ref('Practitioner', rng.pick(ctx.gps)), reasonReference: [ref('Condition', reason)],
      dosageInstruction: [{ text: d.text }],
      dispenseRequest: { numberOfRepeatsAllowed: course === 'acute' ? 0 : 5, quantity: { value: d.quantity, unit: d.unit } },
    });
  };
  for (const [c, condId] of conditionFor) {
    for (const key of c.meds) {
      const issues = encounters.filter(() => rng.chance(0.6));
      if (issues.length === 0) issues.push(encAt(encounters.length - 1));
      issues.forEach((enc, i) => prescribe(key, enc, condId, 'continuous', i === issues.length - 1));
    }
  }
  for (const a of acute) if (a.med && rng.chance(0.7)) prescribe(a.med, a.enc, a.condId, 'acute', false);

  // Allergies: a few have one or two, many more have "no known allergy" recorded.
  const allergyCount = rng.chance(0.15) ? (rng.chance(0.2) ? 2 : 1) : 0;
  const first = rng.int(0, C.ALLERGIES.length - 1);
  const allergies = Array.from({ length: allergyCount }, (_, i) => C.ALLERGIES[(first + i) % C.ALLERGIES.length]!);
  if (allergies.length === 0 && rng.chance(0.5)) allergies.push({ code: C.NO_KNOWN_ALLERGY, category: 'medication' });
  allergies.forEach((a, i) => {
    const enc = rng.pick(encounters);
    const nka = a.code === C.NO_KNOWN_ALLERGY;
    out.push({
      resourceType: 'AllergyIntolerance', id: `alg-${pid}-${i + 1}`, meta: meta('AllergyIntolerance'),
      clinicalStatus: hl7('allergyintolerance-clinical', 'active'),
      verificationStatus: hl7('allergyintolerance-verification', 'confirmed'),
      ...(nka ? {} : { type: 'allergy', category: [a.category], criticality: rng.chance(0.3) ? 'high' : 'low' }),
      code: sct(a.code), patient, encounter: ref('Encounter', enc.id),
      recordedDate: iso(enc.start), recorder: ref('Practitioner', enc.who),
    });
  });

  // Immunisations: seasonal flu for the eligible, pneumococcal once at 65+, a few COVID-19 doses.
  let immN = 0;
  const nurse = ctx.practitioners[ctx.practitioners.length - 1]!;
  const immunise = (v: Code, at: number) => {
    if (at <= birth) return;
    out.push({
      resourceType: 'Immunization', id: `imm-${pid}-${++immN}`, meta: meta('Immunization'), status: 'completed',
      vaccineCode: sct(v), patient, occurrenceDateTime: iso(at), recorded: iso(at), primarySource: true,
      lotNumber: `SYN${rng.int(10000, 99999)}`, location: ref('Location', ctx.locId),
      performer: [{ actor: ref('Practitioner', nurse) }],
    });
  };
  const fluEligible = age >= 65 || chronic.some((c) => ['195967001', '13645005', '44054006', '709044004'].includes(c.code.code));
  for (let y = 1; y <= 5; y++) if (fluEligible && rng.chance(0.7)) immunise(C.VACCINES.flu, Date.UTC(2025 - y, 9, rng.int(1, 28), 10));
  if (age >= 65 && rng.chance(0.7)) immunise(C.VACCINES.pneumococcal, AS_OF - rng.int(30, 4 * 365) * DAY);
  if (age >= 18 && rng.chance(age >= 50 ? 0.7 : 0.3)) {
    const doses = rng.int(1, 3);
    for (let i = 0; i < doses; i++) immunise(C.VACCINES.covid, Date.UTC(2021 + i, 2 + rng.int(0, 6), rng.int(1, 28), 11));
  }

  // One appointment, one task.
  const booked = rng.chance(0.6);
  const apptStart = booked ? AS_OF + rng.int(1, 28) * DAY : encAt(encounters.length - 1).start;
  const apptWho = booked ? clinician() : encAt(encounters.length - 1).who;
  out.push({
    resourceType: 'Appointment', id: `appt-${pid}-1`, meta: meta('Appointment'), status: booked ? 'booked' : 'fulfilled',
    description: booked ? rng.pick(['Routine review', 'Medication review', 'Blood test', 'Annual health check']) : 'Consultation',
    start: iso(apptStart), end: iso(apptStart + 10 * 60_000), minutesDuration: 10, created: iso(apptStart - rng.int(1, 21) * DAY),
    participant: [
      { actor: patient, status: 'accepted' },
      { actor: ref('Practitioner', apptWho), status: 'accepted' },
      { actor: ref('Location', ctx.locId), status: 'accepted' },
    ],
  });
  const taskDone = rng.chance(0.7);
  const taskAt = AS_OF - rng.int(0, 90) * DAY;
  out.push({
    resourceType: 'Task', id: `task-${pid}-1`, meta: meta('Task'), status: taskDone ? 'completed' : 'requested', intent: 'order',
    priority: 'routine', description: rng.pick(['Repeat prescription request', 'Review hospital letter', 'Recall for blood test', 'Update contact details']),
    for: patient, authoredOn: iso(taskAt), lastModified: iso(taskAt + (taskDone ? rng.int(1, 5) * DAY : 0)),
    requester: ref('Practitioner', clinician()), owner: ref('Organization', ctx.orgId),
  });

  // Documents with their binaries: about a third of patients, more for busy records.
  const docCount = rng.chance(0.35) ? Math.max(1, Math.floor(activity / 2)) : 0;
  for (let d = 1; d <= docCount; d++) {
    const enc = rng.pick(encounters);
    const type = rng.pick(C.DOCUMENT_TYPES);
    const binId = `bin-${pid}-${d}`;
    const pdf = rng.chance(0.6);
    const size = Math.round(3072 * rng.pareto(0.85, 66));
    const content = documentContent(deriveSeed(rng.int(0, 0x7fffffff), binId), size, pdf, `${type.display} for ${family}`);
    binaries.push({ id: binId, contentType: pdf ? 'application/pdf' : 'text/plain', content });
    out.push({
      resourceType: 'DocumentReference', id: `doc-${pid}-${d}`, meta: meta('DocumentReference'), status: 'current',
      type: sct(type), subject: patient, date: iso(enc.start + DAY), author: [ref('Practitioner', enc.who)],
      custodian: ref('Organization', ctx.orgId), description: type.display,
      content: [{
        attachment: {
          contentType: pdf ? 'application/pdf' : 'text/plain', url: binaryReference(binId), size: content.length,
          hash: createHash('sha1').update(content).digest('base64'), title: `${type.display} ${isoDate(enc.start)}${pdf ? '.pdf' : '.txt'}`,
          creation: iso(enc.start + DAY),
        },
      }],
      context: { encounter: [ref('Encounter', enc.id)] },
    });
  }
}

/** Deterministic document body of exactly `size` bytes: PDF-shaped or plain text, of filler words. */
export function documentContent(seed: number, size: number, pdf: boolean, title: string): Buffer {
  const rng = createRng(seed);
  const head = pdf ? `%PDF-1.4\n% synthetic document\n1 0 obj\n<< /Title (${title}) >>\nstream\n` : `${title}\n\n`;
  const tail = pdf ? '\nendstream\nendobj\n%%EOF\n' : '\n';
  const parts: string[] = [head];
  let len = head.length + tail.length;
  while (len < size) {
    const words: string[] = [];
    for (let i = rng.int(6, 14); i > 0; i--) words.push(rng.pick(C.FILLER_WORDS));
    const line = `${words.join(' ')}.\n`;
    parts.push(line);
    len += line.length;
  }
  parts.push(tail);
  const all = Buffer.from(parts.join(''), 'latin1');
  // Trim the filler (never the header or trailer) to hit the size exactly.
  return all.length <= size ? all : Buffer.concat([all.subarray(0, size - tail.length), Buffer.from(tail, 'latin1')]);
}
