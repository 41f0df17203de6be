// The weekend cutover against a real server and PostgreSQL, on a manual clock: the lifecycle from
// registration to acceptance with a digest that matches, a digest that does not (state unchanged),
// rollback, the freeze (ingest refused, nothing written, reads continue), the readiness deadline and
// extract-iteration warnings, refused moves (409) and callers (403), the CSMP notices, the report for
// the Migration Management Agent, and the Cut-Over Period timed across a bank holiday Monday.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DigestAccumulator, fetchAccessToken, type Digest, type Migration, type MigrationReport, type PracticeStatus, type Role } from '@dtm/shared';
import { ManualClock } from '../clock.ts';
import { addClient, addGrant } from '../services/admin.ts';
import { startTestServer, TEST_CLIENTS, type TestServer } from '../../../../test/support/server.ts';
import { del, ingest, page, readAll, upsert } from '../../../../test/support/dtm.ts';

const clock = new ManualClock('2026-06-01T09:00:00Z');
let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ clock });
});
afterAll(async () => s?.stop());

type Answer<T> = { status: number; body: T; headers: Headers; text: string };
async function call<T>(path: string, init: RequestInit, role: Role): Promise<Answer<T>> {
  const res = await s.fetch(path, init, role);
  const text = await res.text();
  const isJson = /json/.test(res.headers.get('content-type') ?? '');
  return { status: res.status, body: (isJson && text ? JSON.parse(text) : text) as T, headers: res.headers, text };
}
const sendJson = (method: string, body: unknown): RequestInit => ({ method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
type Problem = { type: string; status: number; detail: string; errors?: { pointer: string; message: string }[]; differences?: unknown[] };

const register = (ods: string, body: Record<string, unknown>, role: Role = 'publisher') =>
  call<Migration & Problem>(`/v1/ingest/practices/${ods}/migration`, sendJson('PUT', body), role);
const move = (ods: string, to: string, role: Role, extra: Record<string, unknown> = {}) =>
  call<Migration & Problem>(`/v1/practices/${ods}/migration/transitions`, sendJson('POST', { to, ...extra }), role);
const migration = async (ods: string, role: Role = 'consumer') => {
  const r = await call<Migration>(`/v1/practices/${ods}/migration`, {}, role);
  expect(r.status).toBe(200);
  return r.body;
};
const status = async (ods: string) => (await call<PracticeStatus>(`/v1/practices/${ods}/status`, {}, 'consumer')).body;
const publish = (ods: string, items: Parameters<typeof ingest>[2], opts: { key?: string } = {}) =>
  ingest(s, ods, items, { sourceAsOf: clock.now().toISOString(), ...opts });
const nameThePractice = (ods: string, name: string) =>
  call<Problem>(`/v1/ingest/practices/${ods}`, sendJson('PUT', { name }), 'publisher');
const heartbeat = (ods: string) =>
  call<Problem>(`/v1/ingest/practices/${ods}/heartbeat`, sendJson('POST', { sourceAsOf: clock.now().toISOString() }), 'publisher');
const putBinary = (ods: string, id: string, content: string) =>
  call<Problem>(`/v1/ingest/practices/${ods}/binaries/${id}`, { method: 'PUT', headers: { 'content-type': 'application/pdf' }, body: content }, 'publisher');
const plan = (plannedCutoverStart: string, more: Record<string, unknown> = {}) => ({ targetClientId: TEST_CLIENTS.consumer, plannedCutoverStart, ...more });
const codes = (m: { warnings: { code: string }[] }) => m.warnings.map((w) => w.code);

/** The Target's copy as its sync client keeps it: the latest version or tombstone of each resource, and its cursor. */
class TargetCopy {
  readonly entries = new Map<string, { resourceType: string; id: string; versionId: string; deleted: boolean }>();
  cursor: string | undefined;
  readonly ods: string;
  constructor(ods: string) {
    this.ods = ods;
  }
  async sync(): Promise<number> {
    const r = await readAll(s, this.ods, this.cursor);
    for (const c of r.changes) this.entries.set(`${c.resourceType}/${c.id}`, { resourceType: c.resourceType, id: c.id, versionId: c.versionId, deleted: c.op === 'delete' });
    this.cursor = r.cursor;
    return r.changes.length;
  }
  /** Computed as the sync client does, with the shared DigestAccumulator. */
  digest(): Digest {
    const acc = new DigestAccumulator();
    for (const e of this.entries.values()) acc.addEntry(e);
    return acc.toDigest(this.cursor ?? null);
  }
}

/** Registered, synced and readiness confirmed: ready for the weekend. */
async function readyForCutover(ods: string, start: string): Promise<TargetCopy> {
  expect((await register(ods, plan(start))).status).toBe(201);
  const target = new TargetCopy(ods);
  await target.sync();
  expect((await move(ods, 'readiness-confirmed', 'consumer', { note: 'Satisfied with the data via the DTM.' })).status).toBe(200);
  return target;
}

/** Another client with its own key, granted the practices. */
async function otherClient(role: Role, practices: string[]) {
  const deps = { pool: s.pool, clock };
  const id = `${role}-${randomUUID().slice(0, 8)}`;
  const { privateJwk } = await addClient(deps, { id, name: id, role, generateKey: true });
  for (const p of practices) await addGrant(deps, { clientId: id, practice: p, sessionsPerDay: 1000, requestsPerMinute: 100_000 });
  const token = (await fetchAccessToken({ tokenUrl: `${s.url}/oauth2/token`, clientId: id, privateKey: JSON.stringify(privateJwk), now: clock.now() })).access_token;
  return {
    id,
    async call<T>(path: string, init: RequestInit = {}): Promise<Answer<T>> {
      const res = await fetch(`${s.url}${path}`, { ...init, headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${token}` } });
      const text = await res.text();
      return { status: res.status, body: (text ? JSON.parse(text) : null) as T, headers: res.headers, text };
    },
  };
}

const FULL_PATH = ['registered', 'syncing', 'readiness-confirmed', 'cutover-started', 'source-frozen', 'target-complete', 'business-go-live', 'run-off', 'accepted'];
const HAPPY = 'M10001';
const HAPPY_NAME = "St Mary's & <Riverside> Surgery";

describe('the lifecycle, registered to accepted', () => {
  it('registers, syncs, confirms readiness, freezes, proves completeness by digest, goes live and is accepted', async () => {
    clock.set('2026-10-01T09:00:00Z');
    expect((await nameThePractice(HAPPY, HAPPY_NAME)).status).toBe(200);
    expect((await publish(HAPPY, [
      upsert('Patient', 'p1', { name: [{ family: 'Zebedee' }] }), upsert('Patient', 'p2'), upsert('Observation', 'o1', { status: 'final' }),
    ])).status).toBe(200);

    // Friday 27 November 2026, 17:00 GMT.
    const reg = await register(HAPPY, plan('2026-11-27T17:00:00Z'));
    expect(reg.status).toBe(201);
    expect(reg.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      practice: HAPPY,
      practiceName: HAPPY_NAME,
      sourceClientId: TEST_CLIENTS.publisher,
      targetClientId: TEST_CLIENTS.consumer,
      state: 'registered',
      registeredAt: '2026-10-01T09:00:00.000Z',
      plannedCutoverStart: '2026-11-27T17:00:00.000Z',
      plannedGoLive: '2026-11-30T08:00:00.000Z', // the following Monday, 08:00
      readinessDeadline: '2026-11-13T17:00:00.000Z', // two weeks before
      runOffDays: 30,
      runOffEndsAt: null,
      finalWatermark: null,
      frozenAt: null,
      targetCompleteAt: null,
      history: [{ from: null, to: 'registered', by: TEST_CLIENTS.publisher, role: 'publisher', at: '2026-10-01T09:00:00.000Z', note: null }],
      extractIterations: [],
      warnings: [],
      timing: { cutOverPeriodHours: null, cutOverPeriodWorkingDays: null, cutOverPeriodOverThreeWorkingDays: null, coreHoursOverlapHours: null, coreHoursTouched: null, window: null, running: false },
    });
    // A second PUT while registered updates the plan of the same migration.
    const again = await register(HAPPY, plan('2026-11-27T17:00:00Z', { runOffDays: 14 }));
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ id: reg.body.id, runOffDays: 14, state: 'registered' });
    expect(await migration(HAPPY, 'publisher')).toMatchObject({ id: reg.body.id });

    // The Target's first feed read starts it syncing, and is its first extract iteration.
    clock.advance(3600_000);
    const target = new TargetCopy(HAPPY);
    expect(await target.sync()).toBe(3);
    const syncing = await migration(HAPPY);
    expect(syncing.state).toBe('syncing');
    expect(syncing.history[1]).toEqual({ from: 'registered', to: 'syncing', by: TEST_CLIENTS.consumer, role: 'consumer', at: '2026-10-01T10:00:00.000Z', note: 'First feed read by the Target client.' });
    expect(syncing.extractIterations).toEqual([{ clientId: TEST_CLIENTS.consumer, count: 1 }]);
    // Now the plan is fixed.
    const late = await register(HAPPY, plan('2026-12-04T17:00:00Z'));
    expect(late.status).toBe(409);
    expect(late.body).toMatchObject({ type: 'urn:dtm:problem:conflict' });

    await publish(HAPPY, [upsert('Patient', 'p1', { name: [{ family: 'Zebedee' }], active: true }), del('Patient', 'p2')]);
    expect(await target.sync()).toBe(2);

    clock.set('2026-11-02T10:00:00Z');
    expect((await move(HAPPY, 'readiness-confirmed', 'consumer', { note: 'Satisfied with the data via the DTM.' })).body.state).toBe('readiness-confirmed');

    // The weekend: 17:00 Friday the Source starts the cutover; last changes still go in.
    clock.set('2026-11-27T17:00:00Z');
    expect((await move(HAPPY, 'cutover-started', 'publisher')).body.state).toBe('cutover-started');
    expect((await publish(HAPPY, [upsert('Observation', 'o2', { status: 'final' })])).status).toBe(200);

    clock.set('2026-11-27T17:30:00Z');
    const frozen = await move(HAPPY, 'source-frozen', 'publisher', { note: 'Practice logged out of the Source.' });
    expect(frozen.status).toBe(200);
    const highWater = (await status(HAPPY)).watermark.highWaterCursor;
    expect(frozen.body).toMatchObject({ state: 'source-frozen', frozenAt: '2026-11-27T17:30:00.000Z', finalWatermark: highWater });
    expect(frozen.body.timing).toMatchObject({ running: true, cutOverPeriodHours: 0 });
    const refused = await publish(HAPPY, [upsert('Observation', 'o3')]);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ type: 'urn:dtm:problem:practice-frozen' });

    // The Target drains to the final watermark and proves it holds exactly what the DTM holds.
    expect(await target.sync()).toBe(1);
    expect(target.cursor).toBe(frozen.body.finalWatermark);
    clock.set('2026-11-28T10:00:00Z');
    const serverDigest = await call<Digest>(`/v1/practices/${HAPPY}/digest`, {}, 'consumer');
    expect(serverDigest.body).toEqual(target.digest());
    expect(serverDigest.body.total).toMatchObject({ live: 3, deleted: 1 });
    expect((await call<Digest>(`/v1/practices/${HAPPY}/digest`, {}, 'publisher')).body).toEqual(serverDigest.body);

    const complete = await move(HAPPY, 'target-complete', 'consumer', { digest: target.digest() });
    expect(complete.status).toBe(200);
    expect(complete.body).toMatchObject({ state: 'target-complete', targetCompleteAt: '2026-11-28T10:00:00.000Z' });
    // Friday 17:30 to Saturday 10:00: 6.5/24 of a working day, 1 h of it in core hours (to 18:30).
    expect(complete.body.timing).toEqual({
      cutOverPeriodHours: 16.5, cutOverPeriodWorkingDays: 0.2708, cutOverPeriodOverThreeWorkingDays: false,
      coreHoursOverlapHours: 1, coreHoursTouched: true, window: 'within', running: false,
    });
    expect(codes(complete.body)).toEqual(['core-hours-touched']);

    clock.set('2026-11-30T08:00:00Z');
    expect((await move(HAPPY, 'business-go-live', 'publisher')).body).toMatchObject({ state: 'business-go-live', runOffEndsAt: '2026-12-14T08:00:00.000Z' });
    clock.advance(3600_000);
    expect((await move(HAPPY, 'run-off', 'publisher', { note: 'Source read-only for reference.' })).body.state).toBe('run-off');
    clock.set('2026-12-14T12:00:00Z');
    const accepted = await move(HAPPY, 'accepted', 'publisher', { note: 'Migration Acceptance Notice received.' });
    expect(accepted.status).toBe(200);
    expect(accepted.body.history.map((h) => h.to)).toEqual(FULL_PATH);
    expect(accepted.body.history.map((h) => h.role)).toEqual(['publisher', 'consumer', 'consumer', 'publisher', 'publisher', 'consumer', 'publisher', 'publisher', 'publisher']);

    // Decommissioned: still frozen, still readable, and /status says so.
    expect((await publish(HAPPY, [upsert('Observation', 'o4')])).status).toBe(409);
    expect((await readAll(s, HAPPY)).changes).toHaveLength(4);
    expect((await status(HAPPY)).migration).toEqual({
      state: 'accepted', plannedCutoverStart: '2026-11-27T17:00:00.000Z', readinessDeadline: '2026-11-13T17:00:00.000Z',
      warnings: [expect.objectContaining({ code: 'core-hours-touched' })],
    });
  });
});

describe('proof of completeness', () => {
  it('refuses target-complete with a digest that lacks one change, naming the type; the state does not change', async () => {
    const ods = 'M10002';
    clock.set('2026-12-01T09:00:00Z');
    await publish(ods, [upsert('Patient', 'a'), upsert('Observation', 'x1'), upsert('Observation', 'x2')]);
    const target = await readyForCutover(ods, '2027-01-08T17:00:00Z');
    clock.set('2027-01-08T17:00:00Z');
    await move(ods, 'cutover-started', 'publisher');
    await publish(ods, [upsert('Observation', 'x3'), upsert('Observation', 'x1', { status: 'amended' })]); // the Target never reads these
    await move(ods, 'source-frozen', 'publisher');

    const refused = await move(ods, 'target-complete', 'consumer', { digest: target.digest() });
    expect(refused.status).toBe(409);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(refused.body).toMatchObject({
      type: 'urn:dtm:problem:digest-mismatch',
      status: 409,
      differences: [{
        resourceType: 'Observation',
        server: { live: 3, deleted: 0, digest: expect.stringMatching(/^[0-9a-f]{64}$/) },
        client: { live: 2, deleted: 0, digest: expect.stringMatching(/^[0-9a-f]{64}$/) },
      }],
      errors: [{ pointer: '/body/digest/types/0', message: expect.stringMatching(/^Observation: server 3 live, 0 deleted; client 2 live, 0 deleted/) }],
    });
    const still = await migration(ods);
    expect(still).toMatchObject({ state: 'source-frozen', targetCompleteAt: null });
    expect(still.history.at(-1)!.to).toBe('source-frozen');

    // The entries say exactly which ids differ: x3 is missing, x1 is at another version.
    const entries = async (q: string) => (await call<{ entries: { resourceType: string; id: string; versionId: string; deleted: boolean }[]; next: string | null }>(`/v1/practices/${ods}/digest/entries?${q}`, {}, 'consumer')).body;
    const first = await entries('resourceType=Observation&limit=2');
    expect(first.entries.map((e) => e.id)).toEqual(['x1', 'x2']);
    expect(first.next).toBe('Observation/x2');
    const second = await entries(`resourceType=Observation&limit=2&after=${first.next}`); // the '/' as is
    expect(await entries(new URLSearchParams({ resourceType: 'Observation', limit: '2', after: first.next! }).toString())).toEqual(second);
    expect(second).toEqual({ entries: [{ resourceType: 'Observation', id: 'x3', versionId: '1', deleted: false }], next: null });
    expect(first.entries[0]).toMatchObject({ id: 'x1', versionId: '2' });
    expect(target.entries.get('Observation/x1')?.versionId).toBe('1');
    expect((await entries('limit=10')).entries.map((e) => `${e.resourceType}/${e.id}`)).toEqual(['Observation/x1', 'Observation/x2', 'Observation/x3', 'Patient/a']);
    expect((await call(`/v1/practices/${ods}/digest/entries`, {}, 'publisher')).status).toBe(403);
    expect((await call(`/v1/practices/${ods}/digest/entries?limit=10001`, {}, 'consumer')).status).toBe(400);

    // A digest with the right counts but a stale version is refused too.
    await target.sync();
    const stale = target.digest();
    target.entries.set('Observation/x1', { resourceType: 'Observation', id: 'x1', versionId: '1', deleted: false });
    const wrongVersion = await move(ods, 'target-complete', 'consumer', { digest: target.digest() });
    expect(wrongVersion.status).toBe(409);
    expect(wrongVersion.body.errors![0]!.message).toMatch(/same counts but a version or delete differs/);
    expect((await move(ods, 'target-complete', 'consumer', { digest: stale })).status).toBe(200);
  });
});

describe('rollback', () => {
  it('aborts from cutover-started and from source-frozen: the Source stays primary and ingest works again', async () => {
    const ods = 'M10003';
    clock.set('2027-01-10T09:00:00Z');
    await publish(ods, [upsert('Patient', 'p1')]);
    await readyForCutover(ods, '2027-02-05T17:00:00Z');
    clock.set('2027-02-05T17:00:00Z');
    await move(ods, 'cutover-started', 'publisher');
    const aborted = await move(ods, 'aborted', 'publisher', { note: 'The practice chose to stay.' });
    expect(aborted.status).toBe(200);
    expect(aborted.body.history.at(-1)).toMatchObject({ from: 'cutover-started', to: 'aborted', role: 'publisher', by: TEST_CLIENTS.publisher, note: 'The practice chose to stay.' });
    expect((await publish(ods, [upsert('Patient', 'p2')])).status).toBe(200);
    expect((await move(ods, 'cutover-started', 'publisher')).status).toBe(409);

    // A new migration may follow; aborted after the freeze, the practice takes changes again.
    const second = await register(ods, plan('2027-02-12T17:00:00Z'));
    expect(second.status).toBe(201);
    expect(second.body.id).not.toBe(aborted.body.id);
    await new TargetCopy(ods).sync();
    await move(ods, 'readiness-confirmed', 'consumer');
    clock.set('2027-02-12T17:00:00Z');
    await move(ods, 'cutover-started', 'publisher');
    await move(ods, 'source-frozen', 'publisher');
    expect((await publish(ods, [upsert('Patient', 'p3')])).status).toBe(409);
    expect((await heartbeat(ods)).status).toBe(409);
    const rolledBack = await move(ods, 'aborted', 'consumer', { note: 'Target not ready; rolling back.' });
    expect(rolledBack.body).toMatchObject({ state: 'aborted', frozenAt: '2027-02-12T17:00:00.000Z' });
    expect((await publish(ods, [upsert('Patient', 'p3')])).status).toBe(200);
    expect((await heartbeat(ods)).status).toBe(200);
    expect((await readAll(s, ods)).changes.map((c) => c.id)).toEqual(['p1', 'p2', 'p3']);
  });
});

describe('the freeze', () => {
  it('refuses changes, heartbeats, binaries and registration with 409 and writes nothing; reads continue', async () => {
    const ods = 'M10004';
    clock.set('2027-03-01T09:00:00Z');
    await nameThePractice(ods, 'Old Name');
    const batch = JSON.stringify({ sourceAsOf: clock.now().toISOString(), items: [upsert('Patient', 'p1', { gender: 'female' })] });
    expect((await ingest(s, ods, [], { key: 'before-freeze', raw: batch })).status).toBe(200);
    expect((await putBinary(ods, 'b1', 'original')).status).toBe(201);
    await readyForCutover(ods, '2027-03-26T17:00:00Z');
    clock.set('2027-03-26T17:00:00Z');
    await move(ods, 'cutover-started', 'publisher');
    await move(ods, 'source-frozen', 'publisher');

    const before = { feed: await readAll(s, ods), status: await status(ods) };
    const chunks = async () => (await s.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM binary_chunk')).rows[0]!.n;
    const chunksBefore = await chunks();
    clock.advance(60_000);
    for (const [what, res] of [
      ['changes', await publish(ods, [upsert('Patient', 'p2')])],
      ['heartbeat', await heartbeat(ods)],
      ['new binary', await putBinary(ods, 'b2', 'new document')],
      ['replaced binary', await putBinary(ods, 'b1', 'replacement')],
      ['registration', await nameThePractice(ods, 'New Name')],
    ] as const) {
      expect(res.status, what).toBe(409);
      expect(res.headers.get('content-type'), what).toMatch(/^application\/problem\+json/);
      expect(res.body, what).toMatchObject({ type: 'urn:dtm:problem:practice-frozen', status: 409, detail: expect.stringMatching(/frozen/) });
    }
    // A retry of a batch that committed before the freeze still gets its answer, and writes nothing.
    const replay = await ingest(s, ods, [], { key: 'before-freeze', raw: batch });
    expect(replay.status).toBe(200);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');

    const after = { feed: await readAll(s, ods), status: await status(ods) };
    expect(after.feed).toEqual(before.feed);
    expect(after.status.name).toBe('Old Name');
    expect(after.status.watermark.sourceAsOf).toBe(before.status.watermark.sourceAsOf);
    expect(after.status.binaries).toEqual({ count: 1, bytes: 'original'.length });
    expect(await chunks()).toBe(chunksBefore);
    expect((await call(`/v1/practices/${ods}/binaries/b2`, {}, 'consumer')).status).toBe(404);
    const b1 = await call<string>(`/v1/practices/${ods}/binaries/b1`, {}, 'consumer');
    expect([b1.status, b1.text]).toEqual([200, 'original']);
    expect((await call(`/v1/practices/${ods}/digest`, {}, 'publisher')).status).toBe(200);
    expect((await call(`/v1/ingest/practices/${ods}/audit`, {}, 'publisher')).status).toBe(200);
  });
});

describe('the freeze against concurrent writers', () => {
  it('fixes the final watermark after every batch that committed; every other batch is refused whole', async () => {
    const ods = 'M10011';
    clock.set('2027-03-01T09:00:00Z');
    await publish(ods, [upsert('Patient', 'seed')]);
    await readyForCutover(ods, '2027-03-26T17:00:00Z');
    clock.set('2027-03-26T17:00:00Z');
    await move(ods, 'cutover-started', 'publisher');
    const batches = Array.from({ length: 16 }, (_, b) => Array.from({ length: 300 }, (_, i) => upsert('Observation', `b${b}-${i}`)));
    const writes = batches.map((items, b) => new Promise((r) => setTimeout(r, b * 3)).then(() => publish(ods, items)));
    await new Promise((r) => setTimeout(r, 20));
    const frozen = await move(ods, 'source-frozen', 'publisher');
    const results = await Promise.all(writes);
    expect(frozen.status).toBe(200);

    const feed = await readAll(s, ods);
    const ids = new Set(feed.changes.map((c) => c.id));
    results.forEach((r, b) => {
      const held = batches[b]!.filter((item) => ids.has((item as { resource: { id: string } }).resource.id)).length;
      if (r.status === 200) expect(held, `batch ${b}`).toBe(300);
      else {
        expect(r.body, `batch ${b}`).toMatchObject({ type: 'urn:dtm:problem:practice-frozen' });
        expect(held, `batch ${b}`).toBe(0);
      }
    });
    // Nothing follows the final watermark: it is the end of the feed.
    expect(feed.cursor).toBe(frozen.body.finalWatermark);
    expect((await readAll(s, ods, frozen.body.finalWatermark!)).changes).toEqual([]);
    expect(results.filter((r) => r.status === 200).length + results.filter((r) => r.status === 409).length).toBe(16);
  });
});

describe('warnings', () => {
  it('warns when the readiness deadline is near and when it has passed, until the Target confirms', async () => {
    const ods = 'M10005';
    clock.set('2027-03-01T09:00:00Z');
    await publish(ods, [upsert('Patient', 'p1')]);
    // Friday 2 April 2027, 17:00 BST; two weeks before is 17:00 GMT on 19 March (the clocks change between).
    const reg = await register(ods, plan('2027-04-02T16:00:00Z'));
    expect(reg.body).toMatchObject({ readinessDeadline: '2027-03-19T17:00:00.000Z', plannedGoLive: '2027-04-05T07:00:00.000Z', warnings: [] });

    clock.set('2027-03-16T16:59:59Z');
    expect(codes(await migration(ods))).toEqual([]);
    clock.set('2027-03-16T17:00:00Z');
    const soon = await migration(ods);
    expect(soon.warnings).toEqual([{ code: 'readiness-due-soon', message: expect.stringContaining('Friday 19 March 2027, 17:00 GMT') }]);
    expect((await status(ods)).migration?.warnings.map((w) => w.code)).toEqual(['readiness-due-soon']);

    clock.set('2027-03-19T17:00:00Z');
    expect(codes(await migration(ods))).toEqual(['readiness-overdue']);
    await new TargetCopy(ods).sync();
    expect(await migration(ods)).toMatchObject({ state: 'syncing', warnings: [expect.objectContaining({ code: 'readiness-overdue' })] });
    await move(ods, 'readiness-confirmed', 'consumer');
    expect(codes(await migration(ods))).toEqual([]);
  });

  it('counts full initial extracts per consumer and flags more than 5', async () => {
    const ods = 'M10006';
    clock.set('2027-03-01T09:00:00Z');
    await publish(ods, [upsert('Patient', 'p1'), upsert('Patient', 'p2')]);
    await register(ods, plan('2027-04-30T16:00:00Z'));
    for (let i = 0; i < 5; i++) expect((await page(s, ods, { limit: 1 })).status).toBe(200);
    // Reads from a cursor are not extracts.
    const { body } = await page(s, ods, { limit: 1 });
    await page(s, ods, { since: body.nextCursor! });
    let m = await migration(ods);
    expect(m.extractIterations).toEqual([{ clientId: TEST_CLIENTS.consumer, count: 6 }]);
    expect(m.warnings).toEqual([{ code: 'extract-iterations-exceeded', message: expect.stringMatching(/test-consumer has made 6 full initial extracts/) }]);

    const other = await otherClient('consumer', [ods]);
    expect((await other.call(`/v1/practices/${ods}/changes`)).status).toBe(200);
    m = await migration(ods);
    expect(m.extractIterations).toEqual(expect.arrayContaining([{ clientId: TEST_CLIENTS.consumer, count: 6 }, { clientId: other.id, count: 1 }]));
    expect(codes(m)).toEqual(['extract-iterations-exceeded']);
    expect(m.state).toBe('syncing'); // the Target's own reads started it; the other consumer's did not matter
  });
});

describe('refusals', () => {
  it('answers moves the state machine does not have with 409, and bad bodies with 400; nothing changes', async () => {
    const ods = 'M10007';
    clock.set('2027-03-01T09:00:00Z');
    await publish(ods, [upsert('Patient', 'p1')]);
    expect((await call(`/v1/practices/${ods}/migration`, {}, 'consumer')).status).toBe(404);
    expect((await move(ods, 'syncing', 'consumer')).status).toBe(404);
    await register(ods, plan('2027-04-30T16:00:00Z'));

    for (const [to, role] of [['source-frozen', 'publisher'], ['cutover-started', 'publisher'], ['readiness-confirmed', 'consumer'], ['accepted', 'publisher'], ['run-off', 'publisher']] as const) {
      const r = await move(ods, to, role);
      expect(r.status, to).toBe(409);
      expect(r.body, to).toMatchObject({ type: 'urn:dtm:problem:conflict', detail: `The migration is registered; it cannot move to ${to} from there.` });
    }
    expect((await move(ods, 'target-complete', 'consumer')).status).toBe(400); // no digest
    expect((await move(ods, 'syncing', 'consumer', { digest: { cursor: null, types: [], total: { live: 0, deleted: 0, digest: '0'.repeat(64) } } })).status).toBe(400);
    expect((await move(ods, 'registered', 'publisher')).status).toBe(400);
    expect((await move(ods, 'frozen', 'publisher')).status).toBe(400);
    expect((await move(ods, 'aborted', 'publisher', { note: '' })).status).toBe(400);

    expect((await move(ods, 'aborted', 'publisher')).status).toBe(200);
    expect((await move(ods, 'syncing', 'consumer')).status).toBe(409);
    expect((await move(ods, 'aborted', 'consumer')).status).toBe(409);
    expect((await migration(ods)).history.map((h) => h.to)).toEqual(['registered', 'aborted']);
  });

  it('answers the wrong role, and a client that is not the migration\'s, with 403; nothing changes', async () => {
    const ods = 'M10008';
    clock.set('2027-03-01T09:00:00Z');
    await publish(ods, [upsert('Patient', 'p1')]);
    await register(ods, plan('2027-04-30T16:00:00Z'));
    for (const [to, role] of [['cutover-started', 'consumer'], ['accepted', 'consumer'], ['syncing', 'publisher'], ['readiness-confirmed', 'publisher'], ['target-complete', 'publisher']] as const) {
      const extra = to === 'target-complete' ? { digest: { cursor: null, types: [], total: { live: 0, deleted: 0, digest: '0'.repeat(64) } } } : {};
      const r = await move(ods, to, role, extra);
      expect(r.status, `${role} ${to}`).toBe(403);
      expect(r.body, `${role} ${to}`).toMatchObject({ type: 'urn:dtm:problem:forbidden' });
    }
    expect((await register(ods, plan('2027-04-30T16:00:00Z'), 'consumer')).status).toBe(403);

    const otherConsumer = await otherClient('consumer', [ods]);
    expect((await otherConsumer.call(`/v1/practices/${ods}/migration`)).status).toBe(200); // it has a grant: it may look
    expect((await otherConsumer.call(`/v1/practices/${ods}/migration/transitions`, sendJson('POST', { to: 'syncing' }))).status).toBe(403);
    expect((await otherConsumer.call(`/v1/practices/${ods}/changes`)).status).toBe(200);
    const otherPublisher = await otherClient('publisher', [ods]);
    expect((await otherPublisher.call(`/v1/practices/${ods}/migration/transitions`, sendJson('POST', { to: 'aborted' }))).status).toBe(403);
    expect((await otherPublisher.call(`/v1/ingest/practices/${ods}/migration`, sendJson('PUT', plan('2027-04-30T16:00:00Z')))).status).toBe(403);
    const stranger = await otherClient('consumer', []);
    expect((await stranger.call(`/v1/practices/${ods}/migration`)).status).toBe(403);
    expect((await stranger.call(`/v1/practices/${ods}/digest`)).status).toBe(403);

    const m = await migration(ods);
    expect(m.state).toBe('registered'); // the other consumer's read did not start it syncing
    expect(m.history).toHaveLength(1);
  });

  it('refuses a plan that does not start at 17:00 on a Friday in London, naming the field; nothing is written', async () => {
    const ods = 'M10009';
    clock.set('2027-03-01T09:00:00Z');
    await publish(ods, [upsert('Patient', 'p1')]);
    const bad: [string, Record<string, unknown>, string][] = [
      ['16:00 GMT', plan('2027-03-12T17:00:00+01:00'), '/body/plannedCutoverStart'],
      ['18:00 BST', plan('2027-04-02T17:00:00Z'), '/body/plannedCutoverStart'],
      ['a Thursday', plan('2027-03-11T17:00:00Z'), '/body/plannedCutoverStart'],
      ['17:00:30', plan('2027-03-12T17:00:30Z'), '/body/plannedCutoverStart'],
      ['in the past', plan('2027-02-26T17:00:00Z'), '/body/plannedCutoverStart'],
      ['not a real date', plan('2027-02-30T17:00:00Z'), '/body/plannedCutoverStart'],
      ['go-live before the start', plan('2027-03-12T17:00:00Z', { plannedGoLive: '2027-03-12T16:00:00Z' }), '/body/plannedGoLive'],
      ['an unknown target', { ...plan('2027-03-12T17:00:00Z'), targetClientId: 'nobody' }, '/body/targetClientId'],
      ['a publisher as target', { ...plan('2027-03-12T17:00:00Z'), targetClientId: TEST_CLIENTS.publisher }, '/body/targetClientId'],
      ['a run-off over a year', plan('2027-03-12T17:00:00Z', { runOffDays: 400 }), '/body/runOffDays'],
      ['an unknown field', plan('2027-03-12T17:00:00Z', { extra: 1 }), '/body'],
    ];
    for (const [what, body, pointer] of bad) {
      const r = await register(ods, body);
      expect(r.status, what).toBe(400);
      expect(r.body.errors?.map((e) => e.pointer), what).toContainEqual(expect.stringContaining(pointer));
    }
    const named = await register(ods, plan('2027-04-02T17:00:00Z'));
    expect(named.body.detail).toBe('plannedCutoverStart must be 17:00 on a Friday, Europe/London local time (the weekend cutover\'s 5pm Friday start); 2027-04-02T17:00:00Z is Friday 2 April 2027, 18:00 BST.');
    expect((await call(`/v1/practices/${ods}/migration`, {}, 'consumer')).status).toBe(404);
    expect((await register(ods, plan('2027-04-02T16:00:00Z', { plannedGoLive: '2027-04-06T07:00:00Z', runOffDays: 0 }))).body)
      .toMatchObject({ plannedGoLive: '2027-04-06T07:00:00.000Z', runOffDays: 0 });
  });
});

describe('a cutover over a bank holiday weekend', () => {
  it('times the Cut-Over Period in working days and core hours, leaving out the bank holiday Monday', async () => {
    const ods = 'M10010';
    clock.set('2026-07-01T09:00:00Z');
    await nameThePractice(ods, 'Riverside, Bank Holiday Practice');
    await publish(ods, [upsert('Patient', 'p1')]);
    // Friday 28 August 2026 17:00 BST; Monday 31 August is the summer bank holiday.
    const target = await readyForCutover(ods, '2026-08-28T16:00:00Z');
    expect(await migration(ods)).toMatchObject({ plannedGoLive: '2026-08-31T07:00:00.000Z', readinessDeadline: '2026-08-14T16:00:00.000Z' });
    clock.set('2026-08-28T16:00:00Z');
    await move(ods, 'cutover-started', 'publisher');
    clock.set('2026-08-28T18:00:00Z'); // 19:00 BST, after core hours
    await move(ods, 'source-frozen', 'publisher');

    // Monday noon (a bank holiday): running, past the planned go-live, but no working time yet but Friday's.
    clock.set('2026-08-31T11:00:00Z');
    const monday = await migration(ods);
    expect(monday.timing).toEqual({
      cutOverPeriodHours: 65, cutOverPeriodWorkingDays: 0.2083, cutOverPeriodOverThreeWorkingDays: false,
      coreHoursOverlapHours: 0, coreHoursTouched: false, window: 'overran', running: true,
    });
    expect(codes(monday)).toEqual(['go-live-overran']);

    // Tuesday 09:00 BST: Technical Go-Live. 5/24 of Friday + 9/24 of Tuesday; 08:00-09:00 Tuesday is core hours.
    await target.sync();
    clock.set('2026-09-01T08:00:00Z');
    const done = await move(ods, 'target-complete', 'consumer', { digest: target.digest() });
    expect(done.status).toBe(200);
    expect(done.body.timing).toEqual({
      cutOverPeriodHours: 86, cutOverPeriodWorkingDays: 0.5833, cutOverPeriodOverThreeWorkingDays: false,
      coreHoursOverlapHours: 1, coreHoursTouched: true, window: 'overran', running: false,
    });
    expect(codes(done.body)).toEqual(['core-hours-touched', 'go-live-overran']);
    const notice = await call<string>(`/v1/practices/${ods}/migration/notices/technical-go-live`, {}, 'publisher');
    expect(notice.text).toContain('Technical Go-Live: Tuesday 1 September 2026, 09:00 BST (planned: by Monday 31 August 2026, 08:00 BST).');
    expect(notice.text).toContain('Cut-Over Period: from the freeze at Friday 28 August 2026, 19:00 BST, 86 hours, 0.5833 working days; overlapping core working hours by 1 hours.');
  });
});

describe('notices', () => {
  const NOTICES: [string, string, string[]][] = [
    ['technical-readiness-confirmation', 'Technical Readiness Confirmation', ['Monday 2 November 2026', 'To: the Source Solution Supplier, test publisher (DTM client test-publisher)', 'Technical Readiness has been met', '25 days before the planned cutover start of Friday 27 November 2026, 17:00 GMT']],
    ['data-acceptance', 'Data Acceptance Notice', ['Saturday 28 November 2026', 'as being complete and accurate', '3 records and 1 deletions', 'Friday 27 November 2026, 17:30 GMT']],
    ['business-go-live-date-confirmation', 'Business Go-Live Date Confirmation', ['Monday 2 November 2026', 'is Monday 30 November 2026:']],
    ['technical-go-live', 'Technical Go-Live Notice', ['[TO BE ISSUED ON TARGET SOLUTION SUPPLIER/NMETSS LETTERHEAD]', 'Technical Go-Live: Saturday 28 November 2026, 10:00 GMT', 'overlapping core working hours by 1 hours']],
    ['business-go-live', 'Business Go-Live Notice', ['Monday 30 November 2026', 'proceed to Business Go-Live', 'runs to Monday 14 December 2026, 08:00 GMT']],
    ['migration-acceptance', 'Migration Acceptance Notice', ['Monday 14 December 2026', 'copy to the Source Solution Supplier', 'completed the migration']],
  ];

  it.each(NOTICES)('renders %s from the record in Markdown and HTML', async (notice, title, facts) => {
    const md = await call<string>(`/v1/practices/${HAPPY}/migration/notices/${notice}`, {}, 'consumer');
    expect(md.status).toBe(200);
    expect(md.headers.get('content-type')).toMatch(/^text\/markdown/);
    expect(md.headers.get('content-disposition')).toBe(`inline; filename="${HAPPY}-${notice}.md"`);
    expect(md.text).toContain(`## ${title}`);
    expect(md.text).toContain('| Practice Name | ODS Code |');
    expect(md.text).toContain(`| St Mary's & \\<Riverside\\> Surgery | ${HAPPY} |`);
    for (const fact of facts) expect(md.text).toContain(fact.replace(/[[\]]/g, '\\$&'));
    // The state history, in London time; never the record's data or the clients' notes.
    expect(md.text).toContain('| source-frozen | cutover-started | test-publisher | publisher | Friday 27 November 2026, 17:30 GMT |');
    expect(md.text).not.toMatch(/Zebedee|Observation|Patient|logged out/);

    const html = await call<string>(`/v1/practices/${HAPPY}/migration/notices/${notice}?format=html`, {}, 'publisher');
    expect(html.status).toBe(200);
    expect(html.headers.get('content-type')).toMatch(/^text\/html/);
    expect(html.text).toMatch(/^<!doctype html>/);
    expect(html.text).toContain('<style>');
    expect(html.text).toContain(`<td>St Mary&#39;s &amp; &lt;Riverside&gt; Surgery</td><td>${HAPPY}</td>`);
    expect(html.text).toContain(`<h1>${title}</h1>`);
    expect(html.text).not.toMatch(/<script|<link|src=|href=|<Riverside>|Zebedee/);
  });

  it('refuses a notice whose event has not happened (409) and an unknown one (400)', async () => {
    const early = await call<Problem>('/v1/practices/M10008/migration/notices/technical-go-live', {}, 'consumer');
    expect(early.status).toBe(409);
    expect(early.body.detail).toMatch(/records the move to target-complete/);
    expect((await call('/v1/practices/M10008/migration/notices/proposed-migration', {}, 'consumer')).status).toBe(400);
    expect((await call(`/v1/practices/${HAPPY}/migration/notices/technical-go-live?format=pdf`, {}, 'consumer')).status).toBe(400);
    expect((await call('/v1/practices/M19999/migration/notices/technical-go-live', {}, 'consumer')).status).toBe(404);
  });
});

/** RFC 4180 fields, for reading the report back. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; } else if (c === '"') quoted = false; else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(field); field = ''; } else if (c === '\r' && text[i + 1] === '\n') { row.push(field); rows.push(row); row = []; field = ''; i++; } else field += c;
  }
  return rows;
}

describe('the data migration report for the Migration Management Agent', () => {
  it('is RFC 4180 CSV with a header row and one row per migration of the publisher\'s practices', async () => {
    clock.set('2027-05-01T09:00:00Z');
    const res = await call<string>('/v1/ingest/migrations/report', {}, 'publisher');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(res.text.endsWith('\r\n')).toBe(true);
    expect(res.text.replace(/\r\n/g, '')).not.toMatch(/\n/);
    const [header, ...rows] = parseCsv(res.text);
    expect(header).toEqual([
      'ods_code', 'practice_name', 'migration_id', 'state', 'source_client_id', 'target_client_id', 'registered_at',
      'planned_cutover_start', 'actual_cutover_start', 'planned_technical_go_live', 'actual_technical_go_live',
      'business_go_live_at', 'accepted_at', 'aborted_at', 'cut_over_period_hours', 'cut_over_period_working_days',
      'cut_over_period_over_3_working_days', 'core_hours_overlap', 'core_hours_overlap_hours', 'overall_elapsed_days',
    ]);
    const total = (await s.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM migration')).rows[0]!.n;
    expect(rows).toHaveLength(total);
    const byOds = (ods: string) => rows.filter((r) => r[0] === ods).map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i]])));

    expect(byOds(HAPPY)).toEqual([expect.objectContaining({
      practice_name: HAPPY_NAME, state: 'accepted', planned_cutover_start: '2026-11-27T17:00:00+00:00',
      actual_cutover_start: '2026-11-27T17:30:00+00:00', planned_technical_go_live: '2026-11-30T08:00:00+00:00',
      actual_technical_go_live: '2026-11-28T10:00:00+00:00', cut_over_period_hours: '16.5', cut_over_period_working_days: '0.2708',
      cut_over_period_over_3_working_days: 'no', core_hours_overlap: 'yes', core_hours_overlap_hours: '1', overall_elapsed_days: '74.125',
      aborted_at: 'n/a',
    })]);
    expect(byOds('M10010')).toEqual([expect.objectContaining({
      practice_name: 'Riverside, Bank Holiday Practice', state: 'target-complete', actual_cutover_start: '2026-08-28T19:00:00+01:00',
      planned_technical_go_live: '2026-08-31T08:00:00+01:00', actual_technical_go_live: '2026-09-01T09:00:00+01:00',
      cut_over_period_hours: '86', cut_over_period_working_days: '0.5833', core_hours_overlap: 'yes', accepted_at: 'n/a', overall_elapsed_days: 'n/a',
    })]);
    expect(res.text).toContain('"Riverside, Bank Holiday Practice"');
    expect(byOds('M10003').map((r) => r.state)).toEqual(['aborted', 'aborted']);
    expect(byOds('M10007')[0]).toMatchObject({ actual_cutover_start: 'n/a', cut_over_period_hours: 'n/a', core_hours_overlap: 'n/a' });

    const json = await call<MigrationReport>('/v1/ingest/migrations/report?format=json', {}, 'publisher');
    expect(json.body).toMatchObject({ clientId: TEST_CLIENTS.publisher, completed: 1, generatedAt: '2027-05-01T10:00:00+01:00' });
    expect(json.body.migrations).toHaveLength(total);
    expect(json.body.migrations.find((m) => m.odsCode === 'M10007')).toMatchObject({ actualCutoverStart: null, coreHoursOverlap: null });

    expect((await call('/v1/ingest/migrations/report', {}, 'consumer')).status).toBe(403);
    expect((await call('/v1/ingest/migrations/report?format=xml', {}, 'publisher')).status).toBe(400);
    // A publisher with no practices has nothing to report.
    const other = await otherClient('publisher', []);
    const empty = await other.call<MigrationReport>('/v1/ingest/migrations/report?format=json');
    expect(empty.body).toMatchObject({ completed: 0, migrations: [] });
  });
});

describe('after a database restore', () => {
  it('moves a frozen practice\'s final watermark with the new epoch, so it still names the end of the feed', async () => {
    const { inTransaction } = await import('../db/pool.ts');
    const { resetEpoch } = await import('../repo/meta.ts');
    const before = await migration(HAPPY);
    await inTransaction(s.pool, resetEpoch);
    const after = await migration(HAPPY);
    expect(after.finalWatermark).not.toBe(before.finalWatermark);
    expect(after.finalWatermark).toBe((await status(HAPPY)).watermark.highWaterCursor);
    expect((await readAll(s, HAPPY, after.finalWatermark!)).changes).toEqual([]);
    // Aborted after its freeze: the old position no longer means anything, and is cleared.
    expect((await migration('M10003')).finalWatermark).toBeNull();
  });
});
