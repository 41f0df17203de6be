// Administration on the server host (dtm-server clients|grants|audit): registering clients with their
// public keys, granting them practices with the agreed retrieval terms, revoking either.
import { generateClientKeyPair, type Role } from '@dtm/shared';
import type { JWK } from 'jose';
import type { Pool } from '../db/pool.ts';
import type { Clock } from '../clock.ts';
import * as clients from '../repo/clients.ts';
import { ODS_CODE_PATTERN } from '@dtm/shared';

export class AdminError extends Error {
  override readonly name = 'AdminError';
}

export interface NewClient {
  id: string;
  name: string;
  role: Role;
  jwks?: { keys: JWK[] };
  jwksUrl?: string;
  /** Generate a key pair and return its private half. */
  generateKey?: boolean;
}

export async function addClient(deps: { pool: Pool; clock: Clock }, c: NewClient): Promise<{ privateJwk?: JWK }> {
  if (!/^[A-Za-z0-9._:-]{1,128}$/.test(c.id)) throw new AdminError('client id: 1-128 of letters, digits and . _ : -');
  if (c.role !== 'publisher' && c.role !== 'consumer') throw new AdminError('role must be publisher or consumer');
  const sources = [c.jwks, c.jwksUrl, c.generateKey].filter(Boolean).length;
  if (sources !== 1) throw new AdminError('give exactly one of a JWKS file, a JWKS URL, or --generate-key');
  if (c.jwksUrl && !/^https:\/\//.test(c.jwksUrl) && !/^http:\/\/(127\.0\.0\.1|localhost)[:/]/.test(c.jwksUrl)) {
    throw new AdminError('a JWKS URL must be https');
  }
  if (await clients.getClient(deps.pool, c.id)) throw new AdminError(`client ${c.id} already exists`);
  let jwks = c.jwks;
  let privateJwk: JWK | undefined;
  if (c.generateKey) ({ privateJwk, publicJwks: jwks } = await generateClientKeyPair());
  if (jwks && (!Array.isArray(jwks.keys) || jwks.keys.length === 0 || jwks.keys.some((k) => 'd' in k))) {
    throw new AdminError('the JWKS must hold public keys only');
  }
  await clients.insertClient(deps.pool, {
    id: c.id, name: c.name, role: c.role, jwks: (jwks as clients.ClientRow['jwks']) ?? null, jwks_url: c.jwksUrl ?? null, created_at: deps.clock.now(),
  });
  return privateJwk ? { privateJwk } : {};
}

export interface NewGrant {
  clientId: string;
  practice: string;
  validFrom?: Date;
  validUntil?: Date;
  sessionsPerDay?: number;
  requestsPerMinute?: number;
}

export async function addGrant(deps: { pool: Pool; clock: Clock }, g: NewGrant): Promise<clients.GrantRow> {
  if (!ODS_CODE_PATTERN.test(g.practice)) throw new AdminError('practice must be an ODS code such as A12345');
  const client = await clients.getClient(deps.pool, g.clientId);
  if (!client || client.revoked_at) throw new AdminError(`no active client ${g.clientId}`);
  if (g.validFrom && g.validUntil && g.validUntil <= g.validFrom) throw new AdminError('the grant must end after it starts');
  if (await clients.activeGrant(deps.pool, g.clientId, g.practice)) {
    throw new AdminError(`client ${g.clientId} already has a grant for ${g.practice}; revoke it first to change its terms`);
  }
  const alreadyGranted = () => new AdminError(`client ${g.clientId} already has a grant for ${g.practice}; revoke it first to change its terms`);
  return clients.insertGrant(deps.pool, {
    client_id: g.clientId, practice: g.practice, valid_from: g.validFrom ?? null, valid_until: g.validUntil ?? null,
    sessions_per_day: g.sessionsPerDay ?? 1, requests_per_minute: g.requestsPerMinute ?? 600, created_at: deps.clock.now(),
  }).catch((e: { code?: string }) => {
    // Two administrators granting at once: the unique index decides, the loser is told plainly.
    throw e.code === '23505' ? alreadyGranted() : e;
  });
}
