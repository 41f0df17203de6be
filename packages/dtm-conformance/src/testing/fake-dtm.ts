// A small in-process DTM speaking the contract for one fixed practice, for the kit's own tests. Each
// flaw switch breaks it in one deliberate way, so the tests can show that exactly the right checks
// fail. Everything is in memory; node:http only.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { deflateRawSync } from 'node:zlib';
import { decodeJwt, decodeProtectedHeader, importJWK, jwtVerify, type JWK } from 'jose';
import { ASSERTION_ALGORITHMS, CLIENT_ASSERTION_TYPE, NHS_NUMBER_SYSTEM, OPENAPI_PATH, SCOPES, generateClientKeyPair, nhsNumberFromSerial, parseExact } from '@dtm/shared';

export interface FakeDtmFlaws {
  /** Accept an assertion whose jti was already used. */
  acceptReplayedJti?: boolean;
  /** Resume from a cursor with `>=` instead of `>`: the change at the cursor comes again on the next page. */
  duplicatesAcrossPages?: boolean;
  /**
   * Hand out feed positions when a batch starts but make it visible when it "commits" (every other
   * batch takes 200 ms), and read with `position > cursor`: a reader that passes a later, quicker
   * batch never sees the slower one (the classic sequence-number gap under concurrent commits).
   */
  skipUnderConcurrency?: boolean;
  /** Send Retry-After as an HTTP date instead of seconds. */
  retryAfterDate?: boolean;
  /** sourceAsOf this many hours ago (default 1). */
  staleHours?: number;
  /** Answer a client that accepts gzip with a raw deflate body labelled `Content-Encoding: gzip` (a classic mix-up). */
  mislabelledGzip?: boolean;
  /** Parse published resources with plain JSON.parse, so 7.50 is stored and served as 7.5. */
  lossyNumbers?: boolean;
}

export interface FakeCredential {
  clientId: string;
  privateKey: string;
}

export interface FakeDtm {
  url: string;
  ods: string;
  credentials: { consumer: FakeCredential; publisher: FakeCredential; rate: FakeCredential };
  close(): Promise<void>;
}

type Role = 'consumer' | 'publisher';
interface Client { role: Role; keys: JWK[]; requestsPerMinute: number }
interface Entry { seq: number; key: string; visible: boolean; change: Record<string, unknown> }
interface Issue { [k: string]: unknown; id: string; sequence: number; status: string; raisedBy: string; raisedAt: string; responses: unknown[]; firstResponseAt: string | null }

const CURSOR_PREFIX = 'fake1:';
const encodeCursor = (seq: number) => Buffer.from(`${CURSOR_PREFIX}${seq}`).toString('base64url');
function decodeCursor(c: string): number | null {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(c)) return null;
  const s = Buffer.from(c, 'base64url').toString('utf8');
  return s.startsWith(CURSOR_PREFIX) && /^\d+$/.test(s.slice(CURSOR_PREFIX.length)) ? Number(s.slice(CURSOR_PREFIX.length)) : null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const withoutMeta = (r: Record<string, unknown>) => JSON.stringify({ ...r, meta: undefined });

/** NHS numbers (999 test range) and family names of the fixed practice: the kit's reports must never contain them. */
export const FAKE_PATIENTS = [
  { id: 'pat-1', nhsNumber: nhsNumberFromSerial(4711), family: 'Quennell-Abernathy', gender: 'female', birthDate: '1970-01-01' },
  { id: 'pat-2', nhsNumber: nhsNumberFromSerial(4712), family: 'Trevanion-Pask', gender: 'male', birthDate: '1982-05-17' },
  { id: 'pat-3', nhsNumber: nhsNumberFromSerial(4713), family: 'Marchbanks-Ooi', gender: 'female', birthDate: '2001-11-30' },
];

