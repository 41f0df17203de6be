// The security matrix: every way in that must be refused is refused with the right status and a
// clear body, and nothing is read or written; the agreed retrieval terms are enforced; every access
// is in the append-only access log.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT, exportSPKI, generateKeyPair, importJWK as importJwkAny, type CryptoKey, type JWK } from 'jose';
import { CLIENT_ASSERTION_TYPE, createClientAssertion, tokenRequestBody, type TokenResponse } from '@dtm/shared';
import { ManualClock } from '../clock.ts';
import { addClient, addGrant } from '../services/admin.ts';
import { revokeClient, revokeGrant } from '../repo/clients.ts';
import { startTestServer, TEST_CLIENTS, type TestServer } from '../../../../test/support/server.ts';
import { ingest, readAll, upsert } from '../../../../test/support/dtm.ts';

const clock = new ManualClock(new Date());
let s: TestServer;
let tokenUrl: string;
beforeAll(async () => {
  s = await startTestServer({ clock, env: { DTM_ACCESS_TOKEN_TTL_SECONDS: '300' } });
  tokenUrl = `${s.url}/oauth2/token`;
  await ingest(s, 'K10001', [upsert('Patient', 'p1', { gender: 'female' })], { sourceAsOf: clock.now().toISOString() });
});
afterAll(async () => s?.stop());

const deps = () => ({ pool: s.pool, clock });
const importJWK = async (jwk: JWK, alg?: string, opts?: { extractable?: boolean }) => (await importJwkAny(jwk, alg, opts)) as CryptoKey;

/** A new client with a fresh key, granted the given practices. */
async function newClient(role: 'publisher' | 'consumer', practices: string[], terms: { sessionsPerDay?: number; requestsPerMinute?: number; validFrom?: Date; validUntil?: Date } = {}) {
  const id = `${role}-${randomUUID().slice(0, 8)}`;
  const { privateJwk } = await addClient(deps(), { id, name: id, role, generateKey: true });
  for (const practice of practices) await addGrant(deps(), { clientId: id, practice, sessionsPerDay: 100, requestsPerMinute: 10_000, ...terms });
  const key = await importJWK(privateJwk!, privateJwk!.alg);
  return { id, jwk: privateJwk as JWK & { kid: string; alg: string }, key };
}

async function postToken(form: URLSearchParams | string) {
  const res = await fetch(tokenUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form });
  return { status: res.status, body: (await res.json()) as TokenResponse & { error?: string; error_description?: string }, headers: res.headers };
}

async function tokenFor(c: Awaited<ReturnType<typeof newClient>>): Promise<string> {
  const assertion = await createClientAssertion({ clientId: c.id, tokenUrl, key: c.key, alg: c.jwk.alg, kid: c.jwk.kid, now: clock.now() });
  const r = await postToken(tokenRequestBody(assertion));
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body.access_token;
}

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
const claims = (id: string, over: Record<string, unknown> = {}) => {
  const now = Math.floor(clock.now().getTime() / 1000);
  return { iss: id, sub: id, aud: tokenUrl, iat: now, exp: now + 60, jti: randomUUID(), ...over };
};

