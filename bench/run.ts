// `npm run bench [-- --quick] [-- --only SCENARIO]`: the benchmarks (see BENCHMARKS.md
// for their method). Each writes bench/results/<name>[-quick].json, prints a table and rebuilds its
// section of BENCHMARKS.md.
import { parseArgs } from 'node:util';
import { FEED_INGEST_DEFAULTS, runFeedIngest, type FeedIngestOptions } from './feed-ingest.ts';
import { CLIENT_E2E_DEFAULTS, runClientE2e, type ClientE2eOptions } from './client-e2e.ts';
import { consoleTable, updateBenchmarksMd, writeResults } from './report.ts';
import { runCutoverBench, CUTOVER_DEFAULTS } from './cutover.ts';
import { clientE2eConsoleTable, updateClientE2eSection, writeClientE2eResults } from './client-e2e-report.ts';

// Scenarios with their own module under bench/ that exports `runBench(mode, log)`: it runs, writes its
// results file and its BENCHMARKS.md section, and returns the results file's path.
const MODULE_SCENARIOS = ['freshness', 'estate', 'bandwidth'] as const;
const SCENARIOS = ['feed-ingest', 'client-e2e', 'cutover', ...MODULE_SCENARIOS] as const;
type Scenario = (typeof SCENARIOS)[number];
type ModuleScenario = (typeof MODULE_SCENARIOS)[number];
interface ScenarioModule {
  runBench(mode: 'quick' | 'full', log: (msg: string) => void): Promise<string>;
}

