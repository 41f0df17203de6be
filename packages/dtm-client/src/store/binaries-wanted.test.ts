import { describe, expect, it } from 'vitest';
import { binariesWanted, type PreparedChange } from './store.ts';

const change = (id: string, binaries: PreparedChange['binaries']): PreparedChange => ({
  resourceType: 'DocumentReference', id, versionId: 1, deleted: false, body: '{}', lastUpdated: '', availableAt: '', issues: [], warnings: [], binaries, references: [],
});

describe('binariesWanted', () => {
  it('lists each binary once, with the later reference\'s expectation whole', () => {
    const wanted = binariesWanted([
      change('a', [{ id: 'b1', size: 100, sha1: 'X' }, { id: 'b2', size: null, sha1: null }]),
      change('b', [{ id: 'b1', size: 200, sha1: null }]),
    ]);
    // Not {200, 'X'}: a size from one reference and a hash from another could match no content.
    expect(wanted).toEqual([{ id: 'b1', size: 200, sha1: null }, { id: 'b2', size: null, sha1: null }]);
  });
});
