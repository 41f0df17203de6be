// The dtm-client command line as a TSS operator runs it: follow until SIGTERM (exit 0 after the
// page in hand), schedule on a cron (never two runs at once), status as JSON, and survival of a
// server restart.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './support/server.ts';
import { createTestDatabase } from './support/db.ts';
import { clientFixture, serverState, storeState, type ClientFixture } from './support/client.ts';
import { ingest, upsert } from './support/dtm.ts';
import { Store } from '../packages/dtm-client/src/store/store.ts';

const CLI = fileURLToPath(new URL('../packages/dtm-client/src/cli.ts', import.meta.url));

function spawnCli(fx: ClientFixture, args: string[], serverUrl?: string): { child: ChildProcess; lines: Record<string, unknown>[]; stderr: () => string; exit: Promise<number | null>; waitFor: (event: string, n?: number) => Promise<void> } {
  const c = fx.config;
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, DTM_SERVER_URL: serverUrl ?? c.serverUrl, DTM_CLIENT_ID: c.clientId, DTM_PRIVATE_KEY_FILE: fx.keyFile, DTM_PRACTICE: c.practice,
      DTM_TARGET_DATABASE_URL: c.targetDatabaseUrl, DTM_CLIENT_DATA_DIR: c.dataDir, DTM_PROGRESS: 'jsonl', DTM_WAIT_SECONDS: '5' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  let err = '';
  let buf = '';
  const waiters: (() => void)[] = [];
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (line.startsWith('{')) lines.push(JSON.parse(line) as Record<string, unknown>);
      for (const w of [...waiters]) w();
    }
  });
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const waitFor = (event: string, n = 1) => new Promise<void>((resolve, reject) => {
    const check = () => {
      if (lines.filter((l) => l.event === event).length >= n) resolve();
    };
    waiters.push(check);
    check();
    void exit.then(() => reject(new Error(`exited before ${n} "${event}" event(s): ${err}`)));
  });
  return { child, lines, stderr: () => err, exit, waitFor };
}

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => s?.stop());

describe('dtm-client CLI', () => {
  it('follow applies changes as they come and exits 0 on SIGTERM', { timeout: 60_000 }, async () => {
    const ODS = 'W10001';
    await ingest(s, ODS, [upsert('Patient', 'p1')]);
    const fx = await clientFixture(s, ODS);
    const run = spawnCli(fx, ['follow']);
    await run.waitFor('idle');
    await ingest(s, ODS, [upsert('Patient', 'p2')]);
    await run.waitFor('page', 2);
    run.child.kill('SIGTERM');
    expect(await run.exit).toBe(0);
    expect(run.stderr()).toMatch(/stopped: signal/);
    const store = new Store(fx.config.targetDatabaseUrl!);
    expect(await storeState(store.pool, ODS)).toEqual(await serverState(s, ODS));
    await store.close();
    await fx.targetDb.drop();
  });

  it('schedule runs sync on its cron and stops cleanly', { timeout: 60_000 }, async () => {
    const ODS = 'W10002';
    await ingest(s, ODS, [upsert('Patient', 'p1')]);
    const fx = await clientFixture(s, ODS);
    const run = spawnCli(fx, ['schedule', '--cron', '*/2 * * * * *']);
    await run.waitFor('done', 2);
    run.child.kill('SIGTERM');
    expect(await run.exit).toBe(0);
    expect(run.stderr()).toMatch(/scheduled sync of W10002/);
    await fx.targetDb.drop();
  });

  it('status --json shows both sides', { timeout: 60_000 }, async () => {
    const ODS = 'W10003';
    await ingest(s, ODS, [upsert('Patient', 'p1'), upsert('Patient', 'p2')]);
    const fx = await clientFixture(s, ODS);
    expect(await spawnCli(fx, ['sync']).exit).toBe(0);
    const run = spawn(process.execPath, [CLI, 'status', '--json'], {
      env: { ...process.env, DTM_SERVER_URL: s.url, DTM_CLIENT_ID: fx.config.clientId, DTM_PRIVATE_KEY_FILE: fx.keyFile, DTM_PRACTICE: ODS, DTM_TARGET_DATABASE_URL: fx.config.targetDatabaseUrl, DTM_CLIENT_DATA_DIR: fx.dir },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    run.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    await new Promise((r) => run.on('exit', r));
    const report = JSON.parse(out) as { server: { staleness: { withinLimit: boolean } }; local: { live: number; upToDate: boolean; consumption: { changes: number } } };
    expect(report.server.staleness.withinLimit).toBe(true);
    expect(report.local).toMatchObject({ live: 2, upToDate: true, consumption: { changes: 2 } });
    await fx.targetDb.drop();
  });

  it('rides out a server restart while following', { timeout: 90_000 }, async () => {
    const ODS = 'W10004';
    const db = await createTestDatabase();
    const port = await new Promise<number>((r) => { const srv = net.createServer().listen(0, '127.0.0.1', () => { const p = (srv.address() as net.AddressInfo).port; srv.close(() => r(p)); }); });
    let server = await startTestServer({ db, env: { DTM_PORT: String(port) } });
    await ingest(server, ODS, [upsert('Patient', 'before')]);
    const fx = await clientFixture(server, ODS);
    const run = spawnCli(fx, ['follow']);
    try {
      await run.waitFor('idle');
      await server.close(); // the DTM goes away mid-follow
      await new Promise((r) => setTimeout(r, 1500));
      server = await startTestServer({ db, privateKeys: server.privateKeys, env: { DTM_PORT: String(port) } });
      await ingest(server, ODS, [upsert('Patient', 'after')]);
      await run.waitFor('page', 2);
      run.child.kill('SIGTERM');
      expect(await run.exit).toBe(0);
      const store = new Store(fx.config.targetDatabaseUrl!);
      expect(await storeState(store.pool, ODS)).toEqual(await serverState(server, ODS));
      await store.close();
    } finally {
      run.child.kill('SIGKILL');
      await server.close();
      await db.drop();
      await fx.targetDb.drop();
    }
  });
});
