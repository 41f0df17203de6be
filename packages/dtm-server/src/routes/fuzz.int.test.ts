// Fuzz: 10,000 malformed or mutated requests at the token and ingest endpoints. None may get a 5xx,
// and a batch is written whole or not at all: after the run, exactly the batches answered 200 are in
// the feed. Inputs come from fast-check with a fixed seed (FUZZ_SEED to vary it) so a failure replays.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createClientAssertion, importPrivateKey, tokenRequestBody } from '@dtm/shared';
import { startTestServer, TEST_CLIENTS, type TestServer } from '../../../../test/support/server.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 20261121);
const PER_ENDPOINT = 5000;
const CONCURRENCY = 8;
const ODS = 'Q10001';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ env: { DTM_MAX_BATCH_BYTES: String(64 * 1024) } });
  await s.grant(ODS);
});
afterAll(async () => s?.stop());

async function runAll<T>(inputs: T[], send: (input: T, i: number) => Promise<number>): Promise<number[]> {
  const statuses = new Array<number>(inputs.length);
  let next = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < inputs.length) {
      const i = next++;
      statuses[i] = await send(inputs[i]!, i);
    }
  }));
  return statuses;
}

/** JSON values with awkward shapes: deep nesting, huge and odd numbers, unicode, prototype keys. */
const junk = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.string({ unit: 'grapheme', maxLength: 40 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null),
    fc.constantFrom('__proto__', 'constructor', '\u0000', '9'.repeat(400), 'Patient', 'upsert', 'delete', '../..', '1e309'),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.constantFrom('op', 'resource', 'resourceType', 'id', 'items', 'sourceAsOf', '__proto__', 'meta', 'x'), tie('value'), { maxKeys: 4 }),
  ),
})).value;