const HELP = `Usage: npm run bench [-- --quick] [-- --only SCENARIO]

Scenarios (all by default, one after the other, each with its own PostgreSQL and server):
  feed-ingest  ingest N ~1 KB Observations through the HTTP API, then read the whole feed back;
               then download D documents of 20 kB, 12 at a time (CPU per download): full 100,000
               resources, 1,000 documents and 3 measured passes of each; --quick 10,000, 200 and 2
  client-e2e   publish the synthetic UK practice, then the sync client (dtm-client sync, a child
               process) takes the initial extract into a fresh Target database, validating every
               resource and fetching every binary: full ${CLIENT_E2E_DEFAULTS.full.sizes.map((n) => n.toLocaleString('en-GB')).join(' then ')} patients
               (about 30 resources each), ${CLIENT_E2E_DEFAULTS.full.runs} runs each; --quick ${CLIENT_E2E_DEFAULTS.quick.patients} patients (9,994 resources), 2 runs;
               --patients N: one full run of N patients
  cutover      the weekend cutover rehearsal with a full-extract baseline: data phase (freeze to verified
               target-complete) after a week of activity: full ${CUTOVER_DEFAULTS.full.patients.toLocaleString('en-GB')} patients; --quick ${CUTOVER_DEFAULTS.quick.patients}
  freshness    publish a practice; a follower (real Syncer, Store, validation, long-poll) takes the initial
               extract, then a working day of changes is published on a compressed clock (Poisson gaps
               plus bursts); delay from ingest sent/answered to committed in the Target, p50/p95/p99/max:
               full 8,800 patients, 1,000 batches; --quick 300 patients, 150 batches
  bandwidth    the synthetic UK practice's whole feed read as identity, gzip and zstd (limit 1000): bytes on
               the wire, ratio, read time, server CPU, and the time at 70 Mbit/s with binaries: full 10,000
               patients, 3 runs per coding; --quick 500, 2
  estate       2 server processes, one PostgreSQL: 50 Targets (one practice each) read their feeds at once;
               page latency p50/p99 with resource at 100,000 then 20,000,000 rows, EXPLAIN of the page
               query: full 2,000 practices; --quick 200 practices, 10 consumers, 100,000 -> 1,000,000 rows,
               plus a hash-partitioned rerun

Options:
  --quick     the quick sizes above
  --only S    run scenario S alone (${SCENARIOS.join(', ')})
  --server-cpu-prof DIR
              run the server under node --cpu-prof, writing .cpuprofile files to DIR on exit (open them
              in Chrome DevTools); the figures are then skewed, so no results file is written
  --client-cpu-prof DIR
              client-e2e: run the sync client under node --cpu-prof into DIR and print its top
              functions by self time; no results file is written
  --client-node-flags="FLAGS"
              client-e2e: extra node flags for the sync client (e.g. "--max-old-space-size=128"), for
              tuning experiments; recorded in the results file

Uses DATABASE_URL (as an admin URL: scratch databases are created and dropped) when set, otherwise an
embedded PostgreSQL in a temporary directory. Everything runs on 127.0.0.1.
`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      quick: { type: 'boolean' },
      only: { type: 'string' },
      'server-cpu-prof': { type: 'string' },
      'client-cpu-prof': { type: 'string' },
      'client-node-flags': { type: 'string' },
      patients: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (values.only !== undefined && !(SCENARIOS as readonly string[]).includes(values.only)) {
    process.stderr.write(`--only must be one of ${SCENARIOS.join(', ')}\n\n${HELP}`);
    return 2;
  }
  const scenarios: readonly Scenario[] = values.only ? [values.only as Scenario] : SCENARIOS;
  const mode = values.quick ? 'quick' : 'full';
  const log = (msg: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
  const serverProf = values['server-cpu-prof'];
  const clientProf = values['client-cpu-prof'];

  for (const scenario of scenarios) {
    if ((MODULE_SCENARIOS as readonly string[]).includes(scenario)) {
      log(`scenario ${scenario}`);
      const mod = (await import(`./${scenario as ModuleScenario}.ts`)) as ScenarioModule;
      log(`wrote ${await mod.runBench(mode, log)} and BENCHMARKS.md`);
      continue;
    }
    if (scenario === 'cutover') {
      log('scenario cutover');
      log(`wrote ${await runCutoverBench(mode, log)} and BENCHMARKS.md`);
      continue;
    }
    if (scenario === 'feed-ingest') {
      const d = FEED_INGEST_DEFAULTS;
      const opts: FeedIngestOptions = {
        mode,
        resources: d[mode].resources,
        resourceBytes: d.resourceBytes,
        batchSize: d.batchSize,
        ingestConcurrency: d.ingestConcurrency,
        pageLimit: d.pageLimit,
        readRuns: d[mode].readRuns,
        warmupReads: d.warmupReads,
        documents: d[mode].documents,
        documentBytes: d.documentBytes,
        documentParallel: d.documentParallel,
        seed: d.seed,
        ods: d.ods,
        serverLogLevel: d.serverLogLevel,
        ...(serverProf ? { serverCpuProfileDir: serverProf } : {}),
      };
      log('scenario feed-ingest');
      const result = await runFeedIngest(opts, log);
      process.stdout.write(`${consoleTable(result)}\n`);
      if (opts.serverCpuProfileDir) {
        log(`server CPU profile in ${opts.serverCpuProfileDir}; results not written (profiling skews them)`);
        continue;
      }
      const file = await writeResults(result);
      await updateBenchmarksMd();
      log(`wrote ${file} and BENCHMARKS.md`);
    } else {
      const d = CLIENT_E2E_DEFAULTS;
      const sizes = values.patients ? [Number(values.patients)] : mode === 'quick' ? [d.quick.patients] : d.full.sizes;
      if (sizes.some((n) => !Number.isInteger(n) || n < 50)) {
        process.stderr.write('--patients must be a whole number of at least 50\n');
        return 2;
      }
      for (const patients of sizes) {
        const opts: ClientE2eOptions = {
          mode,
          patients,
          runs: d[mode].runs,
          seed: d.seed,
          ods: d.ods,
          pageSize: d.pageSize,
          binaryParallel: d.binaryParallel,
          serverLogLevel: d.serverLogLevel,
          ...(serverProf ? { serverCpuProfileDir: serverProf } : {}),
          ...(clientProf ? { clientCpuProfileDir: clientProf } : {}),
          ...(values['client-node-flags'] ? { clientNodeFlags: values['client-node-flags'].split(/\s+/).filter(Boolean) } : {}),
        };
        log(`scenario client-e2e: ${patients.toLocaleString('en-GB')} patients`);
        const result = await runClientE2e(opts, log);
        process.stdout.write(`${clientE2eConsoleTable(result)}\n`);
        if (serverProf || clientProf) {
          log(`CPU profile(s) in ${[serverProf, clientProf].filter(Boolean).join(' and ')}; results not written (profiling skews them)`);
          continue;
        }
        const file = await writeClientE2eResults(result);
        // The feed-ingest section is rebuilt too (from its files, unchanged) so a missing BENCHMARKS.md is recreated whole.
        await updateBenchmarksMd();
        await updateClientE2eSection();
        log(`wrote ${file} and BENCHMARKS.md`);
      }
    }
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`\nBENCH FAILED: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