describe('token endpoint (RFC 7523 client assertion; RFC 6749 §5.2 errors)', () => {
  it('issues a short-lived bearer token with its scopes for a valid assertion', async () => {
    const c = await newClient('consumer', ['K10001']);
    const assertion = await createClientAssertion({ clientId: c.id, tokenUrl, key: c.key, alg: c.jwk.alg, kid: c.jwk.kid, now: clock.now() });
    const r = await postToken(tokenRequestBody(assertion));
    expect(r.status).toBe(200);
    expect(r.headers.get('cache-control')).toBe('no-store');
    expect(r.body).toMatchObject({ token_type: 'bearer', expires_in: 300, scope: 'dtm/feed.read' });
    expect(r.body.access_token).toMatch(/^[A-Za-z0-9_-]{40,}$/);
  });

  it('accepts RS384 and PS512 keys too', async () => {
    for (const alg of ['RS384', 'PS512'] as const) {
      const { generateClientKeyPair } = await import('@dtm/shared');
      const { privateJwk, publicJwks } = await generateClientKeyPair(alg);
      const id = `rsa-${alg}-${randomUUID().slice(0, 6)}`;
      await addClient(deps(), { id, name: id, role: 'consumer', jwks: publicJwks });
      const assertion = await createClientAssertion({ clientId: id, tokenUrl, key: await importJWK(privateJwk, alg), alg, kid: privateJwk.kid!, now: clock.now() });
      expect((await postToken(tokenRequestBody(assertion))).status).toBe(200);
    }
  });

  const cases: [string, (c: Awaited<ReturnType<typeof newClient>>) => Promise<URLSearchParams | string>, number, string][] = [
    ['wrong grant_type', async (c) => { const f = tokenRequestBody(await sign(c)); f.set('grant_type', 'password'); return f; }, 400, 'unsupported_grant_type'],
    ['missing grant_type', async (c) => { const f = tokenRequestBody(await sign(c)); f.delete('grant_type'); return f; }, 400, 'invalid_request'],
    ['wrong assertion type', async (c) => { const f = tokenRequestBody(await sign(c)); f.set('client_assertion_type', 'urn:ietf:params:oauth:client-assertion-type:saml2-bearer'); return f; }, 401, 'invalid_client'],
    ['no assertion', async () => new URLSearchParams({ grant_type: 'client_credentials', client_assertion_type: CLIENT_ASSERTION_TYPE }), 401, 'invalid_client'],
    ['not a JWT', async () => tokenRequestBody('not.a.jwt'), 401, 'invalid_client'],
    ['bad signature', async (c) => { const t = await sign(c); const [h, p] = t.split('.'); return tokenRequestBody(`${h}.${p}.${Buffer.alloc(96, 7).toString('base64url')}`); }, 401, 'invalid_client'],
    ['signed by an unregistered key with the registered kid', async (c) => {
      const other = await generateKeyPair('ES384');
      return tokenRequestBody(await new SignJWT(claims(c.id)).setProtectedHeader({ alg: 'ES384', kid: c.jwk.kid }).sign(other.privateKey));
    }, 401, 'invalid_client'],
    ['unknown kid', async (c) => tokenRequestBody(await new SignJWT(claims(c.id)).setProtectedHeader({ alg: 'ES384', kid: 'nope' }).sign(c.key)), 401, 'invalid_client'],
    ['wrong aud', async (c) => tokenRequestBody(await new SignJWT(claims(c.id, { aud: 'https://elsewhere.example/oauth2/token' })).setProtectedHeader({ alg: 'ES384', kid: c.jwk.kid }).sign(c.key)), 401, 'invalid_client'],
    ['iss differs from sub', async (c) => tokenRequestBody(await new SignJWT(claims(c.id, { sub: 'someone-else' })).setProtectedHeader({ alg: 'ES384', kid: c.jwk.kid }).sign(c.key)), 401, 'invalid_client'],
    ['exp more than 5 minutes ahead', async (c) => tokenRequestBody(await new SignJWT(claims(c.id, { exp: Math.floor(clock.now().getTime() / 1000) + 3600 })).setProtectedHeader({ alg: 'ES384', kid: c.jwk.kid }).sign(c.key)), 401, 'invalid_client'],
    ['expired assertion', async (c) => tokenRequestBody(await new SignJWT(claims(c.id, { exp: Math.floor(clock.now().getTime() / 1000) - 600 })).setProtectedHeader({ alg: 'ES384', kid: c.jwk.kid }).sign(c.key)), 401, 'invalid_client'],
    ['no jti', async (c) => { const { jti: _j, ...rest } = claims(c.id); return tokenRequestBody(await new SignJWT(rest).setProtectedHeader({ alg: 'ES384', kid: c.jwk.kid }).sign(c.key)); }, 401, 'invalid_client'],
    ['alg none', async (c) => tokenRequestBody(`${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims(c.id))}.`), 401, 'invalid_client'],
    ['HS256 with the public key as the secret', async (c) => {
      const { d: _d, ...pub } = c.jwk;
      const spki = await exportSPKI((await importJWK(pub, 'ES384', { extractable: true })) as CryptoKey);
      return tokenRequestBody(await new SignJWT(claims(c.id)).setProtectedHeader({ alg: 'HS256', kid: c.jwk.kid }).sign(new TextEncoder().encode(spki)));
    }, 401, 'invalid_client'],
    ['unknown client', async (c) => tokenRequestBody(await new SignJWT(claims('who-is-this')).setProtectedHeader({ alg: 'ES384', kid: c.jwk.kid }).sign(c.key)), 401, 'invalid_client'],
    ['a scope the role does not have', async (c) => tokenRequestBody(await sign(c), 'dtm/ingest.write'), 400, 'invalid_scope'],
  ];
  async function sign(c: Awaited<ReturnType<typeof newClient>>) {
    return createClientAssertion({ clientId: c.id, tokenUrl, key: c.key, alg: c.jwk.alg, kid: c.jwk.kid, now: clock.now() });
  }

  it.each(cases)('refuses %s', async (_name, make, status, error) => {
    const c = await newClient('consumer', ['K10001']);
    const r = await postToken(await make(c));
    expect(r.status).toBe(status);
    expect(r.body.error).toBe(error);
    expect(typeof r.body.error_description).toBe('string');
    expect(r.body).not.toHaveProperty('access_token');
  });

  it('verifies against a JWKS URL, fetched and cached', async () => {
    const { generateClientKeyPair } = await import('@dtm/shared');
    const { privateJwk, publicJwks } = await generateClientKeyPair('ES384');
    let fetches = 0;
    const http = await import('node:http');
    const jwksServer = http.createServer((_req, res) => {
      fetches++;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(publicJwks));
    });
    await new Promise<void>((r) => jwksServer.listen(0, '127.0.0.1', r));
    try {
      const id = `jwks-url-${randomUUID().slice(0, 6)}`;
      const { port } = jwksServer.address() as { port: number };
      await addClient(deps(), { id, name: id, role: 'consumer', jwksUrl: `http://127.0.0.1:${port}/jwks.json` });
      const key = await importJWK(privateJwk, 'ES384');
      for (let i = 0; i < 3; i++) {
        const assertion = await createClientAssertion({ clientId: id, tokenUrl, key, alg: 'ES384', kid: privateJwk.kid!, now: clock.now() });
        expect((await postToken(tokenRequestBody(assertion))).status).toBe(200);
      }
      expect(fetches).toBe(1);
    } finally {
      jwksServer.close();
    }
  });

  it('refuses a replayed jti', async () => {
    const c = await newClient('consumer', ['K10001']);
    const assertion = await sign(c);
    expect((await postToken(tokenRequestBody(assertion))).status).toBe(200);
    const again = await postToken(tokenRequestBody(assertion));
    expect(again.status).toBe(401);
    expect(again.body).toMatchObject({ error: 'invalid_client', error_description: expect.stringMatching(/replayed/) });
  });

  it('refuses a revoked client', async () => {
    const c = await newClient('consumer', ['K10001']);
    await revokeClient(s.pool, c.id, clock.now());
    expect((await postToken(tokenRequestBody(await sign(c)))).body.error).toBe('invalid_client');
  });

  it('advertises itself at /.well-known/smart-configuration', async () => {
    const conf = (await (await fetch(`${s.url}/.well-known/smart-configuration`)).json()) as Record<string, unknown>;
    expect(conf).toMatchObject({
      token_endpoint: tokenUrl,
      token_endpoint_auth_methods_supported: ['private_key_jwt'],
      grant_types_supported: ['client_credentials'],
      scopes_supported: ['dtm/feed.read', 'dtm/ingest.write', 'dtm/audit.read'],
    });
    expect(conf.token_endpoint_auth_signing_alg_values_supported).toEqual(expect.arrayContaining(['RS384', 'ES384']));
  });
});

