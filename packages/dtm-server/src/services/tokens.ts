// The token endpoint's logic: verify an RFC 7523 client assertion and issue a short-lived opaque
// bearer token, stored only as its hash. Errors are RFC 6749 §5.2 codes.
import { createHash, randomBytes } from 'node:crypto';
import {
  createLocalJWKSet, createRemoteJWKSet, decodeJwt, decodeProtectedHeader, errors as joseErrors, jwtVerify,
  type JSONWebKeySet, type JWTVerifyGetKey,
} from 'jose';
import { ASSERTION_ALGORITHMS, CLIENT_ASSERTION_TYPE, MAX_ASSERTION_LIFETIME_SECONDS, ROLE_SCOPES, type TokenResponse } from '@dtm/shared';
import type { Pool } from '../db/pool.ts';
import type { Clock } from '../clock.ts';
import { getClient, type ClientRow } from '../repo/clients.ts';
import { insertToken, purgeExpired, rememberJti } from '../repo/tokens.ts';

export class OAuthError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, description: string) {
    super(description);
    this.status = status;
    this.code = code;
  }
}

const invalidClient = (why: string) => new OAuthError(401, 'invalid_client', why);
// Small clock differences between client and server are normal; allow this much either way.
const CLOCK_TOLERANCE_SECONDS = 30;

export const hashToken = (token: string) => createHash('sha256').update(token).digest();

// JWKS URLs are fetched and cached (jose: cooldown and max age), one cache per client and URL.
const remoteKeySets = new Map<string, JWTVerifyGetKey>();
function keySetOf(client: ClientRow): JWTVerifyGetKey {
  if (client.jwks) return createLocalJWKSet(client.jwks as JSONWebKeySet);
  const key = `${client.id} ${client.jwks_url}`;
  let set = remoteKeySets.get(key);
  if (!set) remoteKeySets.set(key, (set = createRemoteJWKSet(new URL(client.jwks_url!), { cacheMaxAge: 10 * 60_000, timeoutDuration: 5000 })));
  return set;
}

export interface TokenDeps {
  pool: Pool;
  clock: Clock;
  tokenEndpoint: () => string;
  accessTokenTtlSeconds: number;
}

export interface TokenRequest {
  grant_type?: unknown;
  client_assertion_type?: unknown;
  client_assertion?: unknown;
  scope?: unknown;
}

/** Returns the token and the client id the assertion named (for the audit log, even on failure). */
export async function issueToken(deps: TokenDeps, form: TokenRequest, onClient: (id: string) => void): Promise<TokenResponse> {
  if (form.grant_type !== 'client_credentials') {
    throw new OAuthError(400, form.grant_type ? 'unsupported_grant_type' : 'invalid_request', 'grant_type must be client_credentials');
  }
  if (form.client_assertion_type !== CLIENT_ASSERTION_TYPE) throw invalidClient(`client_assertion_type must be ${CLIENT_ASSERTION_TYPE}`);
  if (typeof form.client_assertion !== 'string' || form.client_assertion.length > 16_384) throw invalidClient('client_assertion is missing or too long');
  if (form.scope !== undefined && typeof form.scope !== 'string') throw new OAuthError(400, 'invalid_request', 'scope must be a string');
  const assertion = form.client_assertion;

  let alg: string | undefined;
  let iss: unknown;
  let sub: unknown;
  try {
    alg = decodeProtectedHeader(assertion).alg;
    ({ iss, sub } = decodeJwt(assertion));
  } catch {
    throw invalidClient('client_assertion is not a JWT');
  }
  if (!alg || !(ASSERTION_ALGORITHMS as readonly string[]).includes(alg)) {
    throw invalidClient(`alg must be one of ${ASSERTION_ALGORITHMS.join(', ')}`);
  }
  if (typeof iss !== 'string' || iss !== sub) throw invalidClient('iss and sub must both be the client id');
  onClient(iss);
  const client = await getClient(deps.pool, iss);
  if (!client || client.revoked_at) throw invalidClient('unknown or revoked client');

  const now = deps.clock.now();
  let exp: number;
  let jti: unknown;
  try {
    const { payload } = await jwtVerify(assertion, keySetOf(client), {
      algorithms: [...ASSERTION_ALGORITHMS],
      issuer: client.id,
      subject: client.id,
      audience: deps.tokenEndpoint(),
      requiredClaims: ['exp', 'jti'],
      currentDate: now,
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
    });
    exp = payload.exp!;
    jti = payload.jti;
  } catch (err) {
    const why =
      err instanceof joseErrors.JWTExpired ? 'the assertion has expired' :
      err instanceof joseErrors.JWTClaimValidationFailed ? `claim ${err.claim} is not valid` :
      err instanceof joseErrors.JWKSNoMatchingKey ? 'no registered key matches the assertion (kid/alg)' :
      err instanceof joseErrors.JWSSignatureVerificationFailed ? 'signature verification failed' :
      'the assertion could not be verified';
    throw invalidClient(why);
  }
  const nowSeconds = Math.floor(now.getTime() / 1000);
  if (exp - nowSeconds > MAX_ASSERTION_LIFETIME_SECONDS + CLOCK_TOLERANCE_SECONDS) {
    throw invalidClient(`exp must be at most ${MAX_ASSERTION_LIFETIME_SECONDS} s ahead`);
  }
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > 256) throw invalidClient('jti must be a non-empty string');
  if (!(await rememberJti(deps.pool, client.id, jti, new Date((exp + CLOCK_TOLERANCE_SECONDS) * 1000)))) {
    throw invalidClient('jti has already been used (replayed assertion)');
  }

  const allowed = ROLE_SCOPES[client.role];
  const requested = form.scope ? form.scope.split(' ').filter(Boolean) : allowed;
  const refused = requested.filter((s) => !allowed.includes(s));
  if (refused.length || requested.length === 0) throw new OAuthError(400, 'invalid_scope', `scopes not available to a ${client.role}: ${refused.join(' ') || '(none requested)'}`);

  const token = randomBytes(32).toString('base64url');
  const expiresAt = new Date(now.getTime() + deps.accessTokenTtlSeconds * 1000);
  await insertToken(deps.pool, hashToken(token), client.id, requested, now, expiresAt);
  // Housekeeping, occasionally: expired tokens and jtis are useless.
  if (Math.random() < 0.01) await purgeExpired(deps.pool, new Date(now.getTime() - 60_000));
  return { access_token: token, token_type: 'bearer', expires_in: deps.accessTokenTtlSeconds, scope: requested.join(' ') };
}
