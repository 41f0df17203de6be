// A practice's working week, played as the live Source system would publish it: new consultations
// (with observations), edits to existing records, entered-in-error deletions, new documents and
// appointments. Deterministic for a seed; the caller decides how fast "time" passes.
import { createHash } from 'node:crypto';
import { SNOMED_SYSTEM, binaryReference, type FhirResource, type IngestItem } from '@dtm/shared';
import * as C from './codes.ts';
import { createRng, deriveSeed } from './random.ts';
import { documentContent, type SyntheticBinary, type SyntheticPractice } from './synthetic-practice.ts';

export interface ActivityTick {
  /** Simulated instant of the changes (their sourceUpdatedAt). */
  at: Date;
  items: IngestItem[];
  binaries: SyntheticBinary[];
}

export interface ActivityOptions {
  seed?: number;
  /** First simulated instant (e.g. Monday 08:00). */
  start: Date;
  days?: number;
  /** Changes (ticks) per working day, spread over 08:00-18:30. */
  ticksPerDay?: number;
}

type Resource = Record<string, unknown>;
const sct = (c: C.Code) => ({ coding: [{ system: SNOMED_SYSTEM, code: c.code, display: c.display }], text: c.display });
const ref = (type: string, id: string) => ({ reference: `${type}/${id}` });
const WORKING_DAY_MS = 10.5 * 3600_000;

/** The ticks of `days` working days; each tick is one publishable batch. */
export function* playWorkingWeek(practice: SyntheticPractice, o: ActivityOptions): Generator<ActivityTick> {
  const rng = createRng(deriveSeed(o.seed ?? 1, `activity:${practice.ods}`));
  const days = o.days ?? 5;
  const perDay = o.ticksPerDay ?? 100;
  const patients = practice.resources.filter((r) => r.resourceType === 'Patient').map((r) => String(r.id));
  const practitioners = practice.resources.filter((r) => r.resourceType === 'Practitioner').map((r) => String(r.id));
  const editable = practice.resources.filter((r) => r.resourceType === 'Observation' || r.resourceType === 'Condition' || r.resourceType === 'AllergyIntolerance');
  const current = new Map<string, Resource>();
  const created: { type: string; id: string }[] = [];
  if (patients.length === 0 || practitioners.length === 0) return;
  let n = 0;
  for (let day = 0; day < days; day++) {
    for (let t = 0; t < perDay; t++) {
      const at = new Date(o.start.getTime() + day * 86_400_000 + Math.floor(((t + rng.next()) / perDay) * WORKING_DAY_MS));
      const iso = at.toISOString();
      const patient = ref('Patient', rng.pick(patients));
      const who = rng.pick(practitioners);
      const roll = rng.next();
      const items: IngestItem[] = [];
      const binaries: SyntheticBinary[] = [];
      n++;
      if (roll < 0.45) {
        // A consultation with a blood pressure reading.
        const enc = `enc-act-${practice.ods}-${n}`;
        items.push({ op: 'upsert', sourceUpdatedAt: iso, resource: {
          resourceType: 'Encounter', id: enc, status: 'finished', class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB', display: 'ambulatory' },
          type: [sct(rng.pick(C.ENCOUNTER_TYPES))], subject: patient, participant: [{ individual: ref('Practitioner', who) }],
          period: { start: iso, end: new Date(at.getTime() + 10 * 60_000).toISOString() },
        } });
        const obs = `obs-act-${practice.ods}-${n}`;
        items.push({ op: 'upsert', sourceUpdatedAt: iso, resource: {
          resourceType: 'Observation', id: obs, status: 'final', code: sct(C.OBS.bloodPressure), subject: patient, encounter: ref('Encounter', enc),
          effectiveDateTime: iso, performer: [ref('Practitioner', who)],
          component: [
            { code: sct(C.OBS.systolic), valueQuantity: { value: rng.int(105, 165), unit: 'mm[Hg]', system: C.UCUM_SYSTEM, code: 'mm[Hg]' } },
            { code: sct(C.OBS.diastolic), valueQuantity: { value: rng.int(62, 98), unit: 'mm[Hg]', system: C.UCUM_SYSTEM, code: 'mm[Hg]' } },
          ],
        } });
        created.push({ type: 'Observation', id: obs });
      } else if (roll < 0.75 && editable.length) {
        // An edit: a note added to an existing record.
        const base = rng.pick(editable);
        const key = `${String(base.resourceType)}/${String(base.id)}`;
        const prev = current.get(key) ?? base;
        const { meta: _m, ...rest } = prev as Resource & { meta?: unknown };
        const next = { ...rest, note: [{ time: iso, text: `Reviewed ${iso.slice(0, 10)}` }] };
        current.set(key, next);
        items.push({ op: 'upsert', sourceUpdatedAt: iso, resource: next as unknown as FhirResource });
      } else if (roll < 0.83 && created.length) {
        // Entered in error: a record made this week is removed.
        const victim = created.splice(rng.int(0, created.length - 1), 1)[0]!;
        items.push({ op: 'delete', sourceUpdatedAt: iso, resourceType: victim.type, id: victim.id });
      } else if (roll < 0.93) {
        // A letter arrives: a document and its binary.
        const binId = `bin-act-${practice.ods}-${n}`;
        const type = rng.pick(C.DOCUMENT_TYPES);
        const content = documentContent(deriveSeed(o.seed ?? 1, binId), rng.int(2_000, 60_000), true, type.display);
        binaries.push({ id: binId, contentType: 'application/pdf', content });
        items.push({ op: 'upsert', sourceUpdatedAt: iso, resource: {
          resourceType: 'DocumentReference', id: `doc-act-${practice.ods}-${n}`, status: 'current', type: sct(type), subject: patient, date: iso,
          content: [{ attachment: { contentType: 'application/pdf', url: binaryReference(binId), size: content.length, hash: createHash('sha1').update(content).digest('base64'), title: `${type.display}.pdf` } }],
        } });
      } else {
        // An appointment booked for next week.
        items.push({ op: 'upsert', sourceUpdatedAt: iso, resource: {
          resourceType: 'Appointment', id: `appt-act-${practice.ods}-${n}`, status: 'booked', start: new Date(at.getTime() + 7 * 86_400_000).toISOString(),
          end: new Date(at.getTime() + 7 * 86_400_000 + 10 * 60_000).toISOString(),
          participant: [{ actor: patient, status: 'accepted' }, { actor: ref('Practitioner', who), status: 'accepted' }],
        } });
      }
      yield { at, items, binaries };
    }
  }
}