describe('bearer tokens and grants on /v1', () => {
  const feed = (token: string | null, ods = 'K10001', auth?: string) =>
    fetch(`${s.url}/v1/practices/${ods}/changes`, { headers: auth ? { authorization: auth } : token ? { authorization: `Bearer ${token}` } : {} });

  /**
   * The server keeps the tokens and grants it looked up until PostgreSQL announces a change to them,
   * which it does on the revocation's commit; the server hears it a moment later, not within the
   * revoking statement (services/access-cache.ts). Without the announcement the answer would stay
   * 200 for MAX_AGE_MS (30 s): this waits at most 5 s.
   */
  async function refusedSoon(send: () => Promise<Response>, status: number): Promise<Response> {
    for (const until = Date.now() + 5000; ;) {
      const res = await send();
      if (res.status === status || Date.now() > until) return res;
      await res.arrayBuffer();
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async function expectProblem(res: Response, status: number, type: string) {
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ status, type });
    expect(JSON.stringify(body)).not.toMatch(/"resource"|female/); // nothing of the record leaks
    return body;
  }

  it.each([
    ['no token', null, undefined],
    ['a malformed Authorization header', null, 'Bearer'],
    ['basic credentials', null, 'Basic dXNlcjpwYXNz'],
    ['an unknown token', 'x'.repeat(43), undefined],
  ])('refuses %s with 401 and WWW-Authenticate', async (_n, token, auth) => {
    const res = await feed(token, 'K10001', auth);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    await expectProblem(res, 401, 'urn:dtm:problem:unauthorized');
  });

  it('refuses an expired token', async () => {
    const c = await newClient('consumer', ['K10001']);
    const token = await tokenFor(c);
    expect((await feed(token)).status).toBe(200);
    clock.advance(301_000);
    await expectProblem(await feed(token), 401, 'urn:dtm:problem:unauthorized');
  });

  it('never lets a token for practice A read practice B', async () => {
    await ingest(s, 'K10002', [upsert('Patient', 'other')], { sourceAsOf: clock.now().toISOString() });
    const c = await newClient('consumer', ['K10001']);
    const token = await tokenFor(c);
    await expectProblem(await feed(token, 'K10002'), 403, 'urn:dtm:problem:forbidden');
    await expectProblem(await fetch(`${s.url}/v1/practices/K10002/status`, { headers: { authorization: `Bearer ${token}` } }), 403, 'urn:dtm:problem:forbidden');
    const list = (await (await fetch(`${s.url}/v1/practices`, { headers: { authorization: `Bearer ${token}` } })).json()) as { practices: { practice: string }[] };
    expect(list.practices.map((p) => p.practice)).toEqual(['K10001']);
  });

  it('refuses a publisher reading the feed and a consumer publishing; nothing is written', async () => {
    const pub = await newClient('publisher', ['K10001']);
    await expectProblem(await feed(await tokenFor(pub)), 403, 'urn:dtm:problem:forbidden');
    const con = await newClient('consumer', ['K10001']);
    const res = await fetch(`${s.url}/v1/ingest/practices/K10001/changes`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await tokenFor(con)}`, 'content-type': 'application/json' },
      body: JSON.stringify({ sourceAsOf: clock.now().toISOString(), items: [upsert('Patient', 'injected')] }),
    });
    await expectProblem(res, 403, 'urn:dtm:problem:forbidden');
    expect((await readAll(s, 'K10001')).changes.map((c) => c.id)).toEqual(['p1']);
  });

  it('stops a revoked client once the revocation is announced, before its token expires', async () => {
    const c = await newClient('consumer', ['K10001']);
    const token = await tokenFor(c);
    expect((await feed(token)).status).toBe(200);
    await revokeClient(s.pool, c.id, clock.now());
    await expectProblem(await refusedSoon(() => feed(token), 401), 401, 'urn:dtm:problem:unauthorized');
  });

  it('stops a revoked grant once the revocation is announced, though the grant was looked up before', async () => {
    const c = await newClient('consumer', ['K10001']);
    const token = await tokenFor(c);
    expect((await feed(token)).status).toBe(200); // the server now holds the token and the grant it looked up
    await revokeGrant(s.pool, c.id, 'K10001', clock.now());
    await expectProblem(await refusedSoon(() => feed(token), 403), 403, 'urn:dtm:problem:forbidden');
  });

  it('applies a grant given after a refusal at once: refusals are never kept', async () => {
    const c = await newClient('consumer', []);
    const token = await tokenFor(c);
    await expectProblem(await feed(token), 403, 'urn:dtm:problem:forbidden');
    await addGrant(deps(), { clientId: c.id, practice: 'K10001', sessionsPerDay: 100, requestsPerMinute: 10_000 });
    expect((await feed(token)).status).toBe(200);
  });

  it('refuses outside the grant window (the migration period)', async () => {
    const past = await newClient('consumer', ['K10001'], { validUntil: new Date(clock.now().getTime() - 1000) });
    const body = await expectProblem(await feed(await tokenFor(past)), 403, 'urn:dtm:problem:forbidden');
    expect(body.detail).toMatch(/no longer valid/);
    const future = await newClient('consumer', ['K10001'], { validFrom: new Date(clock.now().getTime() + 86_400_000) });
    expect((await expectProblem(await feed(await tokenFor(future)), 403, 'urn:dtm:problem:forbidden')).detail).toMatch(/not yet valid/);
  });
});

describe('agreed retrieval terms', () => {
  it('answers 429 with Retry-After in seconds past the request rate', async () => {
    const c = await newClient('consumer', ['K10001'], { requestsPerMinute: 3 });
    const token = await tokenFor(c);
    const statuses: number[] = [];
    let last!: Response;
    for (let i = 0; i < 4; i++) {
      last = await fetch(`${s.url}/v1/practices/K10001/changes`, { headers: { authorization: `Bearer ${token}` } });
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(last.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
    expect(await last.json()).toMatchObject({ type: 'urn:dtm:problem:too-many-requests', status: 429 });
  });

  it('allows one retrieval session per 24 h unless agreed, then tells when the next may start', async () => {
    const c = await newClient('consumer', ['K10001'], { sessionsPerDay: 1 });
    const token = async () => tokenFor(c);
    const get = async () => fetch(`${s.url}/v1/practices/K10001/changes`, { headers: { authorization: `Bearer ${await token()}` } });
    expect((await get()).status).toBe(200);
    clock.advance(60_000); // within the session gap: the same session
    expect((await get()).status).toBe(200);
    clock.advance(2 * 3600_000); // a new session two hours later: past the agreed terms
    const refused = await get();
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(21 * 3600);
    expect(retryAfter).toBeLessThanOrEqual(22 * 3600);
    clock.advance(retryAfter * 1000);
    expect((await get()).status).toBe(200);
  });

  it('counts every request of a session, though a burst is written to it once a second', async () => {
    const c = await newClient('consumer', ['K10001']);
    const auth = { authorization: `Bearer ${await tokenFor(c)}` };
    const t0 = performance.now();
    for (let i = 0; i < 6; i++) expect((await fetch(`${s.url}/v1/practices/K10001/changes`, { headers: auth })).status).toBe(200);
    const requests = async () => (await s.pool.query<{ requests: string }>('SELECT requests::text FROM retrieval_session WHERE client_id = $1', [c.id])).rows;
    // The first started the session; five are held for a second of real time (the test clock stands
    // still, so every request is within the window): unless this machine took that long to send them.
    if (performance.now() - t0 < 800) expect(await requests()).toEqual([{ requests: '1' }]);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await requests()).toEqual([{ requests: '6' }]);
  });

  it("shows each consumer's last retrieval in the status and flags one overdue after 7 days", async () => {
    const c = await newClient('consumer', ['K10003']);
    await ingest(s, 'K10003', [upsert('Patient', 'p')], { sourceAsOf: clock.now().toISOString() });
    const status = async () => (await (await s.fetch('/v1/practices/K10003/status')).json()) as { consumers: { clientId: string; lastRetrievalAt: string | null; overdue: boolean }[] };
    expect((await status()).consumers.find((x) => x.clientId === c.id)).toMatchObject({ lastRetrievalAt: null, overdue: true });
    await fetch(`${s.url}/v1/practices/K10003/changes`, { headers: { authorization: `Bearer ${await tokenFor(c)}` } });
    expect((await status()).consumers.find((x) => x.clientId === c.id)).toMatchObject({ lastRetrievalAt: clock.now().toISOString(), overdue: false });
    clock.advance(8 * 86_400_000);
    expect((await status()).consumers.find((x) => x.clientId === c.id)?.overdue).toBe(true);
  });
});

describe('access log', () => {
  it('records who read what, when and from where, and the publisher can read it; bodies never', async () => {
    const c = await newClient('consumer', ['K10004']);
    await ingest(s, 'K10004', [upsert('Patient', 'p1', { gender: 'female' }), upsert('Patient', 'p2')], { sourceAsOf: clock.now().toISOString() });
    const token = await tokenFor(c);
    const page = (await (await fetch(`${s.url}/v1/practices/K10004/changes`, { headers: { authorization: `Bearer ${token}` } })).json()) as { nextCursor: string };
    await fetch(`${s.url}/v1/practices/K10004/changes?since=${page.nextCursor}`, { headers: { authorization: 'Bearer forged' } });
    await new Promise((r) => setTimeout(r, 200)); // the log is written as each response finishes
    const audit = await s.fetch('/v1/ingest/practices/K10004/audit');
    expect(audit.status).toBe(200);
    const { entries } = (await audit.json()) as { entries: Record<string, unknown>[] };
    expect(entries).toEqual(expect.arrayContaining([
      expect.objectContaining({ clientId: TEST_CLIENTS.publisher, route: '/v1/ingest/practices/:ods/changes', method: 'POST', status: 200, outcome: 'ok', resources: 2 }),
      expect.objectContaining({ clientId: c.id, route: '/v1/practices/:ods/changes', status: 200, outcome: 'ok', resources: 2, cursorFrom: null, cursorTo: page.nextCursor, ip: expect.stringMatching(/127\.0\.0\.1/) }),
    ]));
    expect(JSON.stringify(entries)).not.toMatch(/female/);
    // The consumer cannot read the log; the log cannot be altered.
    expect((await fetch(`${s.url}/v1/ingest/practices/K10004/audit`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(403);
    await expect(s.pool.query('DELETE FROM access_log')).rejects.toThrow(/append-only/);
    await expect(s.pool.query("UPDATE access_log SET status = 200 WHERE outcome = 'refused'")).rejects.toThrow(/append-only/);
  });

  it('records refusals and counts failed authentications in metrics', async () => {
    await fetch(`${s.url}/v1/practices/K10001/changes`);
    await postToken('grant_type=client_credentials');
    await new Promise((r) => setTimeout(r, 200));
    const refused = await s.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM access_log WHERE outcome = 'refused' AND status = 401");
    expect(refused.rows[0]!.n).toBeGreaterThan(0);
    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    expect(metrics).toMatch(/dtm_auth_failures_total\{reason="bearer"\} [1-9]/);
    expect(metrics).toMatch(/dtm_auth_failures_total\{reason="invalid_client"\} [1-9]/);
    expect(metrics).toMatch(/dtm_authz_refusals_total\{reason="no-grant"\} [1-9]/);
  });
});
