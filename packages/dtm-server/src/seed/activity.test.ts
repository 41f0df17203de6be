import { describe, expect, it } from 'vitest';
import { validateResource, type IngestItem } from '@dtm/shared';
import { generatePractice } from './synthetic-practice.ts';
import { playWorkingWeek } from './activity.ts';

const practice = generatePractice({ ods: 'A12345', patients: 30, seed: 3 });
const start = new Date('2026-11-16T08:00:00Z');

describe('playWorkingWeek', () => {
  it('is deterministic for a seed and spreads ticks over working hours', () => {
    const a = [...playWorkingWeek(practice, { start, seed: 9, days: 2, ticksPerDay: 40 })];
    const b = [...playWorkingWeek(practice, { start, seed: 9, days: 2, ticksPerDay: 40 })];
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(a).toHaveLength(80);
    for (const t of a) {
      const hours = (t.at.getTime() - start.getTime()) % 86_400_000 / 3_600_000;
      expect(hours).toBeLessThan(10.5);
    }
  });

  it('plays consultations, edits, entered-in-error deletions, documents and appointments that all validate', () => {
    const ticks = [...playWorkingWeek(practice, { start, seed: 4, days: 5, ticksPerDay: 60 })];
    const items = ticks.flatMap((t) => t.items);
    const kinds = new Set(items.map((i) => (i.op === 'delete' ? 'delete' : i.resource.resourceType)));
    expect([...kinds].sort()).toEqual(['Appointment', 'Condition', 'DocumentReference', 'Encounter', 'Observation', 'delete', ...(kinds.has('AllergyIntolerance') ? ['AllergyIntolerance'] : [])].sort());
    const upserts = items.filter((i): i is Extract<IngestItem, { op: 'upsert' }> => i.op === 'upsert');
    const errors = upserts.flatMap((i) => validateResource(i.resource).filter((x) => x.severity === 'error').map((x) => `${i.resource.resourceType} ${x.rule} ${x.pointer}`));
    expect(errors).toEqual([]);
    // Every document's binary is published with it; every delete names something created that week.
    const binaries = new Set(ticks.flatMap((t) => t.binaries.map((b) => `Binary/${b.id}`)));
    for (const u of upserts.filter((i) => i.resource.resourceType === 'DocumentReference')) {
      expect(binaries.has((u.resource as unknown as { content: { attachment: { url: string } }[] }).content[0]!.attachment.url)).toBe(true);
    }
    const createdIds = new Set(upserts.map((u) => u.resource.id));
    for (const d of items.filter((i) => i.op === 'delete')) expect(createdIds.has((d as { id: string }).id)).toBe(true);
  });
});
