// Authentication and authorisation: the token endpoint takes only a correctly signed, fresh,
// single-use client assertion (RFC 7523, SMART Backend Services), and every data route refuses a
// caller without a valid token for a practice it is granted.
import { randomBytes } from 'node:crypto';
import { generateKeyPair } from 'jose';
import { tokenRequestBody } from '@dtm/shared';
import type { CheckContext } from '../context.ts';
import type { HttpResponse } from '../http.ts';
import { NEEDS_PUBLISHER, fail, pass, warn, type Check, type Outcome } from '../types.ts';

const OAUTH_ERRORS = ['invalid_request', 'invalid_client', 'invalid_grant', 'unauthorized_client', 'unsupported_grant_type', 'invalid_scope'];

const RFC7523 = 'RFC 7523 §3 (the JWT\'s required claims and signature; §3.2: a client JWT that is not valid is refused with invalid_client)';
const RFC6749_ERR = 'RFC 6749 §5.2 (error response: 400/401 with a JSON "error" code)';

/** A token request that must be refused: 400 or 401 with an RFC 6749 §5.2 error body, no token. */
function judgeRefusal(res: HttpResponse, what: string): Outcome {
  const body = res.json as { error?: unknown; access_token?: unknown } | undefined;
  if (res.status >= 200 && res.status < 300) return fail(`accepted ${what}: the DTM issued a token`, { exchange: res.exchange });
  if (typeof body?.access_token === 'string') return fail(`answered ${res.status} but still carried an access_token`, { exchange: res.exchange });
  if (res.status !== 400 && res.status !== 401) return fail(`refused ${what} with ${res.status}; RFC 6749 §5.2 wants 400 or 401`, { exchange: res.exchange });
  if (typeof body?.error !== 'string' || !OAUTH_ERRORS.includes(body.error)) {
    return fail(`refused ${what} with ${res.status} but without an RFC 6749 §5.2 error code in a JSON body`, { exchange: res.exchange });
  }
  return pass(`refused ${what}: ${res.status} ${body.error}`, { exchange: res.exchange });
}

function refusal(id: string, title: string, requirement: string, what: string, make: (ctx: CheckContext) => Promise<URLSearchParams>): Check {
  return {
    id,
    title,
    group: 'auth',
    requirement,
    async run(ctx) {
      const res = await ctx.postToken(await make(ctx), what);
      return judgeRefusal(res, what);
    },
  };
}

const b64url = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

export const tokenAccepted: Check = {
  id: 'auth.token',
  title: 'A valid signed assertion gets a short-lived bearer token with its scope',
  group: 'auth',
  requirement:
    'RFC 7523 §2.2 and SMART Backend Services (client_credentials with private_key_jwt); RFC 6749 §5.1: the answer carries ' +
    'access_token, token_type, expires_in and scope, with "Cache-Control: no-store".',
  async run(ctx) {
    const res = await ctx.postToken(tokenRequestBody(await ctx.assertion(ctx.consumer)), 'valid assertion');
    const b = res.json as { access_token?: unknown; token_type?: unknown; expires_in?: unknown; scope?: unknown } | undefined;
    if (res.status !== 200) return fail(`a correctly signed assertion was refused: POST /oauth2/token → ${res.status}`);
    const problems: string[] = [];
    if (typeof b?.access_token !== 'string' || b.access_token.length < 16) problems.push('no access_token');
    if (typeof b?.token_type !== 'string' || b.token_type.toLowerCase() !== 'bearer') problems.push('token_type is not bearer');
    if (typeof b?.expires_in !== 'number' || b.expires_in <= 0) problems.push('expires_in missing');
    if (typeof b?.scope !== 'string' || b.scope.length === 0) problems.push('scope missing');
    if (problems.length) return fail(`token response incomplete: ${problems.join(', ')}`);
    const lifetime = `expires_in ${String(b!.expires_in)} s, scope "${String(b!.scope)}"`;
    if (!/no-store/i.test(res.headers['cache-control'] ?? '')) return warn(`token issued (${lifetime}) but without Cache-Control: no-store (RFC 6749 §5.1)`);
    if ((b!.expires_in as number) > 3600) return warn(`token issued but lives ${String(b!.expires_in)} s; SMART Backend Services recommends at most 300 s`);
    return pass(`bearer token issued, ${lifetime}`);
  },
};

export const wrongGrantType = refusal('auth.wrong-grant-type', 'Refuses a grant_type other than client_credentials', `${RFC6749_ERR}: unsupported_grant_type.`, 'grant_type=password',
  async (ctx) => {
    const f = tokenRequestBody(await ctx.assertion(ctx.consumer));
    f.set('grant_type', 'password');
    return f;
  });

