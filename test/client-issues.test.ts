// Invalid records are stored and quarantined, never dropped; the client raises one data issue per
// rule and resource type; the Source answers it; a later version that passes clears the quarantine
// and the client closes the issue. Synthea data (US, not UK Core) is carried whole and reported.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateResource, type FhirResource } from '@dtm/shared';
import { startTestServer, type TestServer } from './support/server.ts';
import { clientFixture, serverState, storeState, type ClientFixture } from './support/client.ts';
import { ingest, upsert } from './support/dtm.ts';
import { openSession, type Session } from '../packages/dtm-client/src/session.ts';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => s?.stop());

const patient = (id: string, nhs: string) => upsert('Patient', id, {
  identifier: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: nhs }], name: [{ family: 'Test' }], gender: 'unknown',
});

describe('quarantine and data issues', () => {
  let fx: ClientFixture;
  let session: Session;
  const ODS = 'V10001';
  beforeAll(async () => {
    fx = await clientFixture(s, ODS);
    session = await openSession(fx.config, validateResource);
  });
  afterAll(async () => {
    await session?.close();
    await fx?.targetDb.drop();
  });

  it('stores invalid records, quarantines them and raises one issue per rule and type', async () => {
    // 9990000018 is a valid test NHS number; changing its check digit makes it fail modulus 11.
    await ingest(s, ODS, [patient('ok', '9990000018'), patient('bad1', '9990000017'), patient('bad2', '9990000016'),
      upsert('Observation', 'obs-bad', { status: 'done', code: { text: 'x' } })]);
    const issues: { rule: string; resourceType: string; resources: number }[] = [];
    session.syncer.on('issue', (e) => issues.push(e));
    const summary = await session.syncer.sync();
    expect(summary).toMatchObject({ applied: 4, quarantined: 3 });
    expect(await storeState(session.opened.store.pool, ODS)).toEqual(await serverState(s, ODS)); // nothing dropped
    const q = await session.opened.store.pool.query<{ id: string }>('SELECT id FROM dtm_quarantine WHERE practice = $1 ORDER BY id', [ODS]);
    expect(q.rows.map((r) => r.id)).toEqual(['bad1', 'bad2', 'obs-bad']);
    expect(issues.map((i) => `${i.rule} ${i.resourceType} ${i.resources}`).sort()).toEqual(['fhir.structure Observation 1', 'uk-core.nhs-number Patient 2']);

    // The Source sees them, with the resources named and no patient data in the text.
    const list = (await (await s.fetch(`/v1/practices/${ODS}/issues`, {}, 'publisher')).json()) as { issues: { id: string; rule: string; message: string; resources: { id: string }[] }[] };
    const nhs = list.issues.find((i) => i.rule === 'uk-core.nhs-number')!;
    expect(nhs.resources.map((r) => r.id).sort()).toEqual(['bad1', 'bad2']);
    expect(JSON.stringify(list)).not.toMatch(/999000001[67]/);

    // A second sync raises nothing new: the same issues, not duplicates.
    await session.syncer.sync();
    const again = (await (await s.fetch(`/v1/practices/${ODS}/issues`, {}, 'publisher')).json()) as { issues: unknown[] };
    expect(again.issues).toHaveLength(2);
  });

  it('reports references that do not resolve within the practice, and closes the issue once they do', async () => {
    await ingest(s, ODS, [upsert('Condition', 'orphan', { subject: { reference: 'Patient/missing' }, code: { coding: [{ system: 'http://snomed.info/sct', code: '38341003' }] } })]);
    const raised: string[] = [];
    session.syncer.on('issue', (e) => raised.push(`${e.rule} ${e.resourceType} ${e.resources}`));
    await session.syncer.sync();
    expect(raised).toContain('dtm.reference-unresolved Condition 1');
    const list = async () => ((await (await s.fetch(`/v1/practices/${ODS}/issues`, {}, 'publisher')).json()) as { issues: { id: string; rule: string; status: string; resources: { id: string }[] }[] }).issues;
    const issue = (await list()).find((i) => i.rule === 'dtm.reference-unresolved')!;
    expect(issue.resources.map((r) => r.id)).toEqual(['orphan']);
    await ingest(s, ODS, [patient('missing', '9990000018')]);
    await session.syncer.sync();
    expect((await list()).find((i) => i.id === issue.id)!.status).toBe('closed');
  });

  it('clears the quarantine when a later version passes, and closes the issue', async () => {
    const list = (await (await s.fetch(`/v1/practices/${ODS}/issues`, {}, 'publisher')).json()) as { issues: { id: string; rule: string }[] };
    const nhs = list.issues.find((i) => i.rule === 'uk-core.nhs-number')!;
    const answer = await s.fetch(`/v1/practices/${ODS}/issues/${nhs.id}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ status: 'acknowledged', comment: 'Correcting at source' }) }, 'publisher');
    expect(answer.status).toBe(200);
    await ingest(s, ODS, [patient('bad1', '9990000018'), patient('bad2', '9990000026')]);
    const cleared: string[] = [];
    session.syncer.on('cleared', (e) => cleared.push(e.id));
    await session.syncer.sync();
    expect(cleared.sort()).toEqual(['bad1', 'bad2']);
    const issue = (await (await s.fetch(`/v1/practices/${ODS}/issues/${nhs.id}`, {}, 'publisher')).json()) as { status: string };
    expect(issue.status).toBe('closed');
  });

  it('reports warnings as issues of severity warning without quarantining, and closes them when a later version has none', async () => {
    await ingest(s, ODS, [upsert('Patient', 'no-nhs', { name: [{ family: 'Test' }], gender: 'unknown' }), upsert('Claim', 'claim-1', { status: 'active' })]);
    const summary = await session.syncer.sync();
    expect(summary).toMatchObject({ applied: 2, quarantined: 0 });
    const list = async () => ((await (await s.fetch(`/v1/practices/${ODS}/issues`, {}, 'publisher')).json()) as
      { issues: { id: string; rule: string; severity: string; status: string; message: string; resources: { resourceType: string; id: string }[] }[] }).issues;
    const byRule = (rule: string) => list().then((l) => l.find((i) => i.rule === rule));
    expect(await byRule('uk-core.nhs-number-missing')).toMatchObject({ severity: 'warning', status: 'open', resources: [{ resourceType: 'Patient', id: 'no-nhs' }] });
    expect(await byRule('dtm.unexpected-resource-type')).toMatchObject({ severity: 'warning', resources: [{ resourceType: 'Claim', id: 'claim-1' }] });
    expect((await byRule('uk-core.nhs-number-missing'))!.message).toMatch(/are noted under/);
    await ingest(s, ODS, [patient('no-nhs', '9990000018')]);
    await session.syncer.sync();
    expect((await byRule('uk-core.nhs-number-missing'))!.status).toBe('closed');
    expect((await byRule('dtm.unexpected-resource-type'))!.status).toBe('open');
  });

  it('raises an issue for a live change that fails validation while following, without waiting for a catch-up', async () => {
    const raised: string[] = [];
    const onIssue = (e: { rule: string; resourceType: string; resources: number }) => raised.push(`${e.rule} ${e.resourceType} ${e.resources}`);
    session.syncer.on('issue', onIssue);
    const following = session.syncer.follow();
    try {
      await new Promise<void>((r) => session.syncer.once('idle', () => r()));
      await new Promise((r) => setTimeout(r, 300)); // the catch-up's own checks, in the background
      raised.length = 0;
      await ingest(s, ODS, [patient('bad-live', '9990000017')]);
      const deadline = Date.now() + 4000;
      while (!raised.includes('uk-core.nhs-number Patient 1') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(raised).toContain('uk-core.nhs-number Patient 1');
      // A live change that only carries a warning is reported the same way.
      raised.length = 0;
      await ingest(s, ODS, [upsert('Patient', 'warn-live', { name: [{ family: 'Test' }], gender: 'unknown' })]);
      const warnDeadline = Date.now() + 4000;
      while (!raised.some((r) => r.startsWith('uk-core.nhs-number-missing Patient')) && Date.now() < warnDeadline) await new Promise((r) => setTimeout(r, 50));
      expect(raised.some((r) => r.startsWith('uk-core.nhs-number-missing Patient'))).toBe(true);
    } finally {
      session.syncer.stop();
      session.syncer.off('issue', onIssue);
    }
    expect((await following).stoppedBy).toBe('signal');
  });
});

const SYNTHEA = path.resolve(import.meta.dirname, '../../shared/data/synthea-r4');
describe.skipIf(!process.env.CI && !(await readdir(SYNTHEA).catch(() => null)))('Synthea US data through the client', () => {
  it('carries every resource whole into the Target store and reports, never rejects', { timeout: 240_000 }, async () => {
    const ODS = 'V10002';
    const resources: FhirResource[] = [];
    for (const f of (await readdir(SYNTHEA)).filter((x) => x.endsWith('.json')).sort()) {
      const doc = JSON.parse(await readFile(path.join(SYNTHEA, f), 'utf8')) as { resourceType: string; entry?: { resource: FhirResource }[] };
      resources.push(...(doc.resourceType === 'Bundle' ? (doc.entry ?? []).map((e) => e.resource) : [doc as FhirResource]));
    }
    for (let i = 0; i < resources.length; i += 5000) {
      expect((await ingest(s, ODS, resources.slice(i, i + 5000).map((resource) => ({ op: 'upsert' as const, resource })))).status).toBe(200);
    }
    const fx = await clientFixture(s, ODS, { 'page-size': '5000' });
    const session = await openSession(fx.config, validateResource);
    try {
      const summary = await session.syncer.sync();
      const unique = new Set(resources.map((r) => `${r.resourceType}/${r.id}`)).size;
      expect(summary.applied).toBe(unique);
      expect(await storeState(session.opened.store.pool, ODS)).toEqual(await serverState(s, ODS));
      // US data breaks no structural rule: warnings only (no NHS numbers, resource types a GP record
      // does not use), so nothing is quarantined, and the warnings reach the Source as issues.
      expect(summary.quarantined).toBe(0);
      const { issues } = (await (await s.fetch(`/v1/practices/${ODS}/issues?limit=1000`, {}, 'publisher')).json()) as
        { issues: { rule: string; severity: string; resources: { resourceType: string }[] }[] };
      expect(issues.every((i) => i.severity === 'warning' || i.rule === 'dtm.reference-unresolved')).toBe(true);
      const warned = (rule: string, type: string) => issues.find((i) => i.rule === rule && i.resources[0]?.resourceType === type)?.resources.length;
      expect(warned('dtm.unexpected-resource-type', 'Claim')).toBe(6083);
      expect(warned('uk-core.nhs-number-missing', 'Patient')).toBeGreaterThan(0);
      // A sync this large refreshes the store's statistics before the practice-wide checks.
      // (pg_stats, written by ANALYZE in its transaction; the activity counters are flushed lazily.)
      const analysed = await session.opened.store.pool.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_stats WHERE tablename = 'dtm_resource' AND attname = 'resource_type'");
      expect(analysed.rows[0]?.n).toBe(1);
    } finally {
      await session.close();
      await fx.targetDb.drop();
    }
  });
});
