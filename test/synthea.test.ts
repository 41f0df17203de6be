// Data nobody on this project wrote (US Synthea, FHIR R4: resource types and code systems a GP
// record does not use) is carried whole: every resource published comes back from the feed with the
// same content, byte-for-byte equal JSON once the DTM's own meta fields are set aside: numbers too,
// as written (Synthea's money amounts such as 16942.30 once came back as 16942.3).
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson, hasInexactNumber, parseExact, type FhirResource } from '@dtm/shared';
import { startTestServer, type TestServer } from './support/server.ts';
import { ingest, readAll } from './support/dtm.ts';

const DATA_DIR = path.resolve(import.meta.dirname, '../../shared/data/synthea-r4');
const ODS = 'S00001';

async function loadSynthea(): Promise<FhirResource[]> {
  const out: FhirResource[] = [];
  for (const file of (await readdir(DATA_DIR)).filter((f) => f.endsWith('.json')).sort()) {
    const doc = parseExact(await readFile(path.join(DATA_DIR, file), 'utf8')) as { resourceType: string; entry?: { resource: FhirResource }[] };
    if (doc.resourceType === 'Bundle') out.push(...(doc.entry ?? []).map((e) => e.resource));
    else out.push(doc as FhirResource);
  }
  return out;
}

/** The resource as published: the feed's copy without the meta fields the DTM sets. */
function asPublished(r: FhirResource): string {
  const { meta, ...rest } = r as FhirResource & { meta: Record<string, unknown> };
  const { versionId: _v, lastUpdated: _l, ...ownMeta } = meta;
  return canonicalJson(Object.keys(ownMeta).length ? { ...rest, meta: ownMeta } : rest);
}

let s: TestServer;
let resources: FhirResource[];
beforeAll(async () => {
  [s, resources] = await Promise.all([startTestServer(), loadSynthea()]);
});
afterAll(async () => s?.stop());

describe.skipIf(!process.env.CI && !(await readdir(DATA_DIR).catch(() => null)))('Synthea R4 data through the DTM', () => {
  it('publishes every resource and reads each back unchanged', { timeout: 240_000 }, async () => {
    expect(resources.length).toBe(38_971); // 38,970 in 102 transaction Bundles, plus one Group
    const totals = { created: 0, updated: 0, unchanged: 0 };
    for (let i = 0; i < resources.length; i += 2000) {
      const items = resources.slice(i, i + 2000).map((resource) => ({ op: 'upsert' as const, resource }));
      const r = await ingest(s, ODS, items);
      expect(r.status, JSON.stringify(r.body).slice(0, 500)).toBe(200);
      for (const k of ['created', 'updated', 'unchanged'] as const) totals[k] += r.body[k] as number;
    }
    // The last copy of each (type, id) is the current one; repeated Organizations and Practitioners
    // across patient Bundles are no-ops or updates, never extra resources.
    const expected = new Map<string, string>();
    for (const r of resources) expected.set(`${r.resourceType}/${r.id}`, canonicalJson(r));
    // Not vacuous: the data holds numbers that a JSON.parse and JSON.stringify round trip would change.
    expect([...expected.values()].filter(hasInexactNumber).length).toBeGreaterThan(1000);
    expect(totals.created).toBe(expected.size);
    expect(totals.created + totals.updated + totals.unchanged).toBe(resources.length);

    const { changes } = await readAll(s, ODS, undefined, 5000, { exact: true });
    expect(changes.length).toBe(expected.size);
    const mismatched: string[] = [];
    for (const c of changes) {
      if (c.op !== 'upsert') throw new Error('unexpected delete');
      const key = `${c.resourceType}/${c.id}`;
      if (expected.get(key) !== asPublished(c.resource)) mismatched.push(key);
      expect(c.resource.meta).toMatchObject({ versionId: c.versionId, lastUpdated: c.lastUpdated });
    }
    expect(mismatched).toEqual([]);

    const status = (await (await s.fetch(`/v1/practices/${ODS}/status`)).json()) as { counts: { resourceType: string; live: number }[] };
    const byType = Object.fromEntries(status.counts.map((c) => [c.resourceType, c.live]));
    expect(byType).toMatchObject({ Claim: 6083, ExplanationOfBenefit: 3697, Observation: 16315, Organization: 203, Practitioner: 203, Group: 1 });
  });
});
