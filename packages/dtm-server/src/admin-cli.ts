// dtm-server clients|grants|audit|token: administration on the server host, straight to the database.
import { readFile, writeFile } from 'node:fs/promises';
import { fetchAccessToken } from '@dtm/shared';
import type { Config } from './config.ts';
import type { Logger } from './logger.ts';
import { openPool } from './main.ts';
import { migrate } from './db/migrate.ts';
import { systemClock } from './clock.ts';
import { AdminError, addClient, addGrant } from './services/admin.ts';
import * as clients from './repo/clients.ts';
import { readAccess } from './repo/audit.ts';

export type Flags = Record<string, string | boolean | undefined>;

const str = (f: Flags, name: string, required = true): string | undefined => {
  const v = f[name];
  if (typeof v === 'string' && v !== '') return v;
  if (required) throw new AdminError(`--${name} is required`);
  return undefined;
};
const date = (f: Flags, name: string): Date | undefined => {
  const v = str(f, name, false);
  if (v === undefined) return undefined;
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) throw new AdminError(`--${name} must be an ISO 8601 date-time`);
  return d;
};
const posInt = (f: Flags, name: string): number | undefined => {
  const v = str(f, name, false);
  if (v === undefined) return undefined;
  if (!/^[1-9]\d*$/.test(v)) throw new AdminError(`--${name} must be a positive whole number`);
  return Number(v);
};

const table = (rows: Record<string, unknown>[]) =>
  rows.length ? rows.map((r) => Object.entries(r).map(([k, v]) => `${k}=${v instanceof Date ? v.toISOString() : (v ?? '-')}`).join('  ')).join('\n') + '\n' : '(none)\n';

export async function runAdmin(command: string, sub: string | undefined, f: Flags, config: Config, logger: Logger): Promise<number> {
  if (command === 'token') {
    // A convenience for trying the API by hand (curl): sign an assertion and print an access token.
    const base = str(f, 'url')!.replace(/\/+$/, '');
    const token = await fetchAccessToken({ tokenUrl: `${base}/oauth2/token`, clientId: str(f, 'client-id')!, privateKey: await readFile(str(f, 'private-key')!, 'utf8') });
    process.stdout.write(`${token.access_token}\n`);
    return 0;
  }
  const { pool, database } = await openPool(config, logger);
  const deps = { pool, clock: systemClock };
  const out = process.stdout;
  try {
    await migrate(pool);
    switch (`${command} ${sub ?? ''}`.trim()) {
      case 'clients add': {
        const jwksFile = str(f, 'jwks-file', false);
        const keyOut = str(f, 'generate-key', false);
        const { privateJwk } = await addClient(deps, {
          id: str(f, 'id')!, name: str(f, 'name', false) ?? str(f, 'id')!, role: str(f, 'role') as 'publisher' | 'consumer',
          ...(jwksFile ? { jwks: JSON.parse(await readFile(jwksFile, 'utf8')) } : {}),
          ...(str(f, 'jwks-url', false) ? { jwksUrl: str(f, 'jwks-url')! } : {}),
          generateKey: Boolean(keyOut),
        });
        if (privateJwk && keyOut) await writeFile(keyOut, JSON.stringify(privateJwk, null, 2) + '\n', { mode: 0o600 });
        out.write(`client ${String(f.id)} added${keyOut ? `; private key written to ${keyOut} (keep it secret)` : ''}\n`);
        return 0;
      }
      case 'clients list':
        out.write(table((await clients.listClients(pool)).map((c) => ({ id: c.id, name: c.name, role: c.role, keys: c.jwks_url ?? `${c.jwks?.keys.length ?? 0} inline`, created: c.created_at, revoked: c.revoked_at }))));
        return 0;
      case 'clients revoke':
        out.write((await clients.revokeClient(pool, str(f, 'id')!, new Date())) ? 'revoked: its tokens stop working at the next request\n' : 'no active client with that id\n');
        return 0;
      case 'grants add': {
        const g = await addGrant(deps, {
          clientId: str(f, 'client')!, practice: str(f, 'practice')!,
          ...(date(f, 'from') ? { validFrom: date(f, 'from')! } : {}),
          ...(date(f, 'until') ? { validUntil: date(f, 'until')! } : {}),
          ...(posInt(f, 'sessions-per-day') ? { sessionsPerDay: posInt(f, 'sessions-per-day')! } : {}),
          ...(posInt(f, 'requests-per-minute') ? { requestsPerMinute: posInt(f, 'requests-per-minute')! } : {}),
        });
        out.write(`granted ${g.client_id} practice ${g.practice}: ${g.sessions_per_day} session(s)/24 h, ${g.requests_per_minute} requests/min\n`);
        return 0;
      }
      case 'grants list':
        out.write(table((await clients.listGrants(pool, { ...(str(f, 'client', false) ? { clientId: str(f, 'client')! } : {}), ...(str(f, 'practice', false) ? { practice: str(f, 'practice')! } : {}) }))
          .map((g) => ({ client: g.client_id, practice: g.practice, from: g.valid_from, until: g.valid_until, sessionsPerDay: g.sessions_per_day, requestsPerMinute: g.requests_per_minute }))));
        return 0;
      case 'grants revoke':
        out.write((await clients.revokeGrant(pool, str(f, 'client')!, str(f, 'practice')!, new Date())) ? 'revoked: effective at the next request\n' : 'no active grant\n');
        return 0;
      case 'audit': {
        const rows = await readAccess(pool, str(f, 'practice')!, date(f, 'since') ?? null, 0, posInt(f, 'limit') ?? 1000);
        if (f.json) for (const r of rows) out.write(JSON.stringify(r) + '\n');
        else out.write(table(rows.map((r) => ({ at: r.at, client: r.clientId, route: `${r.method} ${r.route}`, status: r.status, outcome: r.outcome, resources: r.resources, binaries: r.binaries, ip: r.ip }))));
        return 0;
      }
      default:
        throw new AdminError(`unknown command "${command} ${sub ?? ''}"`);
    }
  } finally {
    await pool.end();
    await database.stop();
  }
}