export const wrongAssertionType = refusal('auth.wrong-assertion-type', 'Refuses a client_assertion_type other than jwt-bearer',
  `RFC 7523 §2.2: client_assertion_type MUST be "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"; ${RFC6749_ERR}.`, 'a SAML assertion type',
  async (ctx) => {
    const f = tokenRequestBody(await ctx.assertion(ctx.consumer));
    f.set('client_assertion_type', 'urn:ietf:params:oauth:client-assertion-type:saml2-bearer');
    return f;
  });

export const badSignature = refusal('auth.bad-signature', 'Refuses an assertion whose signature does not verify',
  `${RFC7523}, item 9: "The authorization server MUST reject JWTs with an invalid signature or MAC"; ${RFC6749_ERR}.`, 'a corrupted signature',
  async (ctx) => {
    const [h, p, s] = (await ctx.assertion(ctx.consumer)).split('.');
    const sig = Buffer.from(s ?? '', 'base64url').map((x) => x ^ 0xff);
    return tokenRequestBody(`${h}.${p}.${Buffer.from(sig).toString('base64url')}`);
  });

export const unknownKey = refusal('auth.unknown-key', 'Refuses an assertion signed by a key the client never registered',
  `${RFC7523}; SMART Backend Services: the server verifies the signature against the client's registered JWKS, choosing the key by kid.`, 'an unregistered key (unknown kid)',
  async (ctx) => {
    const { alg } = await ctx.key(ctx.consumer);
    const stranger = await generateKeyPair(/^ES/.test(alg) ? alg : 'ES384');
    return tokenRequestBody(await ctx.forgedAssertion(ctx.consumer, {}, { alg: /^ES/.test(alg) ? alg : 'ES384', kid: `dtm-conformance-unknown-${ctx.runId}` }, stranger.privateKey));
  });

export const wrongAudience = refusal('auth.wrong-aud', 'Refuses an assertion whose aud is not this token endpoint',
  `${RFC7523}, item 3: "The JWT MUST contain an "aud" (audience) claim containing a value that identifies the authorization server as an intended audience"; ${RFC6749_ERR}.`, 'an assertion for another audience',
  async (ctx) => tokenRequestBody(await ctx.forgedAssertion(ctx.consumer, { aud: 'https://dtm-conformance.invalid/oauth2/token' })));

export const expTooFar = refusal('auth.exp-too-far', 'Refuses an assertion that expires more than 5 minutes ahead',
  'SMART Backend Services: exp "no more than five minutes in the future"; README (Security): "exp at most 5 minutes ahead".', 'an assertion valid for 10 minutes',
  async (ctx) => {
    const now = Math.floor(Date.now() / 1000);
    return tokenRequestBody(await ctx.forgedAssertion(ctx.consumer, { iat: now, exp: now + 600 }));
  });

export const algNone = refusal('auth.alg-none', 'Refuses an unsigned assertion (alg: none)',
  `${RFC7523}, item 9: "The JWT MUST be digitally signed or have a MAC applied"; RFC 8725 §3.1 (JWT BCP: algorithm verification, no "none"); ${RFC6749_ERR}.`, 'alg none',
  async (ctx) => {
    const { kid } = await ctx.key(ctx.consumer);
    const now = Math.floor(Date.now() / 1000);
    const claims = { iss: ctx.consumer.clientId, sub: ctx.consumer.clientId, aud: await ctx.tokenUrl(), iat: now, exp: now + 60, jti: `dtmc-none-${randomBytes(8).toString('hex')}` };
    return tokenRequestBody(`${b64url({ alg: 'none', typ: 'JWT', ...(kid ? { kid } : {}) })}.${b64url(claims)}.`);
  });

export const replayedJti: Check = {
  id: 'auth.replayed-jti',
  title: 'Refuses an assertion whose jti was already used',
  group: 'auth',
  requirement:
    'RFC 7523 §3 item 7: "The authorization server MAY ensure that JWTs are not replayed by maintaining the set of used "jti" values"; ' +
    'SMART Backend Services: the server checks that the jti has not been used before by the same client within the assertion\'s lifetime; README (Security): "a jti never used before".',
  async run(ctx) {
    const form = tokenRequestBody(await ctx.assertion(ctx.consumer));
    const first = await ctx.postToken(form, 'first use');
    if (first.status !== 200) return fail(`a fresh, valid assertion was refused (${first.status}), so replay could not be tested`, { exchange: first.exchange });
    const again = await ctx.postToken(form, 'replay');
    return judgeRefusal(again, 'the same assertion a second time (replayed jti)');
  },
};

/** Both data routes of the practice. */
const dataRoutes = (ctx: CheckContext, ods = ctx.ods) => [`/v1/practices/${ods}/changes`, `/v1/practices/${ods}/status`];

