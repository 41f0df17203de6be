// Bench scenario `freshness` (issue 7, scenario 2): how long after the Source publishes a change the
// Target holds it, while the sync client follows with long-polls. A practice is published and the
// follower (bench/freshness-follower.ts, the real Syncer, Store and validation) takes its initial
// extract; then a working day of changes is published on a compressed clock (bench/freshness-activity.ts)
// and every change is timed from its ingest request (sent, answered) to its commit in the Target
// store. Ends by checking the Target converged exactly to the server. Method: BENCHMARKS.md.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { generatePractice } from '../packages/dtm-server/src/seed/synthetic-practice.ts';
import { publishPractice } from '../packages/dtm-server/src/seed/publish.ts';
import { hrMs, publishActivity, schedule, type ActivityPlan, type TrackedBinary, type TrackedChange } from './freshness-activity.ts';
import { spawnFollower, type Follower } from './freshness-child.ts';
import { percentiles, writeFreshness, type CpuSplit, type FreshnessResult } from './freshness-report.ts';
import {
  clusterCpuSeconds, launcherFlags, dropDatabase, machineBusyCpuSeconds, machineInfo, memoryOf, processCpuSeconds, recreateDatabase, round,
  childEnv, codeVersion, setUpAccess, spawnServer, startDatabase, type BenchAccess, type BenchDatabase, type ServerProcess,
} from './support.ts';

/**
 * Full: an average English practice (about 8,800 patients, issue 7) and a busy working day for it
 * (1,000 batches: consultations, edits, letters, bookings), one every 200 ms on average, so the day
 * takes about 3.5 minutes (about 190× compressed) and about 5 changes/s reach the client, bursts of 25
 * included. Quick: 300 patients, 150 batches, about 30 s.
 */
export const FRESHNESS_DEFAULTS = {
  full: { patients: 8_800, plan: { ticks: 1_000, meanGapMs: 200, bursts: 4, burstSize: 25 } },
  quick: { patients: 300, plan: { ticks: 150, meanGapMs: 200, bursts: 2, burstSize: 10 } },
  seed: 20261123,
  ods: 'F12345',
  serverLogLevel: 'warn',
} as const;

const MB = 1e6;
const AIMS = { p99Ms: 2_000, clientRssBytes: 300 * MB, serverRssBytes: 500 * MB };
const INITIAL_EXTRACT_TIMEOUT_MS = 30 * 60_000;
/** After the last batch is answered, how long every change and document may take to arrive. */
const CATCH_UP_TIMEOUT_MS = 120_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface CpuMark { wall: number; bench: NodeJS.CpuUsage; client: number | null; server: number | null; postgres: number | null; machine: number | null }

async function cpuMark(clientPid: number, serverPid: number, db: BenchDatabase): Promise<CpuMark> {
  return {
    wall: hrMs(), bench: process.cpuUsage(), client: processCpuSeconds(clientPid), server: processCpuSeconds(serverPid),
    postgres: db.postmasterPid ? await clusterCpuSeconds(db.postmasterPid) : null, machine: machineBusyCpuSeconds(),
  };
}

function cpuSince(a: CpuMark, z: CpuMark): CpuSplit {
  const wall = (z.wall - a.wall) / 1000;
  const d = (x: number | null, y: number | null) => (x !== null && y !== null ? round(y - x, 3) : null);
  const bench = round((z.bench.user - a.bench.user + z.bench.system - a.bench.system) / 1e6, 3);
  const seconds = { client: d(a.client, z.client), server: d(a.server, z.server), postgres: d(a.postgres, z.postgres), bench, machine: d(a.machine, z.machine) };
  const cores = (s: number | null) => (s === null ? null : round(s / wall));
  const known = (seconds.client ?? 0) + (seconds.server ?? 0) + (seconds.postgres ?? 0) + bench;
  return {
    seconds,
    cores: { client: cores(seconds.client), server: cores(seconds.server), postgres: cores(seconds.postgres), bench: round(bench / wall), other: seconds.machine === null ? null : round(Math.max(0, seconds.machine - known) / wall) },
  };
}

