// A real DTM server on a fresh database for a test file.
import { loadConfig, type Config } from '../../packages/dtm-server/src/config.ts';
import { startServer, type RunningServer } from '../../packages/dtm-server/src/main.ts';
import type { Clock } from '../../packages/dtm-server/src/clock.ts';
import { createTestDatabase, type TestDatabase } from './db.ts';

export interface TestServer extends RunningServer {
  db: TestDatabase;
  config: Config;
  stop(): Promise<void>;
}

export async function startTestServer(opts: { clock?: Clock; env?: Record<string, string>; db?: TestDatabase } = {}): Promise<TestServer> {
  const db = opts.db ?? (await createTestDatabase());
  const config = loadConfig({ DATABASE_URL: db.url, DTM_PORT: '0', DTM_LOG_LEVEL: 'silent', DTM_SHUTDOWN_GRACE_MS: '2000', ...opts.env });
  const server = await startServer(config, opts.clock ? { clock: opts.clock } : {});
  return {
    ...server,
    db,
    config,
    async stop() {
      await server.close();
      if (!opts.db) await db.drop();
    },
  };
}
