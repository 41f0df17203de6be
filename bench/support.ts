// Benchmark plumbing: a PostgreSQL of the bench's own, the DTM server as a child process, CPU and
// memory readings from /proc, machine facts, and small statistics. Everything listens on and talks
// to 127.0.0.1 only.
import { execFile, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort, startEmbeddedPostgres } from '@dtm/shared/embedded-postgres';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// ---------------------------------------------------------------------------------------------
// /proc readings (Linux). Elsewhere they come back null and the report says "n/a".

const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

interface ProcStat {
  ppid: number;
  /** utime + stime of the process itself, in seconds. */
  self: number;
  /** cutime + cstime: children it has waited for, in seconds. */
  reapedChildren: number;
}

function readProcStat(pid: number): ProcStat | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after "(comm)": the comm may contain spaces, so split after the last ')'.
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ').map(Number);
    // f[0] is field 3 (state): field k of proc(5) is f[k - 3].
    const [ppid, utime, stime, cutime, cstime] = [f[1], f[11], f[12], f[13], f[14]] as number[];
    return { ppid: ppid!, self: (utime! + stime!) / CLK_TCK, reapedChildren: (cutime! + cstime!) / CLK_TCK };
  } catch {
    return null;
  }
}

/** CPU seconds (user + system) used so far by one process. */
export function processCpuSeconds(pid: number): number | null {
  return readProcStat(pid)?.self ?? null;
}

/**
 * CPU seconds of the children this process has already reaped (its cutime + cstime). Read before a
 * child starts and after its exit event, the difference is exactly that child's CPU, although its
 * /proc entry is gone by then (provided no other child is reaped in between).
 */
export function reapedChildrenCpuSeconds(): number | null {
  return readProcStat(process.pid)?.reapedChildren ?? null;
}

/**
 * CPU seconds used so far by a PostgreSQL cluster: the postmaster, its live children (backends,
 * checkpointer, WAL writer...) and the children it has already reaped.
 */
export async function clusterCpuSeconds(postmasterPid: number): Promise<number | null> {
  const main = readProcStat(postmasterPid);
  if (!main) return null;
  let total = main.self + main.reapedChildren;
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = readProcStat(Number(name));
    if (s && s.ppid === postmasterPid) total += s.self;
  }
  return total;
}

/** Busy CPU seconds of the whole machine so far (all processes; /proc/stat), or null. */
export function machineBusyCpuSeconds(): number | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    // cpu user nice system idle iowait irq softirq steal ...
    const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number) as number[];
    return (user! + nice! + system! + irq! + softirq! + (steal ?? 0)) / CLK_TCK;
  } catch {
    return null;
  }
}

/** VmHWM (peak resident set) and VmRSS of a live process, in bytes. */
export function memoryOf(pid: number): { peakRssBytes: number; rssBytes: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
    return { peakRssBytes: kib('VmHWM'), rssBytes: kib('VmRSS') };
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL

export interface BenchDatabase {
  /** Connection string of the database the server uses. */
  url: string;
  /** Connection string of the cluster's maintenance database (to create and drop other databases). */
  adminUrl: string;
  source: 'embedded' | 'DATABASE_URL';
  version: string;
  settings: Record<string, string>;
  /** The cluster's postmaster, when it is ours (embedded): its CPU is measured. */
  postmasterPid: number | null;
  /** WAL position in bytes (pg_current_wal_lsn), cluster-wide, or null if it cannot be read. */
  walBytes(): Promise<number | null>;
  stop(): Promise<void>;
}

/**
 * A connection of the bench's own for readings (WAL position). It stays idle between statements, so
 * it holds no snapshot back.
 */
async function walReader(url: string): Promise<{ walBytes(): Promise<number | null>; close(): Promise<void> }> {
  const client = new pg.Client({ connectionString: url, application_name: 'dtm-bench' });
  await client.connect();
  client.on('error', () => undefined);
  return {
    walBytes: async () => {
      try {
        const r = await client.query<{ b: string }>("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::text AS b");
        return Number(r.rows[0]!.b);
      } catch {
        return null;
      }
    },
    close: () => client.end().catch(() => undefined),
  };
}

/** One connection for `fn`, closed after it whatever happens. */
export async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export function withDatabase(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

/** Drops (if there) and creates database `name` on the admin URL's cluster; returns its URL. */
export async function recreateDatabase(adminUrl: string, name: string): Promise<string> {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad database name ${name}`);
  await withClient(adminUrl, async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${name}`);
  });
  return withDatabase(adminUrl, name);
}

