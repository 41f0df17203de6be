// OAuth 2.0 client credentials with a signed JWT client assertion (RFC 7523; SMART Backend Services;
// NHS England's application-restricted "signed JWT" pattern). Shared so that the sync client, the
// conformance kit and the server's own tools make assertions the same way.
import { randomUUID } from 'node:crypto';
import { SignJWT, calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, importPKCS8, type CryptoKey, type JWK } from 'jose';

export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
export const TOKEN_PATH = '/oauth2/token';
export const SMART_CONFIGURATION_PATH = '/.well-known/smart-configuration';

/** Algorithms the DTM accepts for client assertions: RSA and EC with SHA-384/512 (no HMAC, no none). */
export const ASSERTION_ALGORITHMS = ['RS384', 'RS512', 'PS384', 'PS512', 'ES384', 'ES512'] as const;
/** RFC 7523 assertions must expire; the DTM refuses any more than 5 minutes ahead. */
export const MAX_ASSERTION_LIFETIME_SECONDS = 300;

export const SCOPES = {
  feedRead: 'dtm/feed.read',
  ingestWrite: 'dtm/ingest.write',
  auditRead: 'dtm/audit.read',
} as const;

export type Role = 'publisher' | 'consumer';

export const ROLE_SCOPES: Record<Role, string[]> = {
  consumer: [SCOPES.feedRead],
  publisher: [SCOPES.ingestWrite, SCOPES.auditRead],
};

export interface TokenResponse {
  access_token: string;
  token_type: 'bearer';
  expires_in: number;
  scope: string;
}

/** A private key from a JWK (JSON) or PKCS#8 PEM text. */
export async function importPrivateKey(text: string, alg?: string): Promise<{ key: CryptoKey; alg: string; kid: string | undefined }> {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    const jwk = JSON.parse(trimmed) as JWK;
    const useAlg = alg ?? jwk.alg ?? (jwk.kty === 'EC' ? 'ES384' : 'RS384');
    return { key: (await importJWK(jwk, useAlg)) as CryptoKey, alg: useAlg, kid: jwk.kid };
  }
  const useAlg = alg ?? 'RS384';
  return { key: await importPKCS8(trimmed, useAlg), alg: useAlg, kid: undefined };
}

export interface AssertionOptions {
  clientId: string;
  tokenUrl: string;
  key: CryptoKey;
  alg: string;
  kid?: string;
  /** Seconds until expiry; default 60. */
  lifetimeSeconds?: number;
  now?: Date;
  jti?: string;
}

export async function createClientAssertion(o: AssertionOptions): Promise<string> {
  const now = Math.floor((o.now ?? new Date()).getTime() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: o.alg, typ: 'JWT', ...(o.kid ? { kid: o.kid } : {}) })
    .setIssuer(o.clientId)
    .setSubject(o.clientId)
    .setAudience(o.tokenUrl)
    .setIssuedAt(now)
    .setExpirationTime(now + (o.lifetimeSeconds ?? 60))
    .setJti(o.jti ?? randomUUID())
    .sign(o.key);
}

/** The form body of a client-credentials token request. */
export function tokenRequestBody(assertion: string, scope?: string): URLSearchParams {
  const form = new URLSearchParams({
    grant_type: 'client_credentials',
    client_assertion_type: CLIENT_ASSERTION_TYPE,
    client_assertion: assertion,
  });
  if (scope) form.set('scope', scope);
  return form;
}

/**
 * A new signing key pair for a client: the private JWK (keep it secret, mode 0600) and the public
 * JWKS to register with the DTM. The kid is the RFC 7638 thumbprint.
 */
export async function generateClientKeyPair(alg: (typeof ASSERTION_ALGORITHMS)[number] = 'ES384'): Promise<{ privateJwk: JWK; publicJwks: { keys: JWK[] } }> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const pub = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(pub);
  return {
    privateJwk: { ...(await exportJWK(privateKey)), kid, alg, use: 'sig' },
    publicJwks: { keys: [{ ...pub, kid, alg, use: 'sig' }] },
  };
}

/** Gets an access token from a DTM's token endpoint with a freshly signed assertion. */
export async function fetchAccessToken(o: { tokenUrl: string; clientId: string; privateKey: string; scope?: string; now?: Date; fetch?: typeof fetch }): Promise<TokenResponse> {
  const { key, alg, kid } = await importPrivateKey(o.privateKey);
  const assertion = await createClientAssertion({ clientId: o.clientId, tokenUrl: o.tokenUrl, key, alg, ...(kid ? { kid } : {}), ...(o.now ? { now: o.now } : {}) });
  const res = await (o.fetch ?? fetch)(o.tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: tokenRequestBody(assertion, o.scope),
  });
  const body = (await res.json()) as TokenResponse & { error?: string; error_description?: string };
  if (!res.ok) throw new Error(`token request refused (${res.status} ${body.error ?? ''}): ${body.error_description ?? ''}`);
  return body;
}
