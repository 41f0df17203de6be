// A real DTM server on a fresh database for a test file, with a registered publisher and consumer
// (keys generated for the run) and helpers that call the API as either of them.
import { fetchAccessToken, type Role } from '@dtm/shared';
import { loadConfig, type Config } from '../../packages/dtm-server/src/config.ts';
import { startServer, type RunningServer } from '../../packages/dtm-server/src/main.ts';
import { systemClock, type Clock } from '../../packages/dtm-server/src/clock.ts';
import { addClient, addGrant } from '../../packages/dtm-server/src/services/admin.ts';
import { activeGrant } from '../../packages/dtm-server/src/repo/clients.ts';
import { createTestDatabase, type TestDatabase } from './db.ts';

export const TEST_CLIENTS: Record<Role, string> = { publisher: 'test-publisher', consumer: 'test-consumer' };

/** What the HTTP helpers need: a base URL and a way to call it as a role. */
export interface Api {
  url: string;
  fetch(path: string, init?: RequestInit, role?: Role): Promise<Response>;
}

export interface TestServer extends RunningServer, Api {
  db: TestDatabase;
  config: Config;
  clock: Clock;
  privateKeys: Record<Role, string>;
  /** Grants both test clients the practice with generous terms (done automatically by fetch). */
  grant(ods: string): Promise<void>;
  token(role: Role, fresh?: boolean): Promise<string>;
  stop(): Promise<void>;
}

/** The role a path belongs to: ingest routes are the publisher's, the rest the consumer's. */
export const roleFor = (path: string): Role => (path.startsWith('/v1/ingest') ? 'publisher' : 'consumer');

export async function registerTestClients(deps: Parameters<typeof addClient>[0]): Promise<Record<Role, string>> {
  const keys = {} as Record<Role, string>;
  for (const role of ['publisher', 'consumer'] as const) {
    const { privateJwk } = await addClient(deps, { id: TEST_CLIENTS[role], name: `test ${role}`, role, generateKey: true });
    keys[role] = JSON.stringify(privateJwk);
  }
  return keys;
}

export async function startTestServer(opts: { clock?: Clock; env?: Record<string, string>; db?: TestDatabase; privateKeys?: Record<Role, string> } = {}): Promise<TestServer> {
  const db = opts.db ?? (await createTestDatabase());
  const clock = opts.clock ?? systemClock;
  const config = loadConfig({
    DATABASE_URL: db.url, DTM_PORT: '0', DTM_LOG_LEVEL: 'silent', DTM_SHUTDOWN_GRACE_MS: '2000',
    DTM_ACCESS_TOKEN_TTL_SECONDS: '86400', ...opts.env,
  });
  const server = await startServer(config, { clock });
  // Restarting on a database that already has the test clients: reuse their keys.
  const privateKeys = opts.privateKeys ?? (await registerTestClients({ pool: server.pool, clock }));
  const api = createApi(server.url, privateKeys, { pool: server.pool, clock });
  return {
    ...server,
    db,
    config,
    clock,
    privateKeys,
    grant: api.grant,
    token: api.token,
    fetch: api.fetch,
    async stop() {
      await server.close();
      if (!opts.db) await db.drop();
    },
  };
}

/**
 * Calls a DTM at `url` as the test clients, granting them a practice on first use. Tokens live in the
 * database, so one works on every server process sharing it.
 */
export function createApi(url: string, privateKeys: Record<Role, string>, deps: Parameters<typeof addGrant>[0], tokenUrl = `${url}/oauth2/token`) {
  const tokens = new Map<Role, string>();
  const granted = new Map<string, Promise<void>>();
  const token = async (role: Role, fresh = false) => {
    if (fresh || !tokens.has(role)) {
      const t = await fetchAccessToken({ tokenUrl, clientId: TEST_CLIENTS[role], privateKey: privateKeys[role], now: deps.clock.now() });
      tokens.set(role, t.access_token);
    }
    return tokens.get(role)!;
  };
  const grantOnce = async (ods: string) => {
    for (const role of ['publisher', 'consumer'] as const) {
      if (await activeGrant(deps.pool, TEST_CLIENTS[role], ods)) continue;
      // Another API object on the same database may grant it at the same moment.
      await addGrant(deps, { clientId: TEST_CLIENTS[role], practice: ods, sessionsPerDay: 10_000, requestsPerMinute: 1_000_000 })
        .catch((e: Error) => { if (!/already has a grant/.test(e.message)) throw e; });
    }
  };
  const grant = (ods: string) => {
    if (!granted.has(ods)) granted.set(ods, grantOnce(ods));
    return granted.get(ods)!;
  };
  const fetchAs = async (path: string, init: RequestInit = {}, role: Role = roleFor(path)) => {
    const ods = /\/practices\/([A-Z0-9]{3,10})(\/|$)/.exec(path)?.[1];
    if (ods) await grant(ods);
    const send = async (fresh: boolean) =>
      fetch(`${url}${path}`, { ...init, headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${await token(role, fresh)}` } });
    const res = await send(false);
    return res.status === 401 ? send(true) : res;
  };
  return { url, token, grant, fetch: fetchAs };
}