describe('fuzzing', () => {
  it(`the token endpoint: ${PER_ENDPOINT} mutated requests, no 5xx`, { timeout: 300_000 }, async () => {
    const { key, alg, kid } = await importPrivateKey(s.privateKeys.consumer);
    const tokenUrl = `${s.url}/oauth2/token`;
    const valid = await createClientAssertion({ clientId: TEST_CLIENTS.consumer, tokenUrl, key, alg, ...(kid ? { kid } : {}) });
    const [h, p, sig] = valid.split('.') as [string, string, string];
    const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
    const body = fc.oneof(
      fc.string({ maxLength: 300 }),
      junk.map((v) => JSON.stringify(v)),
      fc.tuple(junk, junk).map(([hh, pp]) => tokenRequestBody(`${b64(hh)}.${b64(pp)}.${sig}`).toString()),
      fc.record({ alg: fc.constantFrom('none', 'HS256', 'RS384', 'ES384', 'ES256', '', 'RSA-OAEP'), kid: fc.option(fc.string()) })
        .map((hh) => tokenRequestBody(`${b64(hh)}.${p}.${sig}`).toString()),
      fc.tuple(fc.nat(valid.length - 1), fc.string({ minLength: 1, maxLength: 1 })).map(([i, c]) => tokenRequestBody(valid.slice(0, i) + c + valid.slice(i + 1)).toString()),
      fc.dictionary(fc.constantFrom('grant_type', 'client_assertion_type', 'client_assertion', 'scope', 'client_id'), fc.string({ maxLength: 60 }))
        .map((d) => new URLSearchParams(d).toString()),
      fc.constant(tokenRequestBody(`${h}.${p}`).toString()),
    );
    const contentType = fc.constantFrom('application/x-www-form-urlencoded', 'application/json', 'text/plain', 'multipart/form-data; boundary=x', '');
    const inputs = fc.sample(fc.tuple(body, contentType), { numRuns: PER_ENDPOINT, seed: SEED });
    const statuses = await runAll(inputs, async ([b, ct]) => {
      const res = await fetch(tokenUrl, { method: 'POST', headers: ct ? { 'content-type': ct } : {}, body: b });
      await res.arrayBuffer();
      return res.status;
    });
    const counts = Object.fromEntries([...new Set(statuses)].map((st) => [st, statuses.filter((x) => x === st).length]));
    expect(statuses.filter((st) => st >= 500), JSON.stringify(counts)).toEqual([]);
    expect(statuses.every((st) => [200, 400, 401, 413, 415].includes(st)), JSON.stringify(counts)).toBe(true);
  });

  it(`the ingest endpoint: ${PER_ENDPOINT} mutated batches, no 5xx, all or nothing`, { timeout: 300_000 }, async () => {
    const token = await s.token('publisher');
    // Each request's resources carry ids unique to it, so what reached the database says which
    // requests wrote anything.
    const item = (req: number, k: number) => ({ op: 'upsert', resource: { resourceType: 'Observation', id: `f${req}-${k}`, status: 'final' } });
    type Mutation = { kind: string; at?: number; value?: unknown; cut?: number };
    const mutation: fc.Arbitrary<Mutation> = fc.oneof(
      fc.constant({ kind: 'none' }),
      fc.record({ kind: fc.constant('replace-item'), at: fc.nat(2), value: junk }),
      fc.record({ kind: fc.constant('replace-field'), at: fc.nat(2), value: junk }),
      fc.record({ kind: fc.constant('replace-top'), value: junk }),
      fc.record({ kind: fc.constant('bad-type'), at: fc.nat(2), value: fc.constantFrom('Patientt', 'patient', '', 'Bundle2', 'X'.repeat(70)) }),
      fc.record({ kind: fc.constant('bad-id'), at: fc.nat(2), value: fc.constantFrom('', 'a b', 'x'.repeat(65), 'ü', 'a/b', null, 7) }),
      fc.record({ kind: fc.constant('truncate'), cut: fc.nat(200) }),
      fc.record({ kind: fc.constant('huge'), at: fc.nat(2) }),
      fc.record({ kind: fc.constant('source-as-of'), value: fc.constantFrom('', 'yesterday', '2999-01-01T00:00:00Z', '2026-02-30T00:00:00Z', 0, null) }),
      fc.record({ kind: fc.constant('source-updated-at'), at: fc.nat(2), value: fc.constantFrom('2026-02-30T00:00:00Z', '2026-13-01T00:00:00Z', 'now', 5) }),
    );
    const inputs = fc.sample(fc.tuple(mutation, fc.oneof({ arbitrary: fc.constant('application/json'), weight: 8 }, { arbitrary: fc.constantFrom('text/plain', 'application/json; charset=latin1', ''), weight: 1 }), fc.option(fc.string({ minLength: 1, maxLength: 30 }))),
      { numRuns: PER_ENDPOINT, seed: SEED + 1 });
    const sent: { ids: string[] }[] = [];
    const statuses = await runAll(inputs, async ([m, ct, key], req) => {
      const batch: Record<string, unknown> & { items: unknown[] } = { sourceAsOf: new Date().toISOString(), items: [item(req, 0), item(req, 1), item(req, 2)] };
      const at = m.at ?? 0;
      const target = batch.items[at] as { resource: Record<string, unknown> };
      if (m.kind === 'replace-item') batch.items[at] = m.value;
      if (m.kind === 'replace-field') target.resource.status = m.value;
      if (m.kind === 'replace-top') batch.items = m.value as unknown[];
      if (m.kind === 'bad-type') target.resource.resourceType = m.value;
      if (m.kind === 'bad-id') target.resource.id = m.value;
      if (m.kind === 'huge') target.resource.text = 'x'.repeat(70 * 1024);
      if (m.kind === 'source-as-of') batch.sourceAsOf = m.value;
      if (m.kind === 'source-updated-at') (batch.items[at] as Record<string, unknown>).sourceUpdatedAt = m.value;
      let text = JSON.stringify(batch);
      if (m.kind === 'truncate') text = text.slice(0, m.cut);
      sent[req] = { ids: [0, 1, 2].map((k) => `f${req}-${k}`) };
      const headers: Record<string, string> = { authorization: `Bearer ${token}`, ...(ct ? { 'content-type': ct } : {}) };
      if (key) headers['idempotency-key'] = `${randomUUID()}-${key.replace(/[^\x21-\x7e]/g, '')}`;
      const res = await fetch(`${s.url}/v1/ingest/practices/${ODS}/changes`, { method: 'POST', headers, body: text });
      await res.arrayBuffer();
      return res.status;
    });
    const counts = Object.fromEntries([...new Set(statuses)].map((st) => [st, statuses.filter((x) => x === st).length]));
    expect(statuses.filter((st) => st >= 500), JSON.stringify(counts)).toEqual([]);
    expect(counts[200], 'some batches must be valid, or the all-or-nothing check proves nothing').toBeGreaterThan(100);
    expect(statuses.filter((st) => st !== 200).length, 'most mutations must be refused').toBeGreaterThan(PER_ENDPOINT / 2);

    const stored = new Set((await s.pool.query<{ id: string }>("SELECT id FROM resource WHERE practice = $1 AND id LIKE 'f%'", [ODS])).rows.map((r) => r.id));
    const partial: number[] = [];
    statuses.forEach((st, req) => {
      const present = sent[req]!.ids.filter((id) => stored.has(id)).length;
      // A 200 batch may legitimately hold fewer than three distinct resources when a mutation
      // replaced an item with another valid one; otherwise all three or none.
      if (st !== 200 && present > 0) partial.push(req);
      if (st === 200 && present === 0) partial.push(req);
    });
    expect(partial).toEqual([]);
  });
});
