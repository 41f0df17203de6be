import { describe, expect, it } from 'vitest';
import { checkResources, mergeResources } from './issue-resources.ts';
import { DtmError } from '../errors.ts';

describe('data issue resources', () => {
  it('merges by resource type, id and pointer, keeping first-seen order and the newer entry', () => {
    const merged = mergeResources(
      [{ resourceType: 'Patient', id: 'p1', versionId: '1', pointer: '/identifier/0/value' }, { resourceType: 'Patient', id: 'p2' }],
      [{ resourceType: 'Observation', id: 'o1' }, { resourceType: 'Patient', id: 'p1', versionId: '2', pointer: '/identifier/0/value' }, { resourceType: 'Patient', id: 'p1' }],
    );
    expect(merged).toEqual([
      { resourceType: 'Patient', id: 'p1', versionId: '2', pointer: '/identifier/0/value' },
      { resourceType: 'Patient', id: 'p2' },
      { resourceType: 'Observation', id: 'o1' },
      { resourceType: 'Patient', id: 'p1' },
    ]);
  });

  it('collapses repeats within one list', () => {
    expect(mergeResources([], [{ resourceType: 'Patient', id: 'p1' }, { resourceType: 'Patient', id: 'p1', versionId: '3' }]))
      .toEqual([{ resourceType: 'Patient', id: 'p1', versionId: '3' }]);
  });

  it('refuses resource types that are not FHIR R4, naming each with a pointer', () => {
    expect(() => checkResources([{ resourceType: 'Patient', id: 'p1' }])).not.toThrow();
    let err: unknown;
    try {
      checkResources([{ resourceType: 'Patient', id: 'p1' }, { resourceType: 'Patiently', id: 'p2' }]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DtmError);
    expect((err as DtmError).status).toBe(400);
    expect((err as DtmError).errors).toEqual([{ pointer: '/body/resources/1/resourceType', message: 'is not a FHIR R4 resource type' }]);
  });
});
