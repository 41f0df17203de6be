// The data-issues channel against a real server and PostgreSQL (roadmap item: the TSS notifies the SSS
// of issues with the data, and the SSS responds, in a timely manner): raise, list, answer, close,
// re-raise, the /status figures, and every refusal with nothing written.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchAccessToken, type DataIssue, type DataIssuePage, type PracticeStatus, type Role } from '@dtm/shared';
import { ManualClock } from '../clock.ts';
import { addClient, addGrant } from '../services/admin.ts';
import { startTestServer, TEST_CLIENTS, type TestServer } from '../../../../test/support/server.ts';
import { ingest, upsert } from '../../../../test/support/dtm.ts';

const clock = new ManualClock(new Date());
let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ clock });
});
afterAll(async () => s?.stop());

const MINUTE = 60_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A practice held by the DTM (issues are about its data, so it must exist). */
async function practice(ods: string): Promise<string> {
  const r = await ingest(s, ods, [upsert('Patient', 'p1', { gender: 'female' })], { sourceAsOf: clock.now().toISOString() });
  expect(r.status).toBe(200);
  return ods;
}

const nhsNumberIssue = (over: Record<string, unknown> = {}) => ({
  severity: 'error',
  rule: 'uk-core.nhs-number',
  message: 'NHS number fails the Modulus 11 check.',
  resources: [{ resourceType: 'Patient', id: 'p1', versionId: '1', pointer: '/identifier/0/value' }],
  ...over,
});

type Answer<T> = { status: number; body: T; headers: Headers };

async function call<T>(path: string, init: RequestInit, role: Role): Promise<Answer<T>> {
  const res = await s.fetch(path, init, role);
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as T, headers: res.headers };
}

const sendJson = (method: string, body: unknown): RequestInit =>
  ({ method, headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });

const raise = (ods: string, body: unknown, role: Role = 'consumer') => call<DataIssue>(`/v1/practices/${ods}/issues`, sendJson('POST', body), role);
const patch = (ods: string, id: string, body: unknown, role: Role) => call<DataIssue>(`/v1/practices/${ods}/issues/${id}`, sendJson('PATCH', body), role);
const getOne = (ods: string, id: string, role: Role = 'consumer') => call<DataIssue>(`/v1/practices/${ods}/issues/${id}`, {}, role);
const list = (ods: string, query = '', role: Role = 'publisher') => call<DataIssuePage>(`/v1/practices/${ods}/issues${query}`, {}, role);
const issuesStatus = async (ods: string) => (await call<PracticeStatus>(`/v1/practices/${ods}/status`, {}, 'publisher')).body.issues;

/** Rows in the issue tables for a practice: what a refusal must leave untouched. */
async function stored(ods: string) {
  const res = await s.pool.query<{ issues: number; responses: number; updated: Date | null }>(
    `SELECT (SELECT count(*)::int FROM data_issue WHERE practice = $1) AS issues,
            (SELECT count(*)::int FROM data_issue_response r JOIN data_issue i ON i.id = r.issue_id WHERE i.practice = $1) AS responses,
            (SELECT max(updated_at) FROM data_issue WHERE practice = $1) AS updated`,
    [ods],
  );
  return res.rows[0]!;
}

