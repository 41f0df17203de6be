// Stateless: two server processes on one database serve the same feed, wake each other's long-polls
// (LISTEN/NOTIFY), and drain gracefully on SIGTERM.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/support/db.ts';
import { ingest, page, readAll, upsert } from '../../../test/support/dtm.ts';
import { createApi, registerTestClients, type Api } from '../../../test/support/server.ts';
import { createPool, type Pool } from './db/pool.ts';
import { migrate } from './db/migrate.ts';
import { createLogger } from './logger.ts';
import { systemClock } from './clock.ts';

const CLI = fileURLToPath(new URL('./cli.ts', import.meta.url));

interface Proc extends Api {
  child: ChildProcess;
  exited: Promise<number | null>;
}

function startProcess(databaseUrl: string): Promise<Proc> {
  const child = spawn(process.execPath, [CLI, 'serve'], {
    env: { ...process.env, DATABASE_URL: databaseUrl, DTM_PORT: '0', DTM_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /"url":"(http:[^"]+)".*dtm-server listening/.exec(out);
      if (m) resolve({ child, exited, ...createApi(m[1]!, keys, { pool, clock: systemClock }) });
    });
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    void exited.then((code) => reject(new Error(`server exited ${code} before listening: ${out.slice(0, 2000)}`)));
  });
}

let db: TestDatabase;
let pool: Pool;
let keys: Awaited<ReturnType<typeof registerTestClients>>;
let a: Proc;
let b: Proc;
beforeAll(async () => {
  db = await createTestDatabase();
  pool = createPool({ connectionString: db.url, max: 2, statementTimeoutMs: 10_000, idleInTransactionTimeoutMs: 10_000 }, createLogger('silent'));
  await migrate(pool);
  keys = await registerTestClients({ pool, clock: systemClock });
  // Started together: migrations run once, under the advisory lock.
  [a, b] = await Promise.all([startProcess(db.url), startProcess(db.url)]);
});
afterAll(async () => {
  for (const p of [a, b]) if (p && p.child.exitCode === null) p.child.kill('SIGKILL');
  await pool?.end();
  await db?.drop();
});

describe('two server processes on one database', () => {
  it('serve the same feed', async () => {
    await ingest(a, 'G10001', [upsert('Patient', 'p1'), upsert('Patient', 'p2')]);
    await ingest(b, 'G10001', [upsert('Patient', 'p3')]);
    const fromA = await readAll(a, 'G10001');
    const fromB = await readAll(b, 'G10001');
    expect(fromA.changes.map((c) => c.id)).toEqual(['p1', 'p2', 'p3']);
    expect(fromB.changes).toEqual(fromA.changes);
  });

  it("wake each other's long-polls", async () => {
    const { cursor } = await readAll(b, 'G10001');
    const waiting = page(b, 'G10001', { since: cursor, wait: 30 });
    await new Promise((r) => setTimeout(r, 300));
    const t = Date.now();
    await ingest(a, 'G10001', [upsert('Patient', 'p4')]);
    const { body } = await waiting;
    expect(body.changes.map((c) => c.id)).toEqual(['p4']);
    expect(Date.now() - t).toBeLessThan(5000);
  });

  it('lose nothing when writers and a reader alternate between them', async () => {
    const ids: string[] = [];
    let writing = true;
    const writer = async (w: number) => {
      for (let i = 0; i < 15; i++) {
        const batch = [`w${w}-${i}-a`, `w${w}-${i}-b`];
        const r = await ingest((i + w) % 2 ? a : b, 'G10002', batch.map((id) => upsert('Observation', id)));
        expect(r.status).toBe(200);
        ids.push(...batch);
      }
    };
    const seen: string[] = [];
    const reader = async () => {
      let cursor: string | undefined;
      for (let n = 0; ; n++) {
        const done = !writing;
        const r = await page(n % 2 ? a : b, 'G10002', { since: cursor, limit: 4 });
        if (r.status === 404) continue; // practice not created yet
        seen.push(...r.body.changes.map((c) => c.id));
        cursor = r.body.nextCursor ?? cursor;
        if (done && r.body.upToDate) return;
      }
    };
    const reading = reader();
    await Promise.all([0, 1, 2, 3].map(writer));
    writing = false;
    await reading;
    expect(seen.sort()).toEqual(ids.sort());
  });

  it('drain on SIGTERM: an open long-poll is answered and the process exits 0', async () => {
    const { cursor } = await readAll(a, 'G10001');
    const waiting = page(a, 'G10001', { since: cursor, wait: 60 });
    await new Promise((r) => setTimeout(r, 300));
    const t = Date.now();
    a.child.kill('SIGTERM');
    const { status, body } = await waiting;
    expect(status).toBe(200);
    expect(body).toMatchObject({ changes: [], upToDate: true });
    expect(await a.exited).toBe(0);
    expect(Date.now() - t).toBeLessThan(10_000);
    // The other process carries on.
    expect((await readAll(b, 'G10001')).changes.length).toBe(4);
  });
});
