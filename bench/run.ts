// `npm run bench [-- --quick]`: the feed-ingest benchmark (see BENCHMARKS.md for the method).
// Writes bench/results/feed-ingest[-quick].json, prints a table and rebuilds BENCHMARKS.md's section.
import { parseArgs } from 'node:util';
import { FEED_INGEST_DEFAULTS, runFeedIngest, type FeedIngestOptions } from './feed-ingest.ts';
import { consoleTable, updateBenchmarksMd, writeResults } from './report.ts';

const HELP = `Usage: npm run bench [-- --quick]

  (no flag)   full run: 100,000 resources of ~1 KB, 3 measured feed reads
  --quick     quick run: 10,000 resources, 2 measured feed reads
  --server-cpu-prof DIR
              run the server under node --cpu-prof, writing .cpuprofile files to DIR on exit (open them
              in Chrome DevTools); the figures are then skewed, so no results file is written

Uses DATABASE_URL (as an admin URL: a scratch database is created and dropped) when set, otherwise an
embedded PostgreSQL in a temporary directory. Everything runs on 127.0.0.1.
`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: { quick: { type: 'boolean' }, 'server-cpu-prof': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const mode = values.quick ? 'quick' : 'full';
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
    ...(values['server-cpu-prof'] ? { serverCpuProfileDir: values['server-cpu-prof'] } : {}),
  };
  const log = (msg: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
  const result = await runFeedIngest(opts, log);
  process.stdout.write(`${consoleTable(result)}\n`);
  if (opts.serverCpuProfileDir) {
    log(`server CPU profile in ${opts.serverCpuProfileDir}; results not written (profiling skews them)`);
    return 0;
  }
  const file = await writeResults(result);
  await updateBenchmarksMd();
  log(`wrote ${file} and BENCHMARKS.md`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`\nBENCH FAILED: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