/**
 * Every resource of the practice on both sides, compared row by row, and the server's versions with
 * the ones the bench expected (the delays were matched on them); throws listing differences.
 */
export async function checkConverged(serverUrl: string, targetUrl: string, ods: string, expected: Map<string, { version: number; deleted: boolean }>): Promise<FreshnessResult['convergence']> {
  const rowsOf = async (url: string, sql: string) => {
    const c = new pg.Client({ connectionString: url, application_name: 'dtm-bench' });
    await c.connect();
    try {
      return (await c.query<{ k: string; v: string; deleted: boolean }>(sql, [ods])).rows;
    } finally {
      await c.end();
    }
  };
  const source = await rowsOf(serverUrl, "SELECT resource_type || '/' || id AS k, version_id::text AS v, deleted FROM resource WHERE practice = $1");
  const target = await rowsOf(targetUrl, "SELECT resource_type || '/' || id AS k, version_id::text AS v, deleted FROM dtm_resource WHERE practice = $1");
  const binaries = await rowsOf(serverUrl, "SELECT id AS k, '' AS v, false AS deleted FROM binary_content WHERE practice = $1");
  const verified = await rowsOf(targetUrl, "SELECT id AS k, state AS v, false AS deleted FROM dtm_binary WHERE practice = $1");
  const problems: string[] = [];
  if (source.length !== expected.size) problems.push(`the server holds ${source.length} resources; the bench expected ${expected.size}`);
  for (const s of source) {
    const e = expected.get(s.k);
    if (e && (String(e.version) !== s.v || e.deleted !== s.deleted)) problems.push(`${s.k}: server v${s.v}, the bench expected v${e.version}`);
  }
  const held = new Map(target.map((r) => [r.k, r]));
  for (const s of source) {
    const t = held.get(s.k);
    if (!t) problems.push(`${s.k} v${s.v} missing from the Target`);
    else if (t.v !== s.v || t.deleted !== s.deleted) problems.push(`${s.k}: server v${s.v}${s.deleted ? ' deleted' : ''}, Target v${t.v}${t.deleted ? ' deleted' : ''}`);
    held.delete(s.k);
  }
  for (const k of held.keys()) problems.push(`${k} in the Target, not on the server`);
  const notVerified = verified.filter((b) => b.v !== 'verified');
  if (verified.length !== binaries.length) problems.push(`${verified.length} binaries known to the Target, ${binaries.length} on the server`);
  if (notVerified.length) problems.push(`${notVerified.length} binaries not verified in the Target`);
  if (problems.length) throw new Error(`freshness: the Target did not converge to the server (${problems.length} differences):\n  - ${problems.slice(0, 20).join('\n  - ')}`);
  return { resources: source.length, deleted: source.filter((r) => r.deleted).length, binariesVerified: verified.length };
}