export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad database name ${name}`);
  await withClient(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}

const REPORTED_SETTINGS = ['shared_buffers', 'work_mem', 'synchronous_commit', 'fsync', 'wal_level', 'max_wal_size', 'max_connections', 'data_checksums', 'wal_log_hints', 'autovacuum'];

async function describe(url: string): Promise<{ version: string; settings: Record<string, string> }> {
  return withClient(url, async (c) => {
    const v = await c.query<{ version: string }>('SELECT version()');
    const s = await c.query<{ name: string; setting: string; unit: string | null }>(
      'SELECT name, setting, unit FROM pg_settings WHERE name = ANY($1::text[]) ORDER BY name',
      [REPORTED_SETTINGS],
    );
    return {
      version: v.rows[0]!.version,
      settings: Object.fromEntries(s.rows.map((r) => [r.name, r.unit ? `${r.setting} (${r.unit})` : r.setting])),
    };
  });
}

/**
 * DATABASE_URL (treated as an admin URL, as the tests do): a fresh `dtm_bench_<hex>` database on
 * that server, dropped afterwards. Otherwise an embedded PostgreSQL in a temporary directory with a
 * `dtm_bench` database, removed afterwards.
 */
export async function startDatabase(log: (msg: string) => void): Promise<BenchDatabase> {
  const given = process.env.DATABASE_URL?.trim();
  if (given) {
    const name = `dtm_bench_${randomBytes(4).toString('hex')}`;
    await withClient(given, (c) => c.query(`CREATE DATABASE ${name}`));
    const url = withDatabase(given, name);
    log(`database: ${name} on DATABASE_URL's server`);
    const { version, settings } = await describe(url);
    const wal = await walReader(url);
    return {
      url, adminUrl: given, source: 'DATABASE_URL', version, settings, postmasterPid: null, walBytes: wal.walBytes,
      stop: async () => {
        await wal.close();
        await withClient(given, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
      },
    };
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dtm-bench-'));
  // embedded-postgres stops its clusters on SIGINT/SIGTERM and then exits the process itself, before
  // an async cleanup of ours could finish: remove the directory on exit too.
  const removeOnExit = () => rmSync(dir, { recursive: true, force: true });
  process.on('exit', removeOnExit);
  try {
    log(`database: embedded PostgreSQL in ${dir}`);
    const cluster = await startEmbeddedPostgres(dir, log);
    try {
      await withClient(cluster.adminUrl, (c) => c.query('CREATE DATABASE dtm_bench'));
      const url = cluster.urlFor('dtm_bench');
      const { version, settings } = await describe(url);
      const pidText = await readFile(path.join(dir, 'pg', 'postmaster.pid'), 'utf8').catch(() => '');
      const postmasterPid = Number(pidText.split('\n')[0]) || null;
      const wal = await walReader(url);
      return {
        url, adminUrl: cluster.adminUrl, source: 'embedded', version, settings, postmasterPid, walBytes: wal.walBytes,
        stop: async () => {
          await wal.close();
          try {
            await cluster.stop();
          } finally {
            await rm(dir, { recursive: true, force: true });
            process.off('exit', removeOnExit);
          }
        },
      };
    } catch (err) {
      await cluster.stop().catch(() => undefined);
      throw err;
    }
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    process.off('exit', removeOnExit);
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------
// The server, as a child process: its CPU and memory are its own, apart from the client's.

export interface ServerProcess {
  url: string;
  pid: number;
  /** Server log lines (JSON, no request bodies), last few, for error reports. */
  logTail(): string;
  stop(): Promise<void>;
}

/**
 * The environment for a child process (server, its CLI, the sync client): ours without any DTM_* or
 * DATABASE_URL, so the bench's own shell settings never leak into what it measures, plus these.
 */
export function childEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !k.startsWith('DTM_') && k !== 'DATABASE_URL') env[k] = v;
  }
  return { ...env, ...extra };
}

const serverEnv = (databaseUrl: string, extra: Record<string, string>) => childEnv({ DATABASE_URL: databaseUrl, ...extra });

/** Calls `each` with every line a child writes to the stream. */
export function onLines(stream: NodeJS.ReadableStream, each: (line: string) => void): void {
  createInterface({ input: stream, crlfDelay: Infinity }).on('line', each);
}

