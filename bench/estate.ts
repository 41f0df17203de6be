// Bench scenario `estate` (issue 7, scenario 4): one DTM deployment holding a supplier's estate (many
// practices, most small, a few large ones being migrated) on one PostgreSQL, with many Targets
// reading their practices' feeds at once through two stateless server processes. Does a feed page
// cost the same when the `resource` table is 10x-200x bigger? Aim: page latency flat, within 1.5x.
//
// The same practices, with the same resources, are measured at both sizes: the table grows by other
// practices' rows, and every measured row is moved once while it grows (estate-load.ts), so its rows
// lie in the big table, not left where the small table put them.
// Writes bench/results/estate[-quick].json and BENCHMARKS.md's estate section (estate-report.ts).
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  clusterCpuSeconds, machineBusyCpuSeconds, machineInfo, memoryOf, percentile, processCpuSeconds, round, spawnServer, startDatabase,
  type BenchDatabase, type ServerProcess,
} from './support.ts';
import { RESULTS_DIR } from './report.ts';
import { estateLayout, growEstate, loadSmallEstate, partitionByPractice, tableSizes, type EstateShape, type TableSizes } from './estate-load.ts';
import { PAGE_LIMIT, fetchTokens, readConcurrently, readWholeFeed, registerConsumers, type Consumer, type PageSample } from './estate-consumers.ts';
import { explainFeedPage, type PlanSummary } from './estate-explain.ts';
import { updateEstateSection } from './estate-report.ts';

interface EstateParameters extends EstateShape {
  /** Seconds of the measured closed-loop window at each size. */
  windowSeconds: number;
  /** Sequential passes of one large practice's feed by a lone consumer, after one warm-up pass. */
  probePasses: number;
  /** Also rebuild the big table as PARTITION BY HASH (practice) and measure again. */
  partitions: number | null;
}

export const ESTATE_DEFAULTS: Record<'quick' | 'full', EstateParameters> = {
  quick: {
    practices: 200, consumers: 10, largeConsumers: 2, largeRows: 10_000, smallRows: 500,
    smallTableRows: 100_000, largeTableRows: 1_000_000, windowSeconds: 15, probePasses: 10, partitions: 16,
  },
  // Partitioning is compared on the quick size only: at 20M rows the copy would double the disk used.
  full: {
    practices: 2_000, consumers: 50, largeConsumers: 5, largeRows: 10_000, smallRows: 500,
    smallTableRows: 100_000, largeTableRows: 20_000_000, windowSeconds: 60, probePasses: 20, partitions: null,
  },
};

const SERVER_LOG_LEVEL = 'warn';

export interface LatencySummary {
  pages: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
}

function latency(pages: PageSample[]): LatencySummary | null {
  if (pages.length === 0) return null;
  const ms = pages.map((p) => p.ms);
  return { pages: pages.length, p50Ms: round(percentile(ms, 50)), p95Ms: round(percentile(ms, 95)), p99Ms: round(percentile(ms, 99)), maxMs: round(Math.max(...ms)) };
}

export interface SizeResult {
  label: string;
  partitioned: boolean;
  loadSeconds: number;
  sizes: TableSizes;
  bytesPerRow: number;
  plans: PlanSummary[];
  /** One consumer alone, one large practice's pages: the cost of a page without queueing. */
  probe: LatencySummary;
  /** Every consumer's first pass right after the load (caches as the load and VACUUM left them). */
  firstPass: { all: LatencySummary; wallSeconds: number };
  concurrent: {
    consumers: number;
    servers: number;
    wallSeconds: number;
    passes: number;
    resources: number;
    resourcesPerSecond: number;
    pagesPerSecond: number;
    mbPerSecond: number;
    all: LatencySummary;
    /** Pages of exactly PAGE_LIMIT changes (the large practices' extract pages). */
    fullPages: LatencySummary | null;
    /** The small practices' single pages. */
    smallPractices: LatencySummary | null;
    pagesPerServer: number[];
    /** Cores used (CPU seconds / wall seconds); other = the machine's busy cores not ours: above ~0.2 the run was disturbed. */
    cpuCores: { servers: number[]; postgres: number | null; bench: number; machine: number | null; other: number | null };
    /** CPU milliseconds per 1,000 resources served: both server processes together, and the PostgreSQL cluster. */
    cpuMsPer1000Resources: { servers: number; postgres: number | null };
  };
  serverPeakRssBytes: (number | null)[];
}

async function startServers(db: BenchDatabase): Promise<ServerProcess[]> {
  return Promise.all([spawnServer(db.url, SERVER_LOG_LEVEL), spawnServer(db.url, SERVER_LOG_LEVEL)]);
}