export async function runBench(mode: 'quick' | 'full', log: (msg: string) => void): Promise<string> {
  const d = FRESHNESS_DEFAULTS;
  const plan: ActivityPlan = { ...d[mode].plan, seed: d.seed };
  const startedAt = new Date();
  const t0 = hrMs();
  const machine = machineInfo();
  const code = codeVersion();
  let db: BenchDatabase | null = null;
  let server: ServerProcess | null = null;
  let access: BenchAccess | null = null;
  let follower: Follower | null = null;
  let dataDir: string | null = null;
  const targetDb = process.env.DATABASE_URL?.trim() ? `dtm_target_fresh_${randomBytes(4).toString('hex')}` : 'dtm_target_fresh';
  try {
    db = await startDatabase(log);
    server = await spawnServer(db.url, d.serverLogLevel);
    access = await setUpAccess(server, db.url, d.ods);
    if (access.mode !== 'bearer' || !access.consumer) throw new Error('freshness needs a server that issues tokens (the follower fetches its own)');

    log(`generating and publishing the synthetic practice: ${d[mode].patients.toLocaleString('en-GB')} patients, seed ${d.seed}`);
    let practice: ReturnType<typeof generatePractice> | null = generatePractice({ ods: d.ods, patients: d[mode].patients, seed: d.seed });
    const p0 = hrMs();
    const published = await publishPractice(server.url, practice, { headers: access.publisherHeaders });
    const publishSeconds = (hrMs() - p0) / 1000;
    const counts = { resources: practice.resources.length, binaries: practice.binaries.length };
    if (published.created !== counts.resources) throw new Error(`publish: ${published.created} created of ${counts.resources}`);
    const versions = new Map(practice.resources.map((r) => [`${String(r.resourceType)}/${String(r.id)}`, { version: 1, deleted: false }]));
    // The day's ticks start "now" in simulated time; only their order and content matter.
    const ticks = schedule(practice, plan, new Date());
    // Let the practice go: at full size its objects would only bring the publisher long GC pauses.
    practice = null;
    log(`published ${counts.resources.toLocaleString('en-GB')} resources in ${publishSeconds.toFixed(1)} s; the day: ${ticks.length} ticks`);

    // What is waiting to be applied, by resource key (oldest version first), and binaries by id.
    const pending = new Map<string, TrackedChange[]>();
    const binaries = new Map<string, TrackedBinary>();
    let unapplied = 0;
    let unverified = 0;
    const track = (c: TrackedChange) => {
      const list = pending.get(c.key) ?? [];
      list.push(c);
      pending.set(c.key, list);
      unapplied++;
    };
    const trackBinary = (b: TrackedBinary) => {
      binaries.set(b.id, b);
      unverified++;
    };

    const targetUrl = await recreateDatabase(db.adminUrl, targetDb);
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'dtm-bench-fresh-'));
    const f0 = hrMs();
    follower = spawnFollower(childEnv({
      DTM_SERVER_URL: server.url, DTM_CLIENT_ID: access.consumer.clientId, DTM_PRIVATE_KEY_FILE: access.consumer.privateKeyFile,
      DTM_PRACTICE: d.ods, DTM_TARGET_DATABASE_URL: targetUrl, DTM_CLIENT_DATA_DIR: dataDir, DTM_PROGRESS: 'none',
    }), {
      applied(t, changes) {
        for (const [type, id, version] of changes) {
          const list = pending.get(`${type}/${id}`);
          while (list?.length && list[0]!.version <= version) {
            list.shift()!.appliedAt = t;
            unapplied--;
          }
        }
      },
      binary(t, id, state) {
        const b = binaries.get(id);
        if (b && state === 'verified' && b.verifiedAt === null) {
          b.verifiedAt = t;
          unverified--;
        }
      },
    });
    let extractTimer: NodeJS.Timeout | undefined;
    const idleAt = await Promise.race([follower.firstIdle, new Promise<never>((_, reject) => {
      extractTimer = setTimeout(() => reject(new Error(`the initial extract did not finish in ${INITIAL_EXTRACT_TIMEOUT_MS / 60_000} minutes`)), INITIAL_EXTRACT_TIMEOUT_MS);
    })]).finally(() => clearTimeout(extractTimer));
    const initialSeconds = (idleAt - f0) / 1000;
    const trips = await follower.checkClock(5);
    log(`follower: initial extract in ${initialSeconds.toFixed(1)} s; clock check: 5 pongs inside their round trips (max ${Math.max(...trips).toFixed(2)} ms)`);

    // Memory sampled while the day runs.
    let clientMax: number | null = null;
    let serverMax: number | null = null;
    const clientPid = follower.pid;
    const serverPid = server.pid;
    const sample = () => {
      const c = memoryOf(clientPid);
      const s = memoryOf(serverPid);
      if (c && Number.isFinite(c.rssBytes)) clientMax = Math.max(clientMax ?? 0, c.rssBytes);
      if (s && Number.isFinite(s.rssBytes)) serverMax = Math.max(serverMax ?? 0, s.rssBytes);
    };
    const sampler = setInterval(sample, 100);
    const m0 = await cpuMark(clientPid, serverPid, db);
    log(`publishing the working day: ${ticks.length} ticks, mean gap ${plan.meanGapMs} ms, ${plan.bursts} bursts of ${plan.burstSize}`);
    const activity = await publishActivity(server.url, d.ods, access.publisherHeaders, ticks, versions, track, trackBinary);
    const deadline = hrMs() + CATCH_UP_TIMEOUT_MS;
    while ((unapplied > 0 || unverified > 0) && hrMs() < deadline) {
      if (follower.exitCode() !== null) throw new Error(`the follower exited (code ${follower.exitCode()}) while following:\n${follower.stderrTail()}`);
      await sleep(5);
    }
    const m1 = await cpuMark(clientPid, serverPid, db);
    clearInterval(sampler);
    sample();
    if (unapplied > 0 || unverified > 0) {
      throw new Error(`${unapplied} changes and ${unverified} documents still not in the Target ${CATCH_UP_TIMEOUT_MS / 1000} s after the last batch:\n${follower.stderrTail()}`);
    }
    const peaks = { client: memoryOf(clientPid)?.peakRssBytes ?? null, server: memoryOf(serverPid)?.peakRssBytes ?? null };
    const stopped = await follower.stop();
    if (stopped.code !== 0 || !stopped.summary) throw new Error(`the follower exited with code ${stopped.code} on SIGTERM:\n${follower.stderrTail()}`);
    if (follower.resyncs) throw new Error(`the follower resynced ${follower.resyncs} times`);
    const convergence = await checkConverged(db.url, targetUrl, d.ods, versions);

    const delays = (from: 'sentAt' | 'answeredAt', which: (c: TrackedChange) => boolean) =>
      percentiles(activity.changes.filter(which).map((c) => c.appliedAt! - c[from]!));
    const within = (from: 'sentAt' | 'answeredAt') => Object.fromEntries([100, 250, 1000, 2000].map((limit) =>
      [String(limit), round((100 * activity.changes.filter((c) => c.appliedAt! - c[from]! <= limit).length) / activity.changes.length, 2)]));
    const all = () => true;
    const steady = (c: TrackedChange) => !c.burst;
    const burst = (c: TrackedChange) => c.burst;
    const fromSent = { all: delays('sentAt', all), steady: delays('sentAt', steady), burst: delays('sentAt', burst) };
    const cpu = cpuSince(m0, m1);
    const dayWall = (m1.wall - m0.wall) / 1000;
    const result: FreshnessResult = {
      benchmark: 'freshness', mode, startedAt: startedAt.toISOString(), finishedAt: '', durationSeconds: 0,
      machine: { ...machine, postgres: db.version, database: db.source },
      code,
      parameters: {
        patients: d[mode].patients, ...d[mode].plan, seed: d.seed, ods: d.ods, clientWaitSeconds: 30, clientPageSize: 1000,
        clock: 'process.hrtime.bigint() (CLOCK_MONOTONIC) in both processes, checked by ping/pong',
        serverProcess: `child process: node ${launcherFlags('dtm-server').join(' ')} packages/dtm-server/bin/dtm-server.js serve (the launcher, its flags and compile cache)`,
        clientProcess: `child process: node ${launcherFlags('dtm-client').join(' ')} bench/freshness-follower.ts (openSession + Syncer.follow, as dtm-client follow, with the client launcher's flags)`,
      },
      practice: { ...counts, publishSeconds: round(publishSeconds, 2) },
      initialExtract: { seconds: round(initialSeconds, 2) },
      clockCheck: { pings: trips.length, maxRoundTripMs: round(Math.max(...trips), 3) },
      activity: {
        ticks: ticks.length, changes: activity.changes.length, burstChanges: activity.changes.filter(burst).length, binaries: activity.binaries.length,
        seconds: round(activity.seconds, 2), simulatedHours: round(activity.simulatedHours, 2),
        compression: round((activity.simulatedHours * 3600) / activity.seconds, 1),
        changesPerSecond: round(activity.changes.length / activity.seconds, 2),
        sendLagMs: percentiles(activity.sendLagMs),
      },
      ingest: {
        batchMs: percentiles(activity.ingestMs), binaryPutMs: percentiles(activity.binaryPutMs),
        slowestBatches: activity.ingestMs.map((ms, tick) => ({ tick, ms: round(ms, 1), items: ticks[tick]!.items.map((i) => (i.op === 'delete' ? `delete ${i.resourceType}` : i.resource.resourceType)) }))
          .sort((x, y) => y.ms - x.ms).slice(0, 5),
      },
      delayFromAnsweredMs: { all: delays('answeredAt', all), steady: delays('answeredAt', steady), burst: delays('answeredAt', burst) },
      delayFromSentMs: fromSent,
      slowestChanges: [...activity.changes].sort((x, y) => (y.appliedAt! - y.sentAt) - (x.appliedAt! - x.sentAt)).slice(0, 5).map((c) => ({
        tick: c.tick, burst: c.burst, sentAtSeconds: round((c.sentAt - m0.wall) / 1000, 3), answeredMs: round(c.answeredAt! - c.sentAt, 1),
        delayMs: round(c.appliedAt! - c.sentAt, 1), appliedAtSeconds: round((c.appliedAt! - m0.wall) / 1000, 3),
      })),
      withinPercent: { fromAnswered: within('answeredAt'), fromSent: within('sentAt') },
      binaryDelayMs: percentiles(activity.binaries.map((b) => b.verifiedAt! - b.referencedAt!)),
      follow: {
        cpu, clientMaxRssBytes: clientMax, serverMaxRssBytes: serverMax, clientPeakRssBytes: peaks.client, serverPeakRssBytes: peaks.server,
        retries: follower.retries, resyncs: follower.resyncs, quarantined: Number(stopped.summary.quarantined ?? 0),
      },
      convergence,
      aims: {
        ...AIMS,
        // Judged on the longer measure (from the request being sent), so the ingest is counted too.
        p99Met: fromSent.all.p99 < AIMS.p99Ms,
        clientRssMet: peaks.client !== null && peaks.client < AIMS.clientRssBytes,
        serverRssMet: peaks.server !== null && peaks.server < AIMS.serverRssBytes,
      },
    };
    result.finishedAt = new Date().toISOString();
    result.durationSeconds = round((hrMs() - t0) / 1000, 1);
    const a = result.delayFromAnsweredMs.all;
    log(`day: ${result.activity.changes} changes in ${dayWall.toFixed(1)} s; answered → applied ms p50 ${a.p50}, p95 ${a.p95}, p99 ${a.p99}, max ${a.max}; ` +
      `sent → applied p99 ${fromSent.all.p99}; CPU cores client ${cpu.cores.client}, server ${cpu.cores.server}, PostgreSQL ${cpu.cores.postgres}`);
    log(`slowest changes (sent at s: answered ms, applied after ms, applied at s): ${result.slowestChanges
      .map((c) => `${c.sentAtSeconds}: ${c.answeredMs}, ${c.delayMs}, ${c.appliedAtSeconds}`).join('; ')}`);
    return await writeFreshness(result);
  } catch (err) {
    if (server && err instanceof Error) err.message += `\n--- server log (tail) ---\n${server.logTail() || '(empty)'}`;
    throw err;
  } finally {
    await follower?.stop().catch(() => undefined);
    if (db) await dropDatabase(db.adminUrl, targetDb).catch(() => undefined);
    await access?.cleanup().catch(() => undefined);
    await server?.stop().catch(() => undefined);
    await db?.stop().catch(() => undefined);
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  }
}