/** The commit the bench ran and how many files under packages/ differed from it (null outside git). */
export function codeVersion(): { commit: string | null; uncommittedFiles: number | null } {
  const git = (args: string[]) => execFileSync('git', args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'ignore'] }).toString();
  try {
    return { commit: git(['rev-parse', '--short=12', 'HEAD']).trim(), uncommittedFiles: git(['status', '--porcelain', '--', 'packages']).split('\n').filter(Boolean).length };
  } catch {
    return { commit: null, uncommittedFiles: null };
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Spawns `node packages/dtm-server/bin/dtm-server.js serve` (the launcher, as `npx dtm-server` runs
 * it). At DTM_LOG_LEVEL=warn the server does not log its "dtm-server listening" line (that is info),
 * so the port is chosen here (a free one on 127.0.0.1) and readiness is GET /health/ready answering
 * 200; when the log level lets the line through, its `url` is used as soon as it appears.
 */
/**
 * The node flags a package's launcher (packages/<name>/bin/<name>.js) runs with, from its
 * `#!/usr/bin/env -S node ...` line: the benchmarks start the processes as a user's `npx <name>`
 * would, while still adding flags of their own (--cpu-prof).
 */
export function launcherFlags(name: 'dtm-server' | 'dtm-client'): string[] {
  const first = readFileSync(path.join(REPO_ROOT, 'packages', name, 'bin', `${name}.js`), 'utf8').split('\n', 1)[0]!;
  const m = /^#!\/usr\/bin\/env -S node((?: --[\w-]+(?:=\S+)?)*)\s*$/.exec(first);
  if (!m) throw new Error(`packages/${name}/bin/${name}.js: unexpected first line ${JSON.stringify(first)}`);
  return m[1]!.trim().split(/\s+/).filter(Boolean);
}

export async function spawnServer(
  databaseUrl: string,
  logLevel: string,
  opts: { cpuProfileDir?: string; timeoutMs?: number } = {},
): Promise<ServerProcess> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const port = await freePort();
  const env = serverEnv(databaseUrl, {
    DTM_HOST: '127.0.0.1',
    DTM_PORT: String(port),
    DTM_LOG_LEVEL: logLevel,
    DTM_SHUTDOWN_GRACE_MS: '5000',
    // Tokens are fetched once before the clock starts; let them outlive a slow run.
    DTM_ACCESS_TOKEN_TTL_SECONDS: '3600',
  });
  const nodeFlags = opts.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(opts.cpuProfileDir)}`] : [];
  const child = spawn(process.execPath, [...launcherFlags('dtm-server'), ...nodeFlags, 'packages/dtm-server/bin/dtm-server.js', 'serve'], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const tail: string[] = [];
  let loggedUrl: string | null = null;
  const keep = (line: string) => {
    if (!line.trim()) return;
    tail.push(line.length > 500 ? `${line.slice(0, 500)}...` : line);
    if (tail.length > 40) tail.shift();
    if (line.includes('dtm-server listening')) {
      try {
        const url = (JSON.parse(line) as { url?: string }).url;
        if (url?.startsWith('http://')) loggedUrl = url;
      } catch {
        // not JSON: ignore
      }
    }
  };
  for (const stream of [child.stdout, child.stderr]) onLines(stream, keep);
  let exited: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      resolve();
    });
  });
  const logTail = () => tail.join('\n');
  // Should this process exit first (a signal, see startDatabase), the server must not outlive it.
  const killOnExit = () => {
    if (!exited) child.kill('SIGTERM');
  };
  process.on('exit', killOnExit);

  const stop = async () => {
    if (!exited) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exit;
      clearTimeout(timer);
    }
    process.off('exit', killOnExit);
  };

  const guessed = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited) {
      const e = exited as { code: number | null; signal: NodeJS.Signals | null };
      throw new Error(`dtm-server exited before it was ready (code ${e.code}, signal ${e.signal}):\n${logTail()}`);
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`dtm-server was not ready within ${timeoutMs / 1000} s:\n${logTail()}`);
    }
    const url = loggedUrl ?? guessed;
    const ready = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(2000) }).then(
      async (r) => {
        await r.arrayBuffer();
        return r.status === 200;
      },
      () => false,
    );
    if (ready) return { url, pid: child.pid!, logTail, stop };
    await sleep(100);
  }
}

// ---------------------------------------------------------------------------------------------
// Access: when the server requires bearer tokens (it publishes /.well-known/smart-configuration),
// register a publisher and a consumer client with grants for the practice through the server's own
// CLI (`dtm-server clients add`, `grants add`, `token`), and fetch one access token for each.

export interface BenchAccess {
  /** 'bearer' when the server requires tokens, 'none' when it does not. */
  mode: 'bearer' | 'none';
  publisherHeaders: Record<string, string>;
  consumerHeaders: Record<string, string>;
  /**
   * The registered consumer (bearer mode only): its client id and private key file (JWK), for a
   * client that fetches its own tokens. The file lives until cleanup().
   */
  consumer: { clientId: string; privateKeyFile: string } | null;
  cleanup(): Promise<void>;
}

const execFileP = promisify(execFile);

async function dtmCli(databaseUrl: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await execFileP(process.execPath, ['packages/dtm-server/src/cli.ts', ...args], {
      cwd: REPO_ROOT,
      env: serverEnv(databaseUrl, { DTM_LOG_LEVEL: 'warn' }),
      timeout: 60_000,
      maxBuffer: 1024 * 1024,
    });
    return stdout;
  } catch (err) {
    const e = err as Error & { stderr?: string };
    throw new Error(`dtm-server ${args.slice(0, 2).join(' ')} failed: ${e.stderr?.trim() || e.message}`, { cause: err });
  }
}

export async function setUpAccess(server: ServerProcess, databaseUrl: string, ods: string): Promise<BenchAccess> {
  const probe = await fetch(`${server.url}/.well-known/smart-configuration`, { signal: AbortSignal.timeout(10_000) });
  await probe.arrayBuffer();
  if (probe.status === 404) return { mode: 'none', publisherHeaders: {}, consumerHeaders: {}, consumer: null, cleanup: async () => undefined };
  if (probe.status !== 200) throw new Error(`GET /.well-known/smart-configuration answered HTTP ${probe.status}`);

  const dir = await mkdtemp(path.join(os.tmpdir(), 'dtm-bench-keys-'));
  const removeOnExit = () => rmSync(dir, { recursive: true, force: true });
  process.on('exit', removeOnExit);
  const cleanup = async () => {
    await rm(dir, { recursive: true, force: true });
    process.off('exit', removeOnExit);
  };
  try {
    const headers: Record<string, Record<string, string>> = {};
    for (const role of ['publisher', 'consumer'] as const) {
      const id = `bench-${role}`;
      const keyFile = path.join(dir, `${id}.jwk.json`);
      await dtmCli(databaseUrl, ['clients', 'add', '--id', id, '--role', role, '--name', `dtm bench ${role}`, '--generate-key', keyFile]);
      // Terms wide enough that the bench never meets them: they are not what it measures.
      await dtmCli(databaseUrl, ['grants', 'add', '--client', id, '--practice', ods, '--sessions-per-day', '1000', '--requests-per-minute', '1000000']);
      const token = (await dtmCli(databaseUrl, ['token', '--url', server.url, '--client-id', id, '--private-key', keyFile])).trim();
      if (!/^[A-Za-z0-9\-._~+/]+=*$/.test(token)) throw new Error(`dtm-server token printed no token for ${id}`);
      headers[role] = { authorization: `Bearer ${token}` };
    }
    return {
      mode: 'bearer', publisherHeaders: headers.publisher!, consumerHeaders: headers.consumer!,
      consumer: { clientId: 'bench-consumer', privateKeyFile: path.join(dir, 'bench-consumer.jwk.json') }, cleanup,
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

/**
 * The server's own memory figures from its Prometheus /metrics (which answers loopback callers),
 * in bytes; null when they cannot be read.
 */
export async function serverMemoryMetrics(url: string): Promise<Record<string, number> | null> {
  const wanted = ['process_resident_memory_bytes', 'nodejs_heap_size_total_bytes', 'nodejs_heap_size_used_bytes', 'nodejs_external_memory_bytes'];
  try {
    const res = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(10_000) });
    const text = await res.text();
    if (res.status !== 200) return null;
    const out: Record<string, number> = {};
    for (const name of wanted) {
      const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.eE+-]+)`, 'm').exec(text);
      if (m) out[name] = Number(m[1]);
    }
    return Object.keys(out).length ? out : null;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// Machine facts and statistics

export interface MachineInfo {
  os: string;
  cpuModel: string;
  cpuCount: number;
  totalMemoryBytes: number;
  node: string;
  loadAverageAtStart: number[];
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cpuCount: os.availableParallelism(),
    totalMemoryBytes: os.totalmem(),
    node: process.version,
    loadAverageAtStart: os.loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

export interface Spread {
  median: number;
  min: number;
  max: number;
}

export function spread(values: number[]): Spread {
  if (values.length === 0) throw new Error('spread of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted.at(-1)! };
}

/** Nearest-rank percentile (p in 0..100). */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;