export const noToken: Check = {
  id: 'auth.no-token',
  title: 'Data routes refuse a request without a token (401)',
  group: 'auth',
  requirement: 'RFC 6750 §3.1 (401 for a missing token); README (Security): "Only the Target supplier named for a practice\'s migration may read it".',
  async run(ctx) {
    for (const path of dataRoutes(ctx)) {
      const res = await ctx.http.request('GET', path, { label: 'no token' });
      if (res.status !== 401) return fail(`GET ${path} without a token answered ${res.status}, not 401`, { exchange: res.exchange });
    }
    return pass('GET changes and status without a token: 401');
  },
};

export const invalidToken: Check = {
  id: 'auth.invalid-token',
  title: 'Data routes refuse an unknown, garbage or non-bearer token (401)',
  group: 'auth',
  requirement: 'RFC 6750 §3.1: "invalid_token ... expired, revoked, malformed, or invalid" answers 401.',
  async run(ctx) {
    const attempts: [string, { bearer?: string; authorization?: string }][] = [
      ['an unknown bearer token', { bearer: randomBytes(32).toString('base64url') }],
      ['a garbage bearer token', { bearer: 'not-a-token!' }],
      ['Basic credentials', { authorization: `Basic ${Buffer.from(`${ctx.consumer.clientId}:secret`).toString('base64')}` }],
    ];
    for (const path of dataRoutes(ctx)) {
      for (const [what, auth] of attempts) {
        const res = await ctx.http.request('GET', path, { ...auth, label: what });
        if (res.status !== 401) return fail(`GET ${path} with ${what} answered ${res.status}, not 401`, { exchange: res.exchange });
      }
    }
    return pass('unknown, garbage and Basic credentials refused with 401 on changes and status');
  },
};

export const otherPractice: Check = {
  id: 'auth.other-practice',
  title: 'A token for one practice never reads another (403)',
  group: 'auth',
  requirement: 'README (Security): "A token for practice A never reads practice B (403)"; roadmap item: the DTM is "accessible by the TSS" for the migrating practice only.',
  async run(ctx) {
    const given = ctx.opts.otherPractice;
    const ods = given ?? (ctx.ods === 'Z99999' ? 'Z99998' : 'Z99999');
    const token = await ctx.token(ctx.consumer);
    let saw404: number | null = null;
    for (const path of dataRoutes(ctx, ods)) {
      const res = await ctx.http.request('GET', path, { bearer: token, label: 'practice not granted' });
      if (res.status >= 200 && res.status < 300) return fail(`GET ${path} answered ${res.status}: the client read a practice it is not granted`, { exchange: res.exchange });
      if (res.status === 404 && !given) {
        saw404 = res.exchange;
        continue;
      }
      if (res.status !== 403) return fail(`GET ${path} for a practice not granted answered ${res.status}, not 403`, { exchange: res.exchange });
    }
    if (saw404 !== null) {
      return warn(`${ods} answered 404 (no such practice), so the grant check was not exercised; give --other-practice with a practice this DTM holds but the client is not granted`, { exchange: saw404 });
    }
    return pass(`changes and status of ${given ? 'the other practice' : `an ungranted practice (${ods})`} refused with 403`);
  },
};

export const wrongRole: Check = {
  id: 'auth.wrong-role',
  title: 'A publisher cannot read the feed and a consumer cannot publish (403)',
  group: 'auth',
  requirement: 'README (Security): "a publisher (Source system) may only ingest ...; a consumer (Target sync client) may only read"; OpenAPI: security scopes dtm/feed.read and dtm/ingest.write.',
  needsPublisher: true,
  async run(ctx) {
    if (!ctx.publisher) return { status: 'skip', reason: NEEDS_PUBLISHER };
    const read = await ctx.api(ctx.publisher, 'GET', `${ctx.practicePath}/changes`, { query: { limit: 1 }, label: 'publisher reads the feed' });
    if (read.status !== 403) return fail(`the publisher's GET changes answered ${read.status}, not 403`, { exchange: read.exchange });
    const write = await ctx.api(ctx.consumer, 'POST', `${ctx.ingestPath}/changes`, {
      body: { sourceAsOf: ctx.sourceAsOfForWrites(), items: [{ op: 'upsert', resource: ctx.probeResource(ctx.probeId('role'), 1) }] },
      label: 'consumer publishes',
    });
    if (write.status !== 403) return fail(`the consumer's POST ingest answered ${write.status}, not 403`, { exchange: write.exchange });
    return pass('publisher refused the feed (403); consumer refused ingest (403)');
  },
};

export const AUTH_CHECKS: Check[] = [
  tokenAccepted, wrongGrantType, wrongAssertionType, badSignature, unknownKey, wrongAudience, expTooFar, replayedJti, algNone,
  noToken, invalidToken, otherPractice, wrongRole,
];
