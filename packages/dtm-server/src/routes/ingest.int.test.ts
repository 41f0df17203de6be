// Ingest against a real server and PostgreSQL: atomicity, idempotency, no-op upserts, deletes, and
// bad input that gets a clear problem+json 4xx with nothing written.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../../test/support/server.ts';
import { del, ingest, readAll, upsert } from '../../../../test/support/dtm.ts';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ env: { DTM_MAX_BATCH_BYTES: String(256 * 1024) } });
});
afterAll(async () => s?.stop());

async function feedState(ods: string) {
  const { changes } = await readAll(s, ods).catch(() => ({ changes: [] }));
  return changes.map((c) => `${c.op}:${c.resourceType}/${c.id}@${c.versionId}`);
}

describe('POST /v1/ingest/practices/{ods}/changes', () => {
  it('commits a batch and serves each resource with versionId and lastUpdated', async () => {
    const r = await ingest(s, 'B10001', [upsert('Patient', 'p1', { gender: 'female' }), upsert('Condition', 'c1', { subject: { reference: 'Patient/p1' } })]);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ practice: 'B10001', received: 2, created: 2, updated: 0, deleted: 0, unchanged: 0 });
    const { changes } = await readAll(s, 'B10001');
    expect(changes.map((c) => [c.resourceType, c.id, c.versionId])).toEqual([['Patient', 'p1', '1'], ['Condition', 'c1', '1']]);
    const patient = changes[0]!;
    expect(patient.op).toBe('upsert');
    if (patient.op !== 'upsert') return;
    expect(patient.resource).toEqual({
      resourceType: 'Patient', id: 'p1', gender: 'female',
      meta: { versionId: '1', lastUpdated: patient.lastUpdated },
    });
  });

  it('makes no new version for an equal upsert and a new one for a changed upsert', async () => {
    await ingest(s, 'B10002', [upsert('Patient', 'p1', { gender: 'female' })]);
    const same = await ingest(s, 'B10002', [upsert('Patient', 'p1', { gender: 'female' })]);
    expect(same.body).toMatchObject({ unchanged: 1, created: 0, updated: 0 });
    expect(await feedState('B10002')).toEqual(['upsert:Patient/p1@1']);
    const changed = await ingest(s, 'B10002', [upsert('Patient', 'p1', { gender: 'male' })]);
    expect(changed.body).toMatchObject({ updated: 1 });
    expect(await feedState('B10002')).toEqual(['upsert:Patient/p1@2']);
  });

  it('carries numbers exactly as the Source wrote them, and a change of precision is a change', async () => {
    // FHIR R4 decimals: precision is part of the value (7.50 is not 7.5); digits beyond a double's.
    const text = (value: string) => JSON.stringify({ sourceAsOf: new Date().toISOString(), items: [upsert('Observation', 'o1', { status: 'final', valueQuantity: { value: 0 } })] })
      .replace('"value":0', `"value":${value}`);
    const send = (value: string) => ingest(s, 'B10019', [], { raw: text(value) });
    const served = async () => {
      const res = await s.fetch('/v1/practices/B10019/changes?limit=10', { headers: { 'accept-encoding': 'identity' } });
      return /"valueQuantity":\{"value":([^}]*)\}/.exec(await res.text())?.[1];
    };
    for (const [value, effect] of [['7.50', 'created'], ['7.50', 'unchanged'], ['7.5', 'updated'], ['7.50', 'updated'], ['3.14159265358979323846264338', 'updated'],
      ['12345678901234567890', 'updated'], ['-0', 'updated'], ['1e400', 'updated'], ['1E+400', 'updated']] as const) {
      const r = await send(value);
      expect(r.status, value).toBe(200);
      expect(r.body[effect], `${value} ${effect}`).toBe(1);
      expect(await served()).toBe(value);
    }
  });

  it('keeps numbers as sent behind a byte order mark, and refuses JSON in a charset other than UTF-8', async () => {
    const body = JSON.stringify({ sourceAsOf: new Date().toISOString(), items: [upsert('Observation', 'o1', { status: 'final', valueQuantity: { value: 0 } })] })
      .replace('"value":0', '"value":7.50');
    const send = (bytes: Buffer, contentType: string) => s.fetch('/v1/ingest/practices/B10029/changes', { method: 'POST', headers: { 'content-type': contentType }, body: bytes });
    expect((await send(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(body)]), 'application/json')).status).toBe(200);
    const res = await s.fetch('/v1/practices/B10029/changes?limit=10', { headers: { 'accept-encoding': 'identity' } });
    expect(await res.text()).toContain('"valueQuantity":{"value":7.50}');
    const utf16 = await send(Buffer.from(body, 'utf16le'), 'application/json; charset=utf-16le');
    expect(utf16.status).toBe(415);
    expect(await utf16.json()).toMatchObject({ status: 415, detail: 'Send UTF-8 JSON.' });
  });

  it('keeps a tombstone for a delete, ignores deleting what is absent, and counts both', async () => {
    await ingest(s, 'B10003', [upsert('Observation', 'o1'), upsert('Observation', 'o2')]);
    const r = await ingest(s, 'B10003', [del('Observation', 'o1'), del('Observation', 'never')]);
    expect(r.body).toMatchObject({ deleted: 1, unchanged: 1 });
    expect(await feedState('B10003')).toEqual(['upsert:Observation/o2@1', 'delete:Observation/o1@2']);
    const status = (await (await s.fetch(`/v1/practices/B10003/status`)).json()) as { counts: unknown };
    expect(status.counts).toEqual([{ resourceType: 'Observation', live: 1, deleted: 1 }]);
  });

  it('replays a batch with the same Idempotency-Key and writes nothing', async () => {
    const items = [upsert('Patient', 'p1', { gender: 'female' })];
    const body = JSON.stringify({ sourceAsOf: new Date().toISOString(), items });
    const first = await ingest(s, 'B10004', [], { key: 'batch-1', raw: body });
    await ingest(s, 'B10004', [upsert('Patient', 'p1', { gender: 'male' })]);
    const again = await ingest(s, 'B10004', [], { key: 'batch-1', raw: body });
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(first.headers.get('idempotent-replayed')).toBe('false');
    expect(again.body).toEqual(first.body);
    expect(await feedState('B10004')).toEqual(['upsert:Patient/p1@2']); // not reverted to female
  });

  it('refuses a reused Idempotency-Key with a different body (422) and writes nothing', async () => {
    await ingest(s, 'B10005', [upsert('Patient', 'p1')], { key: 'k' });
    const r = await ingest(s, 'B10005', [upsert('Patient', 'p2')], { key: 'k' });
    expect(r.status).toBe(422);
    expect(r.body).toMatchObject({ type: 'urn:dtm:problem:idempotency-mismatch', status: 422 });
    expect(await feedState('B10005')).toEqual(['upsert:Patient/p1@1']);
  });

  it('commits all of a batch or none of it', async () => {
    await ingest(s, 'B10006', [upsert('Patient', 'p1')]);
    // The second item names a type that is not FHIR R4: the first must not be written either.
    const r = await ingest(s, 'B10006', [upsert('Patient', 'p2'), upsert('NotAType', 'x')]);
    expect(r.status).toBe(400);
    expect(await feedState('B10006')).toEqual(['upsert:Patient/p1@1']);
  });

  const bad: [string, number, string, () => Promise<Response>][] = [
    ['malformed JSON', 400, 'urn:dtm:problem:bad-request', () => post('B10007', '{"sourceAsOf": "2026-')],
    ['unknown op', 400, 'urn:dtm:problem:validation', () => post('B10007', batch([{ op: 'patch', resourceType: 'Patient', id: 'p' }]))],
    ['missing resourceType', 400, 'urn:dtm:problem:validation', () => post('B10007', batch([{ op: 'upsert', resource: { id: 'p' } }]))],
    ['invalid id', 400, 'urn:dtm:problem:validation', () => post('B10007', batch([{ op: 'upsert', resource: { resourceType: 'Patient', id: 'has space' } }]))],
    ['id too long', 400, 'urn:dtm:problem:validation', () => post('B10007', batch([{ op: 'upsert', resource: { resourceType: 'Patient', id: 'x'.repeat(65) } }]))],
    ['unknown resource type', 400, 'urn:dtm:problem:validation', () => post('B10007', batch([{ op: 'upsert', resource: { resourceType: 'Patientt', id: 'p' } }]))],
    ['delete without id', 400, 'urn:dtm:problem:validation', () => post('B10007', batch([{ op: 'delete', resourceType: 'Patient' }]))],
    ['empty items', 400, 'urn:dtm:problem:validation', () => post('B10007', JSON.stringify({ sourceAsOf: new Date().toISOString(), items: [] }))],
    ['missing sourceAsOf', 400, 'urn:dtm:problem:validation', () => post('B10007', JSON.stringify({ items: [{ op: 'delete', resourceType: 'Patient', id: 'p' }] }))],
    ['sourceAsOf not a date', 400, 'urn:dtm:problem:validation', () => post('B10007', JSON.stringify({ sourceAsOf: 'yesterday', items: [{ op: 'delete', resourceType: 'Patient', id: 'p' }] }))],
    ['sourceAsOf far in the future', 400, 'urn:dtm:problem:validation', () => post('B10007', JSON.stringify({ sourceAsOf: '2999-01-01T00:00:00Z', items: [{ op: 'upsert', resource: { resourceType: 'Patient', id: 'p' } }] }))],
    ['malformed ODS code', 400, 'urn:dtm:problem:validation', () => post('b1-007', batch([{ op: 'upsert', resource: { resourceType: 'Patient', id: 'p' } }]))],
    ['not JSON content type', 415, 'urn:dtm:problem:unsupported-media-type', () => post('B10007', batch([{ op: 'upsert', resource: { resourceType: 'Patient', id: 'p' } }]), 'text/plain')],
    ['body too large', 413, 'urn:dtm:problem:payload-too-large', () => post('B10007', batch([{ op: 'upsert', resource: { resourceType: 'Patient', id: 'p', text: 'x'.repeat(300 * 1024) } }]))],
    ['unknown top-level field', 400, 'urn:dtm:problem:validation', () => post('B10007', JSON.stringify({ sourceAsOf: new Date().toISOString(), items: [{ op: 'delete', resourceType: 'Patient', id: 'p' }], extra: 1 }))],
  ];
  function batch(items: unknown[]) {
    return JSON.stringify({ sourceAsOf: new Date().toISOString(), items });
  }
  function post(ods: string, body: string, contentType = 'application/json') {
    return s.fetch(`/v1/ingest/practices/${ods}/changes`, { method: 'POST', headers: { 'content-type': contentType }, body });
  }

  it.each(bad)('answers %s with %i problem+json and writes nothing', async (_name, status, type, send) => {
    const res = await send();
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const problem = (await res.json()) as Record<string, unknown>;
    expect(problem).toMatchObject({ type, status });
    expect(typeof problem.detail).toBe('string');
    expect(JSON.stringify(problem)).not.toMatch(/stack|at \/|node_modules/);
    const practices = (await (await s.fetch(`/v1/practices`)).json()) as { practices: { practice: string }[] };
    expect(practices.practices.map((p) => p.practice)).not.toContain('B10007');
  });

  it('names the offending field with a JSON pointer', async () => {
    const res = await post('B10007', batch([{ op: 'upsert', resource: { resourceType: 'Patient', id: 'ok' } }, { op: 'upsert', resource: { resourceType: 'Patient', id: 'bad id' } }]));
    const problem = (await res.json()) as { errors: { pointer: string }[] };
    expect(problem.errors.map((e) => e.pointer)).toContain('/body/items/1/resource/id');
  });
});