/** The fixed practice: valid FHIR R4 / UK Core resources, and one deleted Observation. */
function seedResources(ods: string): Record<string, unknown>[] {
  const patient = (p: (typeof FAKE_PATIENTS)[number]) => ({
    resourceType: 'Patient', id: p.id, identifier: [{ system: NHS_NUMBER_SYSTEM, value: p.nhsNumber }],
    name: [{ family: p.family, given: ['Test'] }], gender: p.gender, birthDate: p.birthDate,
    managingOrganization: { reference: `Organization/org-${ods}` },
  });
  const obs = (id: string, patient: string, value: number) => ({
    resourceType: 'Observation', id, status: 'final', subject: { reference: `Patient/${patient}` },
    code: { coding: [{ system: 'http://snomed.info/sct', code: '27113001', display: 'Body weight' }] },
    valueQuantity: { value, unit: 'kg', system: 'http://unitsofmeasure.org', code: 'kg' },
  });
  return [
    { resourceType: 'Organization', id: `org-${ods}`, identifier: [{ system: 'https://fhir.nhs.uk/Id/ods-organization-code', value: ods }], name: 'Fake Test Surgery' },
    ...FAKE_PATIENTS.map(patient),
    { resourceType: 'Condition', id: 'cond-1', subject: { reference: 'Patient/pat-1' }, code: { coding: [{ system: 'http://snomed.info/sct', code: '38341003', display: 'Hypertensive disorder' }] } },
    obs('obs-1', 'pat-1', 70.5),
    obs('obs-2', 'pat-2', 82.1),
    obs('obs-3', 'pat-3', 60.2),
    obs('obs-4', 'pat-1', 71.0),
  ];
}

