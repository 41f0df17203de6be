// The sync client survives what the internet and operations do to it: killed (SIGKILL) at random
// points 20 times while the Source keeps publishing, then restarted, it converges to exactly the
// server's state; connections reset or stalled by a faulty proxy, and a server restart, are retried
// through.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateResource } from '@dtm/shared';
import { startTestServer, type TestServer } from './support/server.ts';
import { clientFixture, serverState, storeState, type ClientFixture } from './support/client.ts';
import { startFaultyProxy } from './support/faulty-proxy.ts';
import { ingest, upsert, del } from './support/dtm.ts';
import { openSession } from '../packages/dtm-client/src/session.ts';
import { Store } from '../packages/dtm-client/src/store/store.ts';
import { loadClientConfig } from '../packages/dtm-client/src/config.ts';
import { generatePractice } from '../packages/dtm-server/src/seed/synthetic-practice.ts';
import { publishPractice } from '../packages/dtm-server/src/seed/publish.ts';

const CLI = fileURLToPath(new URL('../packages/dtm-client/src/cli.ts', import.meta.url));
let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => s?.stop());

interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  /** From the sync's own start (its `start` event, after start-up) to exit; null if it never started. */
  workMs: number | null;
}

/**
 * Runs the CLI; with `killAfterWorkMs`, sends SIGKILL that long after the sync starts working (its
 * `start` event, so not while Node is still starting), unless it has finished by then.
 */
function runCli(fx: ClientFixture, args: string[], killAfterWorkMs?: number): Promise<CliRun> {
  const c = fx.config;
  const child = spawn(process.execPath, [CLI, ...args], {
    env: {
      ...process.env, DTM_SERVER_URL: c.serverUrl, DTM_CLIENT_ID: c.clientId, DTM_PRIVATE_KEY_FILE: fx.keyFile, DTM_PRACTICE: c.practice,
      DTM_TARGET_DATABASE_URL: c.targetDatabaseUrl, DTM_CLIENT_DATA_DIR: c.dataDir, DTM_PROGRESS: 'jsonl',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let started: number | null = null;
  let stdout = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout!.on('data', (d: Buffer) => {
    if (started !== null) return;
    stdout += d.toString();
    if (!stdout.includes('"event":"start"')) return;
    started = Date.now();
    if (killAfterWorkMs !== undefined) setTimeout(() => child.kill('SIGKILL'), killAfterWorkMs);
  });
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stderr, workMs: started === null ? null : Date.now() - started })));
}

describe('dtm-client resilience', () => {
  it('converges exactly after being killed at random points 20 times while the Source keeps publishing', { timeout: 240_000 }, async () => {
    const ODS = 'U10001';
    await s.grant(ODS);
    const practice = generatePractice({ ods: ODS, patients: 120, seed: 11 });
    await publishPractice(s.url, practice, { headers: { authorization: `Bearer ${await s.token('publisher')}` } });
    const fx = await clientFixture(s, ODS);
    const store = new Store(fx.config.targetDatabaseUrl!);
    try {
      // Keep going until 20 runs have really been killed mid-work (a run that finishes first counts
      // as a clean run), with the Source publishing between runs so there is always work in flight.
      let kills = 0;
      let round = 0;
      let workMs = 2000;
      for (; kills < 20 && round < 80; round++) {
        const edits = Array.from({ length: 150 }, (_, k) => {
          const r = practice.resources[(round * 150 + k) % practice.resources.length]!;
          return upsert(r.resourceType as string, r.id as string, { ...r, meta: undefined, language: `en-GB-x-r${round}` });
        });
        await ingest(s, ODS, [...edits, upsert('Flag', `flag-${round}`, { status: 'active', code: { text: 'x' }, subject: { reference: 'Patient/p' } }),
          ...(round % 3 === 0 && round >= 3 ? [del('Flag', `flag-${round - 3}`)] : [])]);
        // Anywhere in the work a run of this round would do: its length is taken from the last run
        // that finished (the first ones are the long initial extract). A kill time fixed in advance
        // missed most runs once the client got faster (8 kills in 80 rounds on a busy machine).
        const result = await runCli(fx, ['sync', '--page-size', '20'], Math.floor(Math.random() * workMs));
        if (result.signal === 'SIGKILL') kills++;
        else {
          expect(result.code, result.stderr).toBe(0);
          if (result.workMs !== null) workMs = Math.max(50, result.workMs);
        }
      }
      expect(kills).toBe(20);
      const final = await runCli(fx, ['sync']);
      expect(final.code, final.stderr).toBe(0);
      expect(await storeState(store.pool, ODS)).toEqual(await serverState(s, ODS));
      const bins = await store.pool.query<{ state: string; n: number }>('SELECT state, count(*)::int AS n FROM dtm_binary WHERE practice = $1 GROUP BY state', [ODS]);
      expect(bins.rows).toEqual([{ state: 'verified', n: practice.binaries.length }]);
    } finally {
      await store.close();
      await fx.targetDb.drop();
    }
  });

  it('retries through connections reset and stalled by a faulty network', { timeout: 120_000 }, async () => {
    const ODS = 'U10002';
    await s.grant(ODS);
    const practice = generatePractice({ ods: ODS, patients: 60, seed: 12 });
    await publishPractice(s.url, practice, { headers: { authorization: `Bearer ${await s.token('publisher')}` } });
    const proxy = await startFaultyProxy(new URL(s.url), 5);
    proxy.setFaults({ reset: 0.3, stall: 0.2, stallMs: 1500 });
    const fx = await clientFixture(s, ODS);
    const config = loadClientConfig({ server: proxy.url, 'client-id': fx.config.clientId, 'private-key': fx.keyFile, practice: ODS, 'target-database-url': fx.config.targetDatabaseUrl, 'data-dir': fx.dir, progress: 'none', 'page-size': '100' }, {});
    const session = await openSession(config, validateResource);
    const retries: number[] = [];
    session.syncer.on('retry', (e) => retries.push(e.attempt));
    try {
      const summary = await session.syncer.sync();
      expect(summary.stoppedBy).toBe('up-to-date');
      expect(proxy.stats.resets).toBeGreaterThan(0);
      expect(retries.length).toBeGreaterThan(0);
      expect(await storeState(session.opened.store.pool, ODS)).toEqual(await serverState(s, ODS));
    } finally {
      await session.close();
      await proxy.close();
      await fx.targetDb.drop();
    }
  });
});