describe('POST /v1/ingest/practices/{ods}/heartbeat', () => {
  it('advances sourceAsOf without changing data, and never moves it backwards', async () => {
    await ingest(s, 'B10008', [upsert('Patient', 'p1')], { sourceAsOf: '2026-11-20T10:00:00.000Z' });
    const hb = async (sourceAsOf: string) =>
      (await s.fetch(`/v1/ingest/practices/B10008/heartbeat`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sourceAsOf }) })).json() as Promise<{ sourceAsOf: string; lastUpdatedAt: string }>;
    const before = await hb('2026-11-20T12:00:00.000Z');
    expect(before.sourceAsOf).toBe('2026-11-20T12:00:00.000Z');
    const after = await hb('2026-11-20T11:00:00.000Z');
    expect(after.sourceAsOf).toBe('2026-11-20T12:00:00.000Z');
    expect(after.lastUpdatedAt).toBe(before.lastUpdatedAt);
    expect(await feedState('B10008')).toEqual(['upsert:Patient/p1@1']);
  });
});

describe('PUT /v1/ingest/practices/{ods}', () => {
  it('registers a practice with its name, and renames it', async () => {
    const put = (name: unknown) => s.fetch(`/v1/ingest/practices/B10009`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name }) });
    const first = await put('The Village Surgery');
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ practice: 'B10009', name: 'The Village Surgery', sourceAsOf: null, staleness: { withinLimit: false } });
    await put('Village Surgery');
    const status = (await (await s.fetch(`/v1/practices/B10009/status`)).json()) as { name: string };
    expect(status.name).toBe('Village Surgery');
    expect((await put('')).status).toBe(400);
  });
});

