import { describe, expect, it } from 'vitest';
import type { IngestItem } from '@dtm/shared';
import { checkItems, countDeltas, planBatch, resourceKey, type CurrentVersion } from './ingest-plan.ts';
import { contentHash } from './content-hash.ts';

const NOW = new Date('2026-11-20T17:00:00Z');
const up = (resourceType: string, id: string, extra: Record<string, unknown> = {}): IngestItem => ({ op: 'upsert', resource: { resourceType, id, ...extra } });
const del = (resourceType: string, id: string): IngestItem => ({ op: 'delete', resourceType, id });

function current(resourceType: string, id: string, versionId: number, resource: Record<string, unknown> | null): [string, CurrentVersion] {
  return [resourceKey(resourceType, id), {
    resourceType, id, versionId, deleted: resource === null,
    contentHash: resource ? contentHash({ resourceType, id, ...resource }) : null,
  }];
}

describe('planBatch', () => {
  it('creates version 1 and sets meta.versionId and meta.lastUpdated, keeping other meta', () => {
    const plan = planBatch([up('Patient', 'p1', { meta: { profile: ['x'] }, gender: 'male' })], new Map(), NOW);
    expect(plan.created).toBe(1);
    expect(plan.writes).toHaveLength(1);
    const body = JSON.parse(plan.writes[0]!.body!) as { meta: Record<string, unknown> };
    expect(body.meta).toEqual({ profile: ['x'], versionId: '1', lastUpdated: NOW.toISOString() });
  });

  it('makes no new version for an upsert equal to the current one, whatever its meta.versionId/lastUpdated', () => {
    const cur = new Map([current('Patient', 'p1', 3, { gender: 'male' })]);
    const item = up('Patient', 'p1', { gender: 'male', meta: { versionId: '99', lastUpdated: '2020-01-01T00:00:00Z' } });
    const plan = planBatch([item], cur, NOW);
    expect(plan).toMatchObject({ unchanged: 1, created: 0, updated: 0, writes: [] });
  });

  it('treats key order as irrelevant (canonical JSON)', () => {
    const cur = new Map([current('Observation', 'o1', 1, { status: 'final', code: { text: 'x', coding: [] } })]);
    const plan = planBatch([{ op: 'upsert', resource: { code: { coding: [], text: 'x' }, status: 'final', id: 'o1', resourceType: 'Observation' } }], cur, NOW);
    expect(plan.unchanged).toBe(1);
  });

  it('updates to the next version when content differs', () => {
    const cur = new Map([current('Patient', 'p1', 3, { gender: 'male' })]);
    const plan = planBatch([up('Patient', 'p1', { gender: 'female' })], cur, NOW);
    expect(plan.updated).toBe(1);
    expect(plan.writes[0]).toMatchObject({ versionId: 4, deleted: false, before: 'live' });
  });

  it('tombstones a live resource and ignores deletes of absent or deleted ones', () => {
    const cur = new Map([current('Condition', 'c1', 2, { code: {} }), current('Condition', 'c2', 5, null)]);
    const plan = planBatch([del('Condition', 'c1'), del('Condition', 'c2'), del('Condition', 'nope')], cur, NOW);
    expect(plan).toMatchObject({ deleted: 1, unchanged: 2 });
    expect(plan.writes).toEqual([expect.objectContaining({ id: 'c1', versionId: 3, deleted: true, body: null, before: 'live' })]);
  });

  it('recreates a deleted resource with a higher version than its tombstone', () => {
    const cur = new Map([current('Condition', 'c2', 5, null)]);
    const plan = planBatch([up('Condition', 'c2', { code: {} })], cur, NOW);
    expect(plan.created).toBe(1);
    expect(plan.writes[0]).toMatchObject({ versionId: 6, before: 'deleted' });
  });

  it('applies repeated items for one resource in order and writes the last', () => {
    const plan = planBatch([up('Patient', 'p1', { gender: 'male' }), up('Patient', 'p1', { gender: 'female' }), del('Patient', 'p1')], new Map(), NOW);
    expect(plan).toMatchObject({ created: 1, updated: 1, deleted: 1 });
    expect(plan.writes).toEqual([expect.objectContaining({ id: 'p1', versionId: 3, deleted: true, before: 'absent' })]);
    expect(countDeltas(plan.writes).get('Patient')).toEqual({ live: 0, deleted: 1 });
  });

  it('measures delay from sourceUpdatedAt for the 6 h availability figure', () => {
    const plan = planBatch([{ ...up('Patient', 'p1'), sourceUpdatedAt: '2026-11-20T10:00:00Z' } as IngestItem], new Map(), NOW);
    expect(plan.delaysSeconds).toEqual([7 * 3600]);
  });
});

describe('checkItems', () => {
  it('accepts any FHIR R4 resource type, including ones a GP record does not use', () => {
    expect(() => checkItems([up('Claim', 'c'), up('ExplanationOfBenefit', 'e'), del('Patient', 'p')])).not.toThrow();
  });

  it('refuses names that are not R4 resource types, naming each item', () => {
    expect(() => checkItems([up('Patient', 'ok'), up('Pateint', 'x'), del('Foo', 'y')])).toThrowError(
      expect.objectContaining({
        status: 400,
        errors: [
          { pointer: '/body/items/1/resource/resourceType', message: 'is not a FHIR R4 resource type' },
          { pointer: '/body/items/2/resourceType', message: 'is not a FHIR R4 resource type' },
        ],
      }) as Error,
    );
  });
});
