// The OpenAPI document is the source of truth: the server's real responses must match its schemas,
// and the constants the code uses must equal the document's limits.
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import {
  AVAILABILITY_LIMIT_SECONDS, DIGEST_LIMITS, FEED_LIMITS, INGEST_LIMITS, MIGRATION_LIMITS, MIGRATION_NOTICES, OPENAPI_PATH, PROBLEM_TYPES,
  STALENESS_LIMIT_SECONDS, addDays, cutoverWindow, londonDate, weekdayOf, type Digest,
} from '@dtm/shared';
import { startTestServer, type TestServer } from './support/server.ts';
import { del, ingest, page, upsert } from './support/dtm.ts';
import { ISSUE_LIMITS } from '../packages/dtm-server/src/domain/issue-resources.ts';
import { MIGRATION_STATES } from '../packages/dtm-server/src/domain/migration-states.ts';

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
let doc: Doc;
let ajv: Ajv2020;
let s: TestServer;

beforeAll(async () => {
  doc = parse(await readFile(OPENAPI_PATH, 'utf8')) as Doc;
  ajv = new Ajv2020({ strict: false, discriminator: true, allErrors: true });
  addFormats.default(ajv);
  ajv.addSchema({ $id: 'dtm', components: doc.components }, 'dtm');
  s = await startTestServer();
});
afterAll(async () => s?.stop());

function expectMatches(schemaName: string, body: unknown) {
  const validate = ajv.getSchema(`dtm#/components/schemas/${schemaName}`)!;
  const ok = validate(body);
  expect(ok, `${schemaName}: ${JSON.stringify(validate.errors?.slice(0, 5))}`).toBe(true);
}

describe('constants mirror the document', () => {
  it('feed, ingest and freshness limits', () => {
    const params = doc.paths['/v1/practices/{ods}/changes'].get.parameters as Doc[];
    const limit = params.find((p) => p.name === 'limit')!.schema;
    const wait = params.find((p) => p.name === 'wait')!.schema;
    expect([limit.default, limit.maximum, wait.maximum]).toEqual([FEED_LIMITS.defaultLimit, FEED_LIMITS.maxLimit, FEED_LIMITS.maxWaitSeconds]);
    expect(doc.components.schemas.IngestBatch.properties.items.maxItems).toBe(INGEST_LIMITS.maxItemsPerBatch);
    expect(doc.components.schemas.Staleness.properties.limitSeconds.const).toBe(STALENESS_LIMIT_SECONDS);
    expect(doc.components.schemas.Availability.properties.limitSeconds.const).toBe(AVAILABILITY_LIMIT_SECONDS);
  });

  it('data issue limits', () => {
    const params = doc.paths['/v1/practices/{ods}/issues'].get.parameters as Doc[];
    const limit = params.find((p) => p.name === 'limit')!.schema;
    expect([limit.default, limit.maximum]).toEqual([ISSUE_LIMITS.defaultLimit, ISSUE_LIMITS.maxLimit]);
    expect(doc.components.schemas.DataIssueRaise.properties.resources.maxItems).toBe(ISSUE_LIMITS.maxResources);
  });

  it('migration, digest and notice limits and names', () => {
    const entries = doc.paths['/v1/practices/{ods}/digest/entries'].get.parameters as Doc[];
    const limit = entries.find((p) => p.name === 'limit')!.schema;
    expect([limit.default, limit.maximum]).toEqual([DIGEST_LIMITS.defaultLimit, DIGEST_LIMITS.maxLimit]);
    const runOff = doc.components.schemas.MigrationRegistration.properties.runOffDays;
    expect([runOff.default, runOff.maximum]).toEqual([MIGRATION_LIMITS.defaultRunOffDays, MIGRATION_LIMITS.maxRunOffDays]);
    expect(doc.components.schemas.MigrationTransitionRequest.properties.note.maxLength).toBe(MIGRATION_LIMITS.maxNoteLength);
    expect(doc.components.schemas.MigrationState.enum).toEqual(MIGRATION_STATES);
    expect(doc.components.schemas.MigrationTransitionTarget.enum).toEqual(MIGRATION_STATES.filter((x) => x !== 'registered'));
    expect(doc.components.parameters.Notice.schema.enum).toEqual(Object.keys(MIGRATION_NOTICES));
    for (const type of Object.values(PROBLEM_TYPES)) expect(doc.info.description).toContain(type);
  });

  it('every operation has an operationId, a summary and its error responses as problem+json', () => {
    for (const [path, item] of Object.entries(doc.paths as Doc)) {
      for (const [method, op] of Object.entries(item as Doc)) {
        if (method === 'parameters') continue;
        expect(op.operationId, `${method} ${path}`).toBeTruthy();
        expect(op.summary, `${method} ${path}`).toBeTruthy();
        if (path.startsWith('/v1')) expect(Object.keys(op.responses).some((c) => c.startsWith('4')), `${method} ${path}`).toBe(true);
      }
    }
  });
});