describe('many batches for one practice at once', () => {
  it('queue without holding the connection pool: other practices are served meanwhile', { timeout: 60_000 }, async () => {
    const small = await startTestServer({ env: { DTM_POOL_MAX: '4' } });
    const holder = await small.pool.connect();
    try {
      // A writer elsewhere (another process, a long batch) holds practice G10001's write lock.
      await holder.query('SELECT pg_advisory_lock(7300402, hashtext($1))', ['G10001']);
      const queued = Array.from({ length: 8 }, (_, i) => ingest(small, 'G10001', [upsert('Patient', `q${i}`)]));
      await new Promise((r) => setTimeout(r, 500));
      // More waiting batches than the pool has connections: another practice is still served.
      const other = await Promise.race([
        ingest(small, 'G10002', [upsert('Patient', 'p1')]).then((r) => r.status),
        new Promise((r) => setTimeout(r, 10_000)).then(() => 'no answer within 10 s'),
      ]);
      expect(other).toBe(200);
      await holder.query('SELECT pg_advisory_unlock(7300402, hashtext($1))', ['G10001']);
      expect((await Promise.all(queued)).map((r) => r.status)).toEqual(Array(8).fill(200));
      expect(await feedStateOf(small, 'G10001')).toHaveLength(8);
    } finally {
      holder.release();
      await small.stop();
    }
  });
});

async function feedStateOf(api: TestServer, ods: string) {
  return (await readAll(api, ods)).changes.map((c) => c.id);
}