/** A second consumer client with its own key, granted only `practices`. */
async function otherConsumer(practices: string[]) {
  const deps = { pool: s.pool, clock };
  const id = `consumer-${randomUUID().slice(0, 8)}`;
  const { privateJwk } = await addClient(deps, { id, name: id, role: 'consumer', generateKey: true });
  for (const p of practices) await addGrant(deps, { clientId: id, practice: p, sessionsPerDay: 100, requestsPerMinute: 10_000 });
  const token = (await fetchAccessToken({ tokenUrl: `${s.url}/oauth2/token`, clientId: id, privateKey: JSON.stringify(privateJwk), now: clock.now() })).access_token;
  return {
    id,
    async call<T>(path: string, init: RequestInit = {}): Promise<Answer<T>> {
      const res = await fetch(`${s.url}${path}`, { ...init, headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${token}` } });
      return { status: res.status, body: (await res.json()) as T, headers: res.headers };
    },
  };
}

describe('raising an issue (consumer)', () => {
  it('answers 201 with the DataIssue and its Location, and records the resources in the access log', async () => {
    const ods = await practice('I10001');
    const resources = [
      { resourceType: 'Patient', id: 'p1', versionId: '1', pointer: '/identifier/0/value' },
      { resourceType: 'Observation', id: 'o1' },
    ];
    const r = await raise(ods, nhsNumberIssue({ resources }));
    expect(r.status).toBe(201);
    const at = clock.now().toISOString();
    expect(r.body).toEqual({
      id: expect.stringMatching(UUID),
      sequence: expect.any(Number),
      practice: ods,
      raisedBy: TEST_CLIENTS.consumer,
      raisedAt: at,
      updatedAt: at,
      severity: 'error',
      rule: 'uk-core.nhs-number',
      message: 'NHS number fails the Modulus 11 check.',
      resources,
      clientReference: null,
      status: 'open',
      responses: [],
      firstResponseAt: null,
      responseSeconds: null,
    });
    expect(r.headers.get('location')).toBe(`/v1/practices/${ods}/issues/${r.body.id}`);
    expect((await getOne(ods, r.body.id)).body).toEqual(r.body);

    const audit = await call<{ entries: { method: string; route: string; status: number; resources: number; clientId: string }[] }>(
      `/v1/ingest/practices/${ods}/audit`, {}, 'publisher');
    expect(audit.body.entries).toContainEqual(expect.objectContaining({
      method: 'POST', route: '/v1/practices/:ods/issues', status: 201, resources: 2, clientId: TEST_CLIENTS.consumer,
    }));
    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    expect(metrics).toMatch(/dtm_data_issues_raised_total\{severity="error"\} [1-9]/);
  });

  it('is refused to a publisher (403), to a client without a grant (403) and for a practice not held (404); nothing written', async () => {
    const ods = await practice('I10002');
    const byPublisher = await raise(ods, nhsNumberIssue(), 'publisher');
    expect(byPublisher.status).toBe(403);
    expect(byPublisher.body).toMatchObject({ type: 'urn:dtm:problem:forbidden', detail: expect.stringMatching(/consumer/) });
    const stranger = await otherConsumer([]);
    expect((await stranger.call(`/v1/practices/${ods}/issues`, sendJson('POST', nhsNumberIssue()))).status).toBe(403);
    expect(await stored(ods)).toMatchObject({ issues: 0, responses: 0 });
    const unknown = await raise('I19999', nhsNumberIssue());
    expect(unknown.status).toBe(404);
    expect(await stored('I19999')).toMatchObject({ issues: 0 });
  });
});

describe('answering (publisher) and closing (consumer)', () => {
  it('the publisher lists the issue, acknowledges it, then resolves it; the response time is the first answer', async () => {
    const ods = await practice('I20001');
    const raised = (await raise(ods, nhsNumberIssue())).body;
    const listed = await list(ods);
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual({ practice: ods, issues: [raised], next: null });

    clock.advance(90 * MINUTE);
    const ackAt = clock.now().toISOString();
    const ack = await patch(ods, raised.id, { status: 'acknowledged', comment: 'Looking at it with the practice.' }, 'publisher');
    expect(ack.status).toBe(200);
    expect(ack.body).toMatchObject({
      status: 'acknowledged',
      updatedAt: ackAt,
      firstResponseAt: ackAt,
      responseSeconds: 5400,
      responses: [{ by: TEST_CLIENTS.publisher, role: 'publisher', status: 'acknowledged', comment: 'Looking at it with the practice.', at: ackAt }],
    });

    clock.advance(60 * MINUTE);
    const resolvedAt = clock.now().toISOString();
    const resolved = await patch(ods, raised.id, { status: 'resolved', comment: 'Corrected at source.' }, 'publisher');
    expect(resolved.status).toBe(200);
    expect(resolved.body).toMatchObject({ status: 'resolved', updatedAt: resolvedAt, firstResponseAt: ackAt, responseSeconds: 5400 });
    expect(resolved.body.responses.map((r) => [r.role, r.status, r.comment])).toEqual([
      ['publisher', 'acknowledged', 'Looking at it with the practice.'],
      ['publisher', 'resolved', 'Corrected at source.'],
    ]);
    // The Target reads the same answer.
    expect((await getOne(ods, raised.id, 'consumer')).body).toEqual(resolved.body);
    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    expect(metrics).toMatch(/dtm_data_issues_answered_total\{status="resolved"\} [1-9]/);
  });

  it('the consumer closes an issue with or without a comment', async () => {
    const ods = await practice('I20002');
    const a = (await raise(ods, nhsNumberIssue())).body;
    const b = (await raise(ods, nhsNumberIssue())).body;
    const closed = await patch(ods, a.id, { status: 'closed', comment: 'Version 2 passes.' }, 'consumer');
    expect(closed.status).toBe(200);
    expect(closed.body).toMatchObject({
      status: 'closed', firstResponseAt: null, responseSeconds: null,
      responses: [{ by: TEST_CLIENTS.consumer, role: 'consumer', status: 'closed', comment: 'Version 2 passes.', at: clock.now().toISOString() }],
    });
    const quiet = await patch(ods, b.id, { status: 'closed' }, 'consumer');
    expect(quiet.body.responses).toEqual([expect.objectContaining({ status: 'closed', comment: null })]);
  });

  it('refuses a status the role may not set with 403, and a move the states do not allow with 409; nothing written', async () => {
    const ods = await practice('I20003');
    const issue = (await raise(ods, nhsNumberIssue())).body;
    const before = await stored(ods);

    const consumerResolves = await patch(ods, issue.id, { status: 'resolved', comment: 'It is fine.' }, 'consumer');
    expect(consumerResolves.status).toBe(403);
    expect(consumerResolves.body).toMatchObject({ type: 'urn:dtm:problem:forbidden' });
    expect((await patch(ods, issue.id, { status: 'closed' }, 'publisher')).status).toBe(403);
    // Another consumer of the practice may read the issue but not close it.
    const other = await otherConsumer([ods]);
    expect((await other.call(`/v1/practices/${ods}/issues/${issue.id}`)).status).toBe(200);
    expect((await other.call(`/v1/practices/${ods}/issues/${issue.id}`, sendJson('PATCH', { status: 'closed' }))).status).toBe(403);
    expect(await stored(ods)).toEqual(before);

    await patch(ods, issue.id, { status: 'wont-fix', comment: 'Recorded so at the practice.' }, 'publisher');
    const reanswer = await patch(ods, issue.id, { status: 'acknowledged', comment: 'Again.' }, 'publisher');
    expect(reanswer.status).toBe(409);
    expect(reanswer.body).toMatchObject({ type: 'urn:dtm:problem:conflict', status: 409 });
    await patch(ods, issue.id, { status: 'closed' }, 'consumer');
    const afterClose = await stored(ods);
    for (const [body, role] of [[{ status: 'resolved', comment: 'Fixed.' }, 'publisher'], [{ status: 'closed' }, 'consumer']] as const) {
      const r = await patch(ods, issue.id, body, role);
      expect(r.status, JSON.stringify(body)).toBe(409);
    }
    expect(await stored(ods)).toEqual(afterClose);
    expect((await getOne(ods, issue.id)).body.status).toBe('closed');
  });

  it('an issue of another practice is not found (404), and a practice without a grant is forbidden (403)', async () => {
    const a = await practice('I20004');
    const b = await practice('I20005');
    const issue = (await raise(a, nhsNumberIssue())).body;
    expect((await getOne(b, issue.id)).status).toBe(404);
    expect((await getOne(a, randomUUID())).status).toBe(404);
    const wrongPractice = await patch(b, issue.id, { status: 'acknowledged', comment: 'Seen.' }, 'publisher');
    expect(wrongPractice.status).toBe(404);
    expect(wrongPractice.body).toMatchObject({ type: 'urn:dtm:problem:not-found' });
    expect((await getOne(a, 'not-a-uuid')).status).toBe(400);
    // A consumer granted only practice B reads nothing of A's.
    const onlyB = await otherConsumer([b]);
    expect((await onlyB.call(`/v1/practices/${a}/issues`)).status).toBe(403);
    expect((await onlyB.call(`/v1/practices/${a}/issues/${issue.id}`)).status).toBe(403);
    expect((await getOne(a, issue.id)).body.status).toBe('open');
  });
});

describe('raising again with the same clientReference', () => {
  it('updates the issue: resources merged, message and severity replaced, same id and sequence', async () => {
    const ods = await practice('I30001');
    const first = await raise(ods, nhsNumberIssue({ clientReference: 'nhs/Patient/p1' }));
    expect(first.status).toBe(201);
    clock.advance(5 * MINUTE);
    const again = await raise(ods, nhsNumberIssue({
      clientReference: 'nhs/Patient/p1',
      severity: 'warning',
      message: 'Still failing at version 2.',
      resources: [{ resourceType: 'Patient', id: 'p1', versionId: '2', pointer: '/identifier/0/value' }, { resourceType: 'Patient', id: 'p2' }],
    }));
    expect(again.status).toBe(200);
    expect(again.headers.get('location')).toBe(`/v1/practices/${ods}/issues/${first.body.id}`);
    expect(again.body).toEqual({
      ...first.body,
      severity: 'warning',
      message: 'Still failing at version 2.',
      resources: [{ resourceType: 'Patient', id: 'p1', versionId: '2', pointer: '/identifier/0/value' }, { resourceType: 'Patient', id: 'p2' }],
      updatedAt: clock.now().toISOString(),
    });
    expect((await list(ods)).body.issues).toHaveLength(1);

    // The reference names one finding: another rule under it is refused.
    const before = await stored(ods);
    const otherRule = await raise(ods, nhsNumberIssue({ clientReference: 'nhs/Patient/p1', rule: 'uk-core.birth-date' }));
    expect(otherRule.status).toBe(409);
    expect(JSON.stringify(otherRule.body)).not.toContain('birth-date');
    expect(await stored(ods)).toEqual(before);
  });

  it('makes one issue of concurrent raises with the same reference', async () => {
    const ods = await practice('I30004');
    const answers = await Promise.all(Array.from({ length: 6 }, (_, i) =>
      raise(ods, nhsNumberIssue({ clientReference: 'racing', resources: [{ resourceType: 'Patient', id: `p${i}` }] }))));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 200, 200, 201]);
    expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
    const [only] = (await list(ods)).body.issues;
    expect(only!.resources.map((r) => r.id).sort()).toEqual(['p0', 'p1', 'p2', 'p3', 'p4', 'p5']);
  });

  it('is per raising client: another consumer with the same reference raises its own issue', async () => {
    const ods = await practice('I30002');
    const mine = (await raise(ods, nhsNumberIssue({ clientReference: 'shared-ref' }))).body;
    const other = await otherConsumer([ods]);
    const theirs = await other.call<DataIssue>(`/v1/practices/${ods}/issues`, sendJson('POST', nhsNumberIssue({ clientReference: 'shared-ref' })));
    expect(theirs.status).toBe(201);
    expect(theirs.body.id).not.toBe(mine.id);
    expect(theirs.body.raisedBy).toBe(other.id);
  });

  it('reopens an issue the consumer closed, restarting its unanswered clock; a resolved one keeps its answer', async () => {
    const ods = await practice('I30003');
    const issue = (await raise(ods, nhsNumberIssue({ clientReference: 'ref-a' }))).body;
    clock.advance(10 * MINUTE);
    await patch(ods, issue.id, { status: 'acknowledged', comment: 'Seen.' }, 'publisher');
    await patch(ods, issue.id, { status: 'closed', comment: 'Passes now.' }, 'consumer');
    expect(await issuesStatus(ods)).toMatchObject({ open: 0, unanswered: 0 });

    clock.advance(60 * MINUTE);
    const reopenedAt = clock.now().toISOString();
    const reopened = await raise(ods, nhsNumberIssue({ clientReference: 'ref-a', message: 'Fails again at version 3.' }));
    expect(reopened.status).toBe(200);
    expect(reopened.body).toMatchObject({ id: issue.id, status: 'open', message: 'Fails again at version 3.', responseSeconds: 600 });
    expect(reopened.body.responses.map((r) => [r.role, r.status, r.comment])).toEqual([
      ['publisher', 'acknowledged', 'Seen.'], ['consumer', 'closed', 'Passes now.'], ['consumer', 'open', null],
    ]);
    clock.advance(MINUTE);
    expect(await issuesStatus(ods)).toMatchObject({ open: 1, unanswered: 1, oldestUnansweredAt: reopenedAt, oldestUnansweredSeconds: 60 });

    const other = (await raise(ods, nhsNumberIssue({ clientReference: 'ref-b' }))).body;
    await patch(ods, other.id, { status: 'resolved', comment: 'Fixed.' }, 'publisher');
    const reraised = await raise(ods, nhsNumberIssue({ clientReference: 'ref-b' }));
    expect(reraised.body).toMatchObject({ status: 'resolved', responses: [expect.objectContaining({ status: 'resolved' })] });
  });
});

describe('GET /v1/practices/{ods}/status issues', () => {
  it('counts open and unanswered issues, the oldest unanswered, and the median response time', async () => {
    const ods = await practice('I40001');
    expect(await issuesStatus(ods)).toEqual({ open: 0, unanswered: 0, oldestUnansweredAt: null, oldestUnansweredSeconds: null, medianResponseSeconds: null });

    const t0 = clock.now().toISOString();
    const a = (await raise(ods, nhsNumberIssue())).body;
    clock.advance(10 * MINUTE);
    const t1 = clock.now().toISOString();
    const b = (await raise(ods, nhsNumberIssue({ severity: 'warning' }))).body;
    clock.advance(20 * MINUTE);
    expect(await issuesStatus(ods)).toEqual({ open: 2, unanswered: 2, oldestUnansweredAt: t0, oldestUnansweredSeconds: 1800, medianResponseSeconds: null });

    await patch(ods, a.id, { status: 'acknowledged', comment: 'Seen.' }, 'publisher'); // answered after 1800 s
    expect(await issuesStatus(ods)).toEqual({ open: 2, unanswered: 1, oldestUnansweredAt: t1, oldestUnansweredSeconds: 1200, medianResponseSeconds: 1800 });

    clock.advance(40 * MINUTE);
    await patch(ods, b.id, { status: 'resolved', comment: 'Fixed.' }, 'publisher'); // answered after 3600 s
    expect(await issuesStatus(ods)).toEqual({ open: 1, unanswered: 0, oldestUnansweredAt: null, oldestUnansweredSeconds: null, medianResponseSeconds: 2700 });
  });
});

describe('listing', () => {
  it('pages by sequence, newest last, and filters by status and rule', async () => {
    const ods = await practice('I50001');
    const raised: DataIssue[] = [];
    for (const rule of ['r.one', 'r.two', 'r.one', 'r.two', 'r.one']) raised.push((await raise(ods, nhsNumberIssue({ rule }))).body);
    await patch(ods, raised[1]!.id, { status: 'acknowledged', comment: 'Seen.' }, 'publisher');
    await patch(ods, raised[2]!.id, { status: 'closed' }, 'consumer');

    const ids: string[] = [];
    let after: number | null = 0;
    let pages = 0;
    while (after !== null) {
      const p = await list(ods, `?limit=2&after=${after}`);
      expect(p.status).toBe(200);
      ids.push(...p.body.issues.map((i) => i.id));
      after = p.body.next;
      pages++;
    }
    expect(ids).toEqual(raised.map((i) => i.id));
    expect(pages).toBe(3);
    expect(raised.map((i) => i.sequence)).toEqual([...raised.map((i) => i.sequence)].sort((x, y) => x - y));

    const ruleOne = await list(ods, '?rule=r.one', 'consumer');
    expect(ruleOne.body.issues.map((i) => i.id)).toEqual([raised[0]!.id, raised[2]!.id, raised[4]!.id]);
    const openOnly = await list(ods, '?status=open');
    expect(openOnly.body.issues.map((i) => i.id)).toEqual([raised[0]!.id, raised[3]!.id, raised[4]!.id]);
    const pending = await list(ods, '?status=open&status=acknowledged&rule=r.two');
    expect(pending.body.issues.map((i) => i.id)).toEqual([raised[1]!.id, raised[3]!.id]);
    const newer = await list(ods, `?after=${raised[3]!.sequence}`);
    expect(newer.body).toMatchObject({ issues: [expect.objectContaining({ id: raised[4]!.id })], next: null });
  });

  it('404 for a practice not held; 400 for bad parameters', async () => {
    expect((await list('I59999')).status).toBe(404);
    const ods = await practice('I50002');
    for (const [query, pointer] of [['?status=pending', '/query/status/0'], ['?limit=0', '/query/limit'], ['?limit=1001', '/query/limit'], ['?after=-1', '/query/after'], ['?colour=red', '/query/colour']] as const) {
      const r = await list(ods, query);
      expect(r.status, query).toBe(400);
      expect((r.body as unknown as { errors: { pointer: string }[] }).errors.map((e) => e.pointer), query).toContain(pointer);
    }
  });
});

describe('bad bodies', () => {
  const cases: [string, unknown, string][] = [
    ['no severity', { ...nhsNumberIssue(), severity: undefined }, '/body/severity'],
    ['an unknown severity', nhsNumberIssue({ severity: 'fatal' }), '/body/severity'],
    ['an empty rule', nhsNumberIssue({ rule: '' }), '/body/rule'],
    ['a rule over 200 characters', nhsNumberIssue({ rule: 'r'.repeat(201) }), '/body/rule'],
    ['an empty message', nhsNumberIssue({ message: '' }), '/body/message'],
    ['a message over 2000 characters', nhsNumberIssue({ message: 'm'.repeat(2001) }), '/body/message'],
    ['no resources', nhsNumberIssue({ resources: [] }), '/body/resources'],
    ['more than 10,000 resources', nhsNumberIssue({ resources: Array.from({ length: 10_001 }, (_, i) => ({ resourceType: 'Patient', id: `p${i}` })) }), '/body/resources'],
    ['a bad resource id', nhsNumberIssue({ resources: [{ resourceType: 'Patient', id: 'p1' }, { resourceType: 'Patient', id: 'has space' }] }), '/body/resources/1/id'],
    ['a resource type that is not FHIR R4', nhsNumberIssue({ resources: [{ resourceType: 'Patiently', id: 'p1' }] }), '/body/resources/0/resourceType'],
    ['a bad versionId', nhsNumberIssue({ resources: [{ resourceType: 'Patient', id: 'p1', versionId: '0' }] }), '/body/resources/0/versionId'],
    ['a pointer that is not a JSON pointer', nhsNumberIssue({ resources: [{ resourceType: 'Patient', id: 'p1', pointer: 'Patient.identifier' }] }), '/body/resources/0/pointer'],
    ['an unknown resource field', nhsNumberIssue({ resources: [{ resourceType: 'Patient', id: 'p1', display: 'x' }] }), '/body/resources/0/display'],
    ['an unknown field', nhsNumberIssue({ patient: 'x' }), '/body/patient'],
    ['an empty clientReference', nhsNumberIssue({ clientReference: '' }), '/body/clientReference'],
  ];

  it.each(cases)('refuses a raise with %s: 400 naming the field, nothing written', async (_name, body, pointer) => {
    const ods = await practice('I60001');
    const r = await raise(ods, body);
    expect(r.status).toBe(400);
    expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect((r.body as unknown as { errors: { pointer: string }[] }).errors.map((e) => e.pointer)).toContain(pointer);
    expect(await stored(ods)).toMatchObject({ issues: 0 });
  });

  it('refuses malformed JSON (400) and another media type (415)', async () => {
    const ods = await practice('I60001');
    expect((await raise(ods, '{"severity":')).status).toBe(400);
    const text = await call(`/v1/practices/${ods}/issues`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' }, 'consumer');
    expect(text.status).toBe(415);
    expect(await stored(ods)).toMatchObject({ issues: 0 });
  });

  it('refuses an answer without a comment, an unknown status and unknown fields: 400, nothing written', async () => {
    const ods = await practice('I60002');
    const issue = (await raise(ods, nhsNumberIssue())).body;
    const before = await stored(ods);
    const cases: [unknown, Role, string][] = [
      [{ status: 'resolved' }, 'publisher', '/body/comment'],
      [{ status: 'acknowledged', comment: '' }, 'publisher', '/body/comment'],
      [{ status: 'open' }, 'consumer', '/body/status'],
      [{ status: 'closed', reason: 'x' }, 'consumer', '/body/reason'],
      [{ status: 'resolved', comment: 'c'.repeat(2001) }, 'publisher', '/body/comment'],
    ];
    for (const [body, role, pointer] of cases) {
      const r = await patch(ods, issue.id, body, role);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect((r.body as unknown as { errors: { pointer: string }[] }).errors.map((e) => e.pointer), JSON.stringify(body)).toContain(pointer);
    }
    expect(await stored(ods)).toEqual(before);
  });
});