export async function startFakeDtm(o: { flaws?: FakeDtmFlaws; ods?: string; rateRequestsPerMinute?: number; contract?: (openApi: string) => string } = {}): Promise<FakeDtm> {
  const flaws = o.flaws ?? {};
  const ods = o.ods ?? 'F12345';
  const spec = (o.contract ?? ((s: string) => s))(await readFile(OPENAPI_PATH, 'utf8'));
  const clients = new Map<string, Client>();
  const credentials = {} as FakeDtm['credentials'];
  for (const [name, role, rpm] of [['consumer', 'consumer', 1e9], ['publisher', 'publisher', 1e9], ['rate', 'consumer', o.rateRequestsPerMinute ?? 5]] as const) {
    const { privateJwk, publicJwks } = await generateClientKeyPair('ES384');
    const clientId = `fake-${name}`;
    clients.set(clientId, { role, keys: publicJwks.keys, requestsPerMinute: rpm });
    credentials[name] = { clientId, privateKey: JSON.stringify(privateJwk) };
  }
  const tokens = new Map<string, { clientId: string; role: Role; expires: number }>();
  const usedJti = new Set<string>();
  const rate = new Map<string, { start: number; count: number }>();
  const log: Entry[] = [];
  const versions = new Map<string, { versionId: number; deleted: boolean; content: string }>();
  const binaries = new Map<string, { content: Buffer; contentType: string }>();
  const issues = new Map<string, Issue>();
  const waiters = new Set<() => void>();
  let seq = 0;
  let batches = 0;
  let sourceAsOf = new Date(Date.now() - (flaws.staleHours ?? 1) * 3600_000);
  let lastUpdatedAt = new Date(sourceAsOf);
  let url = '';
  const tokenUrl = () => `${url}/oauth2/token`;

  /** Allocates positions for a batch's writes; they become visible at commit(). */
  function write(items: { op: string; resourceType: string; id: string; resource?: Record<string, unknown> }[]) {
    const now = new Date().toISOString();
    const entries: Entry[] = [];
    let created = 0, updated = 0, deleted = 0, unchanged = 0;
    for (const it of items) {
      const key = `${it.resourceType}/${it.id}`;
      const cur = versions.get(key);
      if (it.op === 'delete') {
        if (!cur || cur.deleted) { unchanged++; continue; }
        deleted++;
      } else {
        const content = withoutMeta(it.resource!);
        if (cur && !cur.deleted && cur.content === content) { unchanged++; continue; }
        if (cur && !cur.deleted) updated++; else created++;
      }
      const versionId = (cur?.versionId ?? 0) + 1;
      versions.set(key, { versionId, deleted: it.op === 'delete', content: it.op === 'delete' ? '' : withoutMeta(it.resource!) });
      const s = ++seq;
      const change: Record<string, unknown> = {
        cursor: encodeCursor(s), op: it.op, resourceType: it.resourceType, id: it.id, versionId: String(versionId),
        lastUpdated: now, availableAt: now, sourceUpdatedAt: null,
        ...(it.op === 'upsert' ? { resource: { ...it.resource, meta: { versionId: String(versionId), lastUpdated: now } } } : {}),
      };
      const entry = { seq: s, key, visible: false, change };
      log.push(entry);
      entries.push(entry);
    }
    const commit = () => {
      for (const e of entries) {
        e.visible = true;
        // Compacted log: an older entry for the same resource leaves the feed.
        const older = log.findIndex((x) => x.key === e.key && x.seq < e.seq);
        if (older >= 0) log.splice(older, 1);
      }
      if (entries.length) lastUpdatedAt = new Date();
      for (const w of waiters) w();
    };
    return { commit, result: { created, updated, deleted, unchanged } };
  }
  write(seedResources(ods).map((r) => ({ op: 'upsert', resourceType: String(r.resourceType), id: String(r.id), resource: r }))).commit();
  write([{ op: 'upsert', resourceType: 'Observation', id: 'obs-gone', resource: { resourceType: 'Observation', id: 'obs-gone', status: 'final', code: { text: 'entered in error' } } }]).commit();
  write([{ op: 'delete', resourceType: 'Observation', id: 'obs-gone' }]).commit();
  lastUpdatedAt = new Date(sourceAsOf);

  function watermark() {
    const high = log.filter((e) => e.visible).at(-1);
    return { practice: ods, sourceAsOf: sourceAsOf.toISOString(), lastUpdatedAt: lastUpdatedAt.toISOString(), highWaterCursor: high ? encodeCursor(high.seq) : null, serverTime: new Date().toISOString() };
  }

  function page(since: number, limit: number) {
    const visible = log.filter((e) => e.visible);
    const after = visible.filter((e) => (flaws.duplicatesAcrossPages ? e.seq >= since : e.seq > since));
    const changes = after.slice(0, limit);
    const last = changes.at(-1)?.seq ?? since;
    return { changes, upToDate: !visible.some((e) => e.seq > last), last };
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch(() => send(res, 500, { type: 'urn:dtm:problem:internal', title: 'Internal', status: 500 }));
  });

  function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
    const problem = status >= 400 && typeof (body as { type?: unknown }).type === 'string';
    res.writeHead(status, { 'content-type': problem ? 'application/problem+json' : 'application/json', ...headers });
    res.end(JSON.stringify(body));
  }
  const problem = (res: http.ServerResponse, status: number, detail: string, headers: Record<string, string> = {}) =>
    send(res, status, { type: `urn:dtm:problem:${status === 401 ? 'unauthorized' : status === 403 ? 'forbidden' : status === 404 ? 'not-found' : status === 429 ? 'too-many-requests' : 'bad-request'}`, title: http.STATUS_CODES[status], status, detail }, headers);

  async function body(req: http.IncomingMessage): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  }

  async function token(req: http.IncomingMessage, res: http.ServerResponse) {
    const form = new URLSearchParams((await body(req)).toString('utf8'));
    const refuse = (status: number, error: string, description: string) => send(res, status, { error, error_description: description }, { 'cache-control': 'no-store' });
    if (!form.get('grant_type')) return refuse(400, 'invalid_request', 'grant_type is required');
    if (form.get('grant_type') !== 'client_credentials') return refuse(400, 'unsupported_grant_type', 'only client_credentials');
    if (form.get('client_assertion_type') !== CLIENT_ASSERTION_TYPE) return refuse(401, 'invalid_client', 'wrong client_assertion_type');
    const assertion = form.get('client_assertion') ?? '';
    try {
      const header = decodeProtectedHeader(assertion);
      const claims = decodeJwt(assertion);
      if (!(ASSERTION_ALGORITHMS as readonly string[]).includes(String(header.alg))) return refuse(401, 'invalid_client', 'algorithm not accepted');
      const client = clients.get(String(claims.iss));
      const jwk = client?.keys.find((k) => k.kid === header.kid);
      if (!client || !jwk) return refuse(401, 'invalid_client', 'unknown client or key');
      const { payload } = await jwtVerify(assertion, await importJWK(jwk, String(header.alg)), {
        audience: tokenUrl(), issuer: String(claims.iss), subject: String(claims.iss), algorithms: [...ASSERTION_ALGORITHMS],
      });
      if (!payload.exp || payload.exp - Date.now() / 1000 > 305) return refuse(401, 'invalid_client', 'exp too far ahead');
      if (!payload.jti) return refuse(401, 'invalid_client', 'jti required');
      if (usedJti.has(payload.jti) && !flaws.acceptReplayedJti) return refuse(401, 'invalid_client', 'jti has already been used (replayed assertion)');
      usedJti.add(payload.jti);
      const t = randomBytes(32).toString('base64url');
      tokens.set(t, { clientId: String(claims.iss), role: client.role, expires: Date.now() + 300_000 });
      const scope = client.role === 'consumer' ? SCOPES.feedRead : `${SCOPES.ingestWrite} ${SCOPES.auditRead}`;
      return send(res, 200, { access_token: t, token_type: 'bearer', expires_in: 300, scope }, { 'cache-control': 'no-store' });
    } catch {
      return refuse(401, 'invalid_client', 'the assertion does not verify');
    }
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const u = new URL(req.url ?? '/', url);
    const path = u.pathname;
    const method = req.method ?? 'GET';
    if (method === 'GET' && path === '/health/live') return send(res, 200, { status: 'ok' });
    if (method === 'GET' && path === '/openapi.yaml') {
      res.writeHead(200, { 'content-type': 'application/yaml' });
      return res.end(spec);
    }
    if (method === 'GET' && path === '/.well-known/smart-configuration') {
      return send(res, 200, {
        token_endpoint: tokenUrl(), grant_types_supported: ['client_credentials'], token_endpoint_auth_methods_supported: ['private_key_jwt'],
        token_endpoint_auth_signing_alg_values_supported: [...ASSERTION_ALGORITHMS], scopes_supported: Object.values(SCOPES),
      });
    }
    if (method === 'POST' && path === '/oauth2/token') return token(req, res);
    const m = /^\/v1\/(ingest\/)?practices\/([^/]+)(?:\/([a-z]+)(?:\/([^/]+))?)?$/.exec(path);
    if (!m) return problem(res, 404, 'no such route');
    // Authenticate, then the role, the grant and the agreed rate.
    const auth = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
    const who = auth ? tokens.get(auth[1]!) : undefined;
    if (!who || who.expires < Date.now()) return problem(res, 401, 'an access token is required', { 'www-authenticate': 'Bearer' });
    const [, ingest, practice, what, id] = m;
    const needs: Role = ingest ? 'publisher' : what === 'changes' || what === 'binaries' || (what === 'issues' && method === 'POST') ? 'consumer' : who.role;
    if (who.role !== needs) return problem(res, 403, `this route is for ${needs}s`);
    if (practice !== ods) return problem(res, 403, 'no grant for this practice');
    const client = clients.get(who.clientId)!;
    if (!ingest && (what === 'changes' || what === 'status')) {
      const now = Date.now();
      const w = rate.get(who.clientId);
      const win = w && now - w.start < 60_000 ? w : { start: now, count: 0 };
      win.count++;
      rate.set(who.clientId, win);
      if (win.count > client.requestsPerMinute) {
        const resetMs = win.start + 60_000;
        const retryAfter = flaws.retryAfterDate ? new Date(resetMs).toUTCString() : String(Math.max(1, Math.ceil((resetMs - now) / 1000)));
        return problem(res, 429, 'past the agreed request rate', { 'retry-after': retryAfter });
      }
    }

    if (!ingest && what === 'status' && method === 'GET') {
      const counts = new Map<string, { live: number; deleted: number }>();
      for (const [key, v] of versions) {
        const type = key.split('/')[0]!;
        const c = counts.get(type) ?? { live: 0, deleted: 0 };
        if (v.deleted) c.deleted++; else c.live++;
        counts.set(type, c);
      }
      const seconds = (Date.now() - sourceAsOf.getTime()) / 1000;
      return send(res, 200, {
        practice: ods, name: 'Fake Test Surgery', watermark: watermark(),
        staleness: { seconds, limitSeconds: 43200, withinLimit: seconds <= 43200 },
        availability: { limitSeconds: 21600, changesMeasured: 0, changesOverLimit: 0, maxDelaySeconds: null },
        counts: [...counts].map(([resourceType, c]) => ({ resourceType, ...c })),
        binaries: { count: binaries.size, bytes: [...binaries.values()].reduce((a, b) => a + b.content.length, 0) },
        consumers: [], issues: { open: 0, unanswered: 0, oldestUnansweredAt: null, oldestUnansweredSeconds: null, medianResponseSeconds: null },
      });
    }

    if (!ingest && what === 'changes' && method === 'GET') {
      const q = u.searchParams;
      const since = q.get('since');
      const limit = q.has('limit') ? Number(q.get('limit')) : 1000;
      const wait = q.has('wait') ? Number(q.get('wait')) : 0;
      if (!Number.isInteger(limit) || limit < 1 || limit > 5000) return problem(res, 400, 'limit must be 1 to 5000');
      if (!Number.isInteger(wait) || wait < 0 || wait > 60) return problem(res, 400, 'wait must be 0 to 60');
      const from = since === null ? 0 : decodeCursor(since);
      if (from === null) return problem(res, 400, 'not a cursor this DTM issued');
      let p = page(from, limit);
      if (p.changes.length === 0 && wait > 0) {
        await new Promise<void>((resolve) => {
          const done = () => { clearTimeout(timer); waiters.delete(done); resolve(); };
          const timer = setTimeout(done, wait * 1000);
          waiters.add(done);
        });
        p = page(from, limit);
      }
      const pageBody = {
        practice: ods, changes: p.changes.map((e) => e.change),
        nextCursor: p.changes.length ? encodeCursor(p.last) : since, upToDate: p.upToDate, watermark: watermark(),
      };
      if (flaws.mislabelledGzip && /gzip/.test(String(req.headers['accept-encoding'] ?? ''))) {
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', vary: 'Accept-Encoding' });
        return res.end(deflateRawSync(JSON.stringify(pageBody)));
      }
      return send(res, 200, pageBody);
    }

    if (what === 'binaries' && id) {
      if (ingest && method === 'PUT') {
        const content = await body(req);
        const sha = createHash('sha256').update(content).digest('base64');
        const digest = /sha-256=:([^:]+):/.exec(String(req.headers['repr-digest'] ?? ''));
        if (digest && digest[1] !== sha) return problem(res, 400, 'the content does not match its Repr-Digest; nothing was stored');
        binaries.set(id, { content, contentType: String(req.headers['content-type'] ?? 'application/octet-stream') });
        return send(res, 201, { id, contentType: binaries.get(id)!.contentType, size: content.length, sha256: sha, sha1: createHash('sha1').update(content).digest('base64'), url: `Binary/${id}` });
      }
      if (!ingest && method === 'GET') {
        const b = binaries.get(id);
        if (!b) return problem(res, 404, 'no such binary');
        const sha = createHash('sha256').update(b.content).digest('base64');
        const headers = { 'content-type': b.contentType, 'repr-digest': `sha-256=:${sha}:`, digest: `SHA-256=${sha}`, 'accept-ranges': 'bytes', etag: `"${sha}"` };
        const r = /^bytes=(\d+)-(\d*)$/.exec(String(req.headers.range ?? ''));
        if (r) {
          const start = Number(r[1]);
          const end = r[2] ? Math.min(Number(r[2]), b.content.length - 1) : b.content.length - 1;
          res.writeHead(206, { ...headers, 'content-range': `bytes ${start}-${end}/${b.content.length}`, 'content-length': String(end - start + 1) });
          return res.end(b.content.subarray(start, end + 1));
        }
        res.writeHead(200, { ...headers, 'content-length': String(b.content.length) });
        return res.end(b.content);
      }
    }

    if (ingest && what === 'changes' && method === 'POST') {
      const text = (await body(req)).toString('utf8') || '{}';
      const batch = (flaws.lossyNumbers ? JSON.parse(text) : parseExact(text)) as { sourceAsOf?: string; items?: Record<string, unknown>[] };
      if (!batch.sourceAsOf || Number.isNaN(Date.parse(batch.sourceAsOf)) || !Array.isArray(batch.items) || batch.items.length === 0) return problem(res, 400, 'sourceAsOf and items are required');
      const items = batch.items.map((i) => {
        const r = i.resource as Record<string, unknown> | undefined;
        return i.op === 'upsert' ? { op: 'upsert', resourceType: String(r?.resourceType), id: String(r?.id), resource: r } : { op: 'delete', resourceType: String(i.resourceType), id: String(i.id) };
      });
      const { commit, result } = write(items);
      if (flaws.skipUnderConcurrency && batches++ % 2 === 0) await sleep(200);
      commit();
      if (Date.parse(batch.sourceAsOf) > sourceAsOf.getTime()) sourceAsOf = new Date(batch.sourceAsOf);
      return send(res, 200, { practice: ods, received: items.length, ...result, watermark: watermark() });
    }

    if (!ingest && what === 'issues') {
      if (!id && method === 'POST') {
        const b = JSON.parse((await body(req)).toString('utf8') || '{}') as Record<string, unknown>;
        if (!['error', 'warning', 'information'].includes(String(b.severity)) || typeof b.rule !== 'string' || typeof b.message !== 'string' || !Array.isArray(b.resources) || b.resources.length === 0) {
          return problem(res, 400, 'severity, rule, message and resources are required');
        }
        const now = new Date().toISOString();
        const issue: Issue = {
          id: randomUUID(), sequence: issues.size + 1, practice: ods, raisedBy: who.clientId, raisedAt: now, updatedAt: now,
          severity: b.severity, rule: b.rule, message: b.message, resources: b.resources, clientReference: b.clientReference ?? null,
          status: 'open', responses: [], firstResponseAt: null, responseSeconds: null,
        };
        issues.set(issue.id, issue);
        return send(res, 201, issue, { location: `/v1/practices/${ods}/issues/${issue.id}` });
      }
      if (!id && method === 'GET') return send(res, 200, { practice: ods, issues: [...issues.values()], next: null });
      const issue = id ? issues.get(id) : undefined;
      if (!issue) return problem(res, 404, 'no such data issue');
      if (method === 'GET') return send(res, 200, issue);
      if (method === 'PATCH') {
        const b = JSON.parse((await body(req)).toString('utf8') || '{}') as { status?: string; comment?: string };
        const allowed = who.role === 'consumer' ? b.status === 'closed' && issue.raisedBy === who.clientId : ['acknowledged', 'resolved', 'wont-fix'].includes(String(b.status)) && !!b.comment;
        if (!allowed) return problem(res, 403, 'not a status this client may set');
        const now = new Date().toISOString();
        issue.status = b.status!;
        issue.updatedAt = now;
        issue.responses.push({ by: who.clientId, role: who.role, status: b.status, comment: b.comment ?? null, at: now });
        if (who.role === 'publisher' && !issue.firstResponseAt) {
          issue.firstResponseAt = now;
          issue.responseSeconds = (Date.parse(now) - Date.parse(issue.raisedAt)) / 1000;
        }
        return send(res, 200, issue);
      }
    }
    return problem(res, 404, 'no such route');
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    ods,
    credentials,
    close: () => new Promise<void>((resolve) => {
      for (const w of waiters) w();
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