async function measureSize(
  db: BenchDatabase, consumers: Consumer[], p: EstateParameters,
  label: string, partitioned: boolean, loadSeconds: number, log: (msg: string) => void,
): Promise<SizeResult> {
  const sizes = await tableSizes(db.url);
  log(`${label}: ${sizes.rows.toLocaleString('en-GB')} rows, ${(sizes.totalBytes / 1e9).toFixed(2)} GB (table + indexes)`);
  const servers = await startServers(db);
  try {
    const urls = servers.map((s) => s.url);
    await fetchTokens(urls[0]!, consumers);
    const lead = consumers[0]!;
    const middle = Math.floor(lead.rows / 2 / PAGE_LIMIT) * PAGE_LIMIT;
    const plans = [await explainFeedPage(db.url, lead.ods, middle, PAGE_LIMIT, { cold: true })];

    const first = await readConcurrently(consumers, urls, 0);
    log(`  first pass: ${first.rows.toLocaleString('en-GB')} changes in ${first.wallSeconds.toFixed(1)} s, every consumer exact`);
    for (const [offset, generic] of [[0, false], [middle, false], [middle, true]] as const) {
      plans.push(await explainFeedPage(db.url, lead.ods, offset, PAGE_LIMIT, { generic }));
    }

    const probePages: PageSample[] = [];
    await readWholeFeed(lead, urls, 0, () => undefined);
    for (let i = 0; i < p.probePasses; i++) await readWholeFeed(lead, urls, i, (x) => probePages.push(x));
    const probe = latency(probePages)!;
    log(`  one consumer alone: page p50 ${probe.p50Ms} ms, p99 ${probe.p99Ms} ms (${probe.pages} pages)`);

    const cpu0 = { servers: servers.map((s) => processCpuSeconds(s.pid)), pg: db.postmasterPid ? await clusterCpuSeconds(db.postmasterPid) : null, bench: process.cpuUsage(), machine: machineBusyCpuSeconds() };
    const w = await readConcurrently(consumers, urls, p.windowSeconds);
    const pgCpu1 = db.postmasterPid ? await clusterCpuSeconds(db.postmasterPid) : null;
    const benchCpu = process.cpuUsage(cpu0.bench);
    const machine1 = machineBusyCpuSeconds();
    const per = (a: number | null, b: number | null) => (a === null || b === null ? null : round((b - a) / w.wallSeconds));
    const all = latency(w.pages)!;
    const pagesPerServer = urls.map((_, i) => w.pages.filter((x) => x.server === i).length);
    if (pagesPerServer.some((n) => n === 0)) throw new Error('a server process served no page: the consumers did not alternate');
    const concurrent = {
      consumers: consumers.length, servers: servers.length, wallSeconds: round(w.wallSeconds), passes: w.passes, resources: w.rows,
      resourcesPerSecond: Math.round(w.rows / w.wallSeconds), pagesPerSecond: round(w.pages.length / w.wallSeconds, 1),
      mbPerSecond: round(w.pages.reduce((s, x) => s + x.bytes, 0) / 1e6 / w.wallSeconds),
      all, fullPages: latency(w.pages.filter((x) => x.rows === PAGE_LIMIT)), smallPractices: latency(w.pages.filter((x) => !x.large)),
      pagesPerServer,
      cpuCores: (() => {
        const serverCores = servers.map((s, i) => per(cpu0.servers[i] ?? null, processCpuSeconds(s.pid)) ?? 0);
        const postgres = per(cpu0.pg, pgCpu1);
        const bench = round((benchCpu.user + benchCpu.system) / 1e6 / w.wallSeconds);
        const machine = per(cpu0.machine, machine1);
        const ours = serverCores.reduce((a, b) => a + b, 0) + (postgres ?? 0) + bench;
        return { servers: serverCores, postgres, bench, machine, other: machine === null || postgres === null ? null : round(Math.max(0, machine - ours)) };
      })(),
      cpuMsPer1000Resources: { servers: 0, postgres: null as number | null },
    };
    // CPU time per resource served depends far less than wall time on how busy the machine was: the
    // capacity figure docs/scaling.md builds on.
    const perK = (cores: number | null) => (cores === null ? null : round((cores * w.wallSeconds * 1000) / (w.rows / 1000)));
    concurrent.cpuMsPer1000Resources = { servers: perK(concurrent.cpuCores.servers.reduce((a, b) => a + b, 0))!, postgres: perK(concurrent.cpuCores.postgres) };
    log(`  ${consumers.length} consumers at once for ${concurrent.wallSeconds} s: page p50 ${all.p50Ms} ms, p99 ${all.p99Ms} ms; ` +
      `${concurrent.resourcesPerSecond.toLocaleString('en-GB')} resources/s; ${w.passes} exact passes; other work on the machine ${concurrent.cpuCores.other ?? 'n/a'} cores`);
    return {
      label, partitioned, loadSeconds: round(loadSeconds, 1), sizes, bytesPerRow: Math.round(sizes.totalBytes / sizes.rows), plans, probe,
      firstPass: { all: latency(first.pages)!, wallSeconds: round(first.wallSeconds) }, concurrent,
      serverPeakRssBytes: servers.map((s) => memoryOf(s.pid)?.peakRssBytes ?? null),
    };
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}

const ratio = (a: number | undefined, b: number | undefined) => (a && b ? round(b / a) : null);

export async function runBench(mode: 'quick' | 'full', log: (msg: string) => void): Promise<string> {
  const p = ESTATE_DEFAULTS[mode];
  const started = performance.now();
  const machine = machineInfo();
  const db = await startDatabase(log);
  try {
    // The first server start runs the migrations: the tables are then the server's own.
    await Promise.all((await startServers(db)).map((s) => s.stop()));
    const e = estateLayout(p);
    log(`estate: ${p.practices.toLocaleString('en-GB')} practices; ${p.consumers} consumers (${p.largeConsumers} of ${p.largeRows.toLocaleString('en-GB')} resources, ` +
      `${p.consumers - p.largeConsumers} of ${p.smallRows}); table ${p.smallTableRows.toLocaleString('en-GB')} then ${p.largeTableRows.toLocaleString('en-GB')} rows`);
    const consumers = await registerConsumers(db.url, e.measured);

    let t = performance.now();
    await loadSmallEstate(db.url, e, log);
    const small = await measureSize(db, consumers, p, 'small table', false, (performance.now() - t) / 1000, log);

    t = performance.now();
    await growEstate(db.url, e, log);
    const large = await measureSize(db, consumers, p, 'large table', false, (performance.now() - t) / 1000, log);

    let partitioned: SizeResult | null = null;
    if (p.partitions) {
      t = performance.now();
      await partitionByPractice(db.url, p.partitions, log);
      partitioned = await measureSize(db, consumers, p, `large table, ${p.partitions} hash partitions`, true, (performance.now() - t) / 1000, log);
    }

    const ratios = {
      rows: round(large.sizes.rows / small.sizes.rows, 1),
      probeP50: ratio(small.probe.p50Ms, large.probe.p50Ms),
      probeP99: ratio(small.probe.p99Ms, large.probe.p99Ms),
      concurrentP50: ratio(small.concurrent.all.p50Ms, large.concurrent.all.p50Ms),
      concurrentP99: ratio(small.concurrent.all.p99Ms, large.concurrent.all.p99Ms),
      fullPageP50: ratio(small.concurrent.fullPages?.p50Ms, large.concurrent.fullPages?.p50Ms),
      fullPageP99: ratio(small.concurrent.fullPages?.p99Ms, large.concurrent.fullPages?.p99Ms),
      resourcesPerSecond: ratio(small.concurrent.resourcesPerSecond, large.concurrent.resourcesPerSecond),
    };
    const flat = [ratios.concurrentP50, ratios.concurrentP99, ratios.probeP50, ratios.probeP99].every((r) => r !== null && r <= 1.5);
    const result = {
      benchmark: 'estate', mode, at: new Date().toISOString(), machine,
      database: { source: db.source, version: db.version, settings: db.settings },
      parameters: { ...p, pageLimit: PAGE_LIMIT, serverProcesses: 2, serverLogLevel: SERVER_LOG_LEVEL },
      estate: {
        measuredPractices: e.measured.map((m) => ({ ods: m.ods, rows: m.rows, large: m.large })),
        otherPractices: e.others.length, otherRowsSmall: e.otherRowsSmall, otherRowsGrowth: e.otherRowsGrowth,
      },
      sizes: [small, large, ...(partitioned ? [partitioned] : [])],
      ratios,
      aim: { flatWithin: 1.5, met: flat },
      wholeRunSeconds: round((performance.now() - started) / 1000, 1),
    };
    const file = path.join(RESULTS_DIR, mode === 'quick' ? 'estate-quick.json' : 'estate.json');
    await writeFile(file, JSON.stringify(result, null, 2) + '\n');
    await updateEstateSection();
    log(`estate: ${ratios.rows}x the rows; page p50 x${ratios.concurrentP50}, p99 x${ratios.concurrentP99} under load; ` +
      `alone p50 x${ratios.probeP50}, p99 x${ratios.probeP99}: ${flat ? 'flat within 1.5x' : 'NOT flat within 1.5x'}`);
    return file;
  } finally {
    await db.stop();
  }
}
