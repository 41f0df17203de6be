// `npm run bench [-- --quick] [-- --only feed-ingest|client-e2e]`: the benchmarks (see BENCHMARKS.md
// for their method). Each writes bench/results/<name>[-quick].json, prints a table and rebuilds its
// section of BENCHMARKS.md.
import { parseArgs } from 'node:util';
import { FEED_INGEST_DEFAULTS, runFeedIngest, type FeedIngestOptions } from './feed-ingest.ts';
import { CLIENT_E2E_DEFAULTS, runClientE2e, type ClientE2eOptions } from './client-e2e.ts';
import { consoleTable, updateBenchmarksMd, writeResults } from './report.ts';
import { runCutoverBench, CUTOVER_DEFAULTS } from './cutover.ts';
import { clientE2eConsoleTable, updateClientE2eSection, writeClientE2eResults } from './client-e2e-report.ts';

const SCENARIOS = ['feed-ingest', 'client-e2e', 'cutover'] as const;
type Scenario = (typeof SCENARIOS)[number];

const HELP = `Usage: npm run bench [-- --quick] [-- --only feed-ingest|client-e2e|cutover]

Scenarios (both by default, one after the other, each with its own PostgreSQL and server):
  feed-ingest  ingest N ~1 KB Observations through the HTTP API, then read the whole feed back:
               full 100,000 resources and 3 measured reads; --quick 10,000 and 2
  client-e2e   publish the synthetic UK practice, then the sync client (dtm-client sync, a child
               process) takes the initial extract into a fresh Target database, validating every
               resource and fetching every binary: full ${CLIENT_E2E_DEFAULTS.full.patients.toLocaleString('en-GB')} patients (206,973 resources,
               3,354 binaries), 1 run; --quick ${CLIENT_E2E_DEFAULTS.quick.patients} patients (9,994 resources), 2 runs
  cutover      the weekend cutover rehearsal with a full-extract baseline: data phase (freeze to verified
               target-complete) after a week of activity: full ${CUTOVER_DEFAULTS.full.patients.toLocaleString('en-GB')} patients; --quick ${CUTOVER_DEFAULTS.quick.patients}

Options:
  --quick     the quick sizes above
  --only S    run scenario S alone (feed-ingest, client-e2e or cutover)
  --server-cpu-prof DIR
              run the server under node --cpu-prof, writing .cpuprofile files to DIR on exit (open them
              in Chrome DevTools); the figures are then skewed, so no results file is written
  --client-cpu-prof DIR
              client-e2e: run the sync client under node --cpu-prof into DIR and print its top
              functions by self time; no results file is written

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
      const opts: ClientE2eOptions = {
        mode,
        patients: d[mode].patients,
        runs: d[mode].runs,
        seed: d.seed,
        ods: d.ods,
        pageSize: d.pageSize,
        binaryParallel: d.binaryParallel,
        serverLogLevel: d.serverLogLevel,
        ...(serverProf ? { serverCpuProfileDir: serverProf } : {}),
        ...(clientProf ? { clientCpuProfileDir: clientProf } : {}),
      };
      log('scenario client-e2e');
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
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`\nBENCH FAILED: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