describe('responses match their schemas', () => {
  it('ingest, feed pages with upserts and tombstones, status, practice list', async () => {
    const r = await ingest(s, 'H10001', [upsert('Patient', 'p1', { gender: 'other' }, new Date().toISOString()), upsert('Observation', 'o1')]);
    expectMatches('IngestResult', r.body);
    await ingest(s, 'H10001', [del('Observation', 'o1')]);
    const { body } = await page(s, 'H10001');
    expect(body.changes.map((c) => c.op)).toEqual(['upsert', 'delete']);
    expectMatches('ChangePage', body);
    expectMatches('PracticeStatus', await (await s.fetch(`/v1/practices/H10001/status`)).json());
    expectMatches('PracticeList', await (await s.fetch(`/v1/practices`)).json());
    const hb = await s.fetch(`/v1/ingest/practices/H10001/heartbeat`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sourceAsOf: new Date().toISOString() }) });
    expectMatches('Watermark', await hb.json());
  });

  it('data issues: raise, re-raise, list, one, answer, close, and the status figures', async () => {
    await ingest(s, 'H10002', [upsert('Patient', 'p1')]);
    const json = (method: string, body: unknown): RequestInit => ({ method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const raise = { severity: 'error', rule: 'uk-core.nhs-number', message: 'NHS number fails Modulus 11.', resources: [{ resourceType: 'Patient', id: 'p1', versionId: '1', pointer: '/identifier/0/value' }], clientReference: 'nhs/p1' };
    const raised = await s.fetch('/v1/practices/H10002/issues', json('POST', raise), 'consumer');
    expect(raised.status).toBe(201);
    const issue = (await raised.json()) as { id: string };
    expectMatches('DataIssue', issue);
    const again = await s.fetch('/v1/practices/H10002/issues', json('POST', { ...raise, severity: 'warning' }), 'consumer');
    expect(again.status).toBe(200);
    expectMatches('DataIssue', await again.json());
    const answered = await s.fetch(`/v1/practices/H10002/issues/${issue.id}`, json('PATCH', { status: 'acknowledged', comment: 'Seen.' }), 'publisher');
    expect(answered.status).toBe(200);
    expectMatches('DataIssue', await answered.json());
    expectMatches('DataIssuePage', await (await s.fetch('/v1/practices/H10002/issues?status=acknowledged&limit=1', {}, 'publisher')).json());
    expectMatches('DataIssue', await (await s.fetch(`/v1/practices/H10002/issues/${issue.id}`, {}, 'consumer')).json());
    const status = (await (await s.fetch('/v1/practices/H10002/status')).json()) as { issues: unknown };
    expectMatches('PracticeStatus', status);
    expect(status.issues).toMatchObject({ open: 1, unanswered: 0, medianResponseSeconds: expect.any(Number) });
    const closed = await s.fetch(`/v1/practices/H10002/issues/${issue.id}`, json('PATCH', { status: 'closed' }), 'consumer');
    expectMatches('DataIssue', await closed.json());
    for (const [url, init, role] of [
      [`/v1/practices/H10002/issues/${issue.id}`, json('PATCH', { status: 'resolved', comment: 'Late.' }), 'publisher'],
      [`/v1/practices/H10002/issues/${issue.id}`, json('PATCH', { status: 'resolved', comment: 'Not mine.' }), 'consumer'],
      ['/v1/practices/H10002/issues', json('POST', { ...raise, resources: [] }), 'consumer'],
      ['/v1/practices/H10002/issues/00000000-0000-4000-8000-000000000000', {}, 'consumer'],
    ] as const) {
      const res = await s.fetch(url, init, role);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expectMatches('Problem', await res.json());
    }
  });

  it('the weekend cutover: migration, transitions, digest, entries, a digest mismatch, the freeze, notices, report, status', async () => {
    // This server runs on the real clock: plan the cutover for the next Friday at least a day away.
    let friday = londonDate(new Date(Date.now() + 86_400_000));
    while (weekdayOf(friday) !== 5) friday = addDays(friday, 1);
    const ods = 'H10003';
    const json = (method: string, body: unknown): RequestInit => ({ method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    await ingest(s, ods, [upsert('Patient', 'p1'), upsert('Observation', 'o1'), upsert('Observation', 'o2')]);
    await ingest(s, ods, [del('Observation', 'o1')]);
    const reg = await s.fetch(`/v1/ingest/practices/${ods}/migration`, json('PUT', { targetClientId: 'test-consumer', plannedCutoverStart: cutoverWindow(friday).start.toISOString() }));
    expect(reg.status).toBe(201);
    expectMatches('Migration', await reg.json());
    await page(s, ods);
    for (const [to, role] of [['readiness-confirmed', 'consumer'], ['cutover-started', 'publisher'], ['source-frozen', 'publisher']] as const) {
      const res = await s.fetch(`/v1/practices/${ods}/migration/transitions`, json('POST', { to, note: 'Contract.' }), role);
      expect(res.status, to).toBe(200);
      expectMatches('Migration', await res.json());
    }
    const frozen = await ingest(s, ods, [upsert('Patient', 'p2')]);
    expect(frozen.status).toBe(409);
    expectMatches('Problem', frozen.body);
    const digest = (await (await s.fetch(`/v1/practices/${ods}/digest`)).json()) as Digest;
    expectMatches('Digest', digest);
    expectMatches('DigestEntryPage', await (await s.fetch(`/v1/practices/${ods}/digest/entries?limit=2`)).json());
    const mismatch = await s.fetch(`/v1/practices/${ods}/migration/transitions`, json('POST', { to: 'target-complete', digest: { ...digest, types: digest.types.slice(1) } }), 'consumer');
    expect(mismatch.status).toBe(409);
    const problem = (await mismatch.json()) as { type: string };
    expectMatches('DigestMismatchProblem', problem);
    expect(problem.type).toBe(PROBLEM_TYPES.digestMismatch);
    const done = await s.fetch(`/v1/practices/${ods}/migration/transitions`, json('POST', { to: 'target-complete', digest }), 'consumer');
    expect(done.status).toBe(200);
    expectMatches('Migration', await done.json());
    expectMatches('Migration', await (await s.fetch(`/v1/practices/${ods}/migration`, {}, 'publisher')).json());
    const status = (await (await s.fetch(`/v1/practices/${ods}/status`)).json()) as { migration: unknown };
    expectMatches('PracticeStatus', status);
    expect(status.migration).toMatchObject({ state: 'target-complete' });
    expectMatches('MigrationReport', await (await s.fetch('/v1/ingest/migrations/report?format=json')).json());
    const notice = await s.fetch(`/v1/practices/${ods}/migration/notices/technical-go-live`);
    expect([notice.status, notice.headers.get('content-type')]).toEqual([200, 'text/markdown; charset=utf-8']);
    const early = await s.fetch(`/v1/practices/${ods}/migration/notices/migration-acceptance`);
    expect(early.status).toBe(409);
    expectMatches('Problem', await early.json());
  });

  it('binaries, health and problems', async () => {
    const put = await s.fetch(`/v1/ingest/practices/H10001/binaries/b1`, { method: 'PUT', headers: { 'content-type': 'text/plain' }, body: 'hello' });
    expectMatches('BinaryInfo', await put.json());
    expectMatches('Health', await (await fetch(`${s.url}/health/ready`)).json());
    expectMatches('Health', await (await fetch(`${s.url}/health/live`)).json());
    for (const url of ['/v1/practices/Z00000/status', '/v1/practices/H10001/changes?limit=0', '/v1/nothing-here']) {
      const res = await s.fetch(url);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const body = (await res.json()) as { status: number; requestId: string };
      expectMatches('Problem', body);
      expect(body.status).toBe(res.status);
      expect(body.requestId).toBe(res.headers.get('x-request-id'));
    }
  });

  it('serves the document itself and Prometheus metrics', async () => {
    const served = await (await fetch(`${s.url}/openapi.yaml`)).text();
    expect(served).toBe(await readFile(OPENAPI_PATH, 'utf8'));
    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    for (const name of ['dtm_http_request_duration_seconds', 'dtm_feed_pages_total', 'dtm_ingest_batches_total', 'dtm_practice_staleness_seconds{practice="H10001"}', 'dtm_oldest_transaction_age_seconds', 'dtm_data_issues_raised_total', 'dtm_data_issues_answered_total', 'dtm_migration_transitions_total{to="source-frozen"}']) {
      expect(metrics).toContain(name);
    }
  });
});
