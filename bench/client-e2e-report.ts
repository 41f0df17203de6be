// Results of the client end-to-end benchmark: bench/results/client-e2e[-quick].json, the console
// table, and BENCHMARKS.md's section between the client-e2e markers (method, aims and figures,
// rebuilt from whichever results files exist).
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CLIENT_E2E_AIMS, CLIENT_E2E_DEFAULTS, type ClientE2eResult, type ClientRun, type E2eCpu } from './client-e2e.ts';
import { RESULTS_DIR, writeBenchmarksSection } from './report.ts';
import type { Spread } from './support.ts';

/** client-e2e-quick.json, or client-e2e-<patients>.json for each full size. */
export const clientE2eResultsFile = (r: { mode: 'quick' | 'full'; practice: { patients: number } }) =>
  path.join(RESULTS_DIR, r.mode === 'full' ? `client-e2e-${r.practice.patients}.json` : 'client-e2e-quick.json');
const RESULTS_FILE = /^client-e2e-(quick|\d+)\.json$/;
/** The largest English practice (issue 7): projected from the largest measured run. */
export const LARGEST_PRACTICE_PATIENTS = 85_000;
const START = '<!-- client-e2e:start -->';
const END = '<!-- client-e2e:end -->';
const HEADING = '## Client end to end: client-e2e';

export async function writeClientE2eResults(result: ClientE2eResult): Promise<string> {
  await mkdir(RESULTS_DIR, { recursive: true });
  const file = clientE2eResultsFile(result);
  await writeFile(file, JSON.stringify(result, null, 2) + '\n');
  return file;
}

/** Every results file, full sizes smallest first, then quick. */
async function readAllResults(): Promise<ClientE2eResult[]> {
  const names = (await readdir(RESULTS_DIR).catch(() => [] as string[])).filter((n) => RESULTS_FILE.test(n));
  const results = await Promise.all(names.map(async (n) => JSON.parse(await readFile(path.join(RESULTS_DIR, n), 'utf8')) as ClientE2eResult));
  const key = (r: ClientE2eResult) => (r.mode === 'quick' ? Number.MAX_SAFE_INTEGER : r.practice.patients);
  return results.sort((a, b) => key(a) - key(b));
}

const label = (r: ClientE2eResult) => (r.mode === 'full' ? `${int(r.practice.patients)} patients` : 'Quick (`--quick`)');

const MB = 1e6;
const int = (x: number) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-GB') : 'n/a');
const fixed = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
const mib = (b: number | null) => (b === null ? 'n/a' : `${fixed(b / 2 ** 20, 0)} MiB`);
const mb = (b: number | null) => (b === null ? 'n/a' : `${fixed(b / MB, 1)} MB`);
const cores = (x: number | null) => (x === null ? 'n/a' : fixed(x, 2));
const range = (s: Spread, f: (x: number) => string) => (s.min === s.max ? f(s.median) : `${f(s.median)} (${f(s.min)}–${f(s.max)})`);
const shortPg = (v: string) => /^PostgreSQL [\d.]+/.exec(v)?.[0] ?? v;

/** The run with the median time (the lower of the middle two): its details stand for the set. */
function medianRun(r: ClientE2eResult): ClientRun {
  const runs = [...r.runs].sort((a, b) => a.seconds - b.seconds);
  return runs[Math.floor((runs.length - 1) / 2)]!;
}

const cpuLine = (c: E2eCpu, who: 'client' | 'publisher') =>
  `${cores(c.clientCores)} / ${cores(c.serverCores)} / ${cores(c.postgresCores)}${who === 'client' ? ` / ${cores(c.benchCores)}` : ''} / ${cores(c.otherCores)}`;

function rows(r: ClientE2eResult): [string, string][] {
  const m = medianRun(r);
  const p = r.publish;
  const many = r.runs.length > 1;
  const med = many ? ' (median run)' : '';
  const states = (s: Record<string, number>) => Object.entries(s).map(([k, n]) => `${int(n)} ${k}`).join(', ') || 'none';
  return [
    ['Practice: patients; resources; JSON of resources', `${int(r.practice.patients)}; ${int(r.practice.resources)}; ${mb(r.practice.resourceBytes)}`],
    ['Practice: binaries (documents)', `${int(r.practice.binaries)}, ${mb(r.practice.binaryBytes)}`],
    ['Bytes per patient: resources JSON / binaries / feed responses', `${int(r.practice.resourceBytes / r.practice.patients)} / ${int(r.practice.binaryBytes / r.practice.patients)} / ${int(r.feed.responseBytes / r.practice.patients)}`],
    ['Publish (ingest): seconds; resources/s', `${fixed(p.seconds, 1)}; ${int(p.resourcesPerSecond)}`],
    ['Publish: MB/s of resources and binaries sent', fixed(p.megabytesPerSecond)],
    ['Publish: CPU cores, publisher (bench) / server / PostgreSQL / other', cpuLine(p.cpu, 'publisher')],
    ['Client runs (each into a fresh Target database), no warm-up', String(r.runs.length)],
    [`End to end: seconds, client start to exit 0${many ? ', median (min–max)' : ''}`, range(r.summary.seconds, (x) => fixed(x, 2))],
    [`**End to end: resources/s** (rows applied / seconds)${many ? ', median (min–max)' : ''}`, `**${range(r.summary.resourcesPerSecond, int)}**`],
    ['Feed responses, uncompressed JSON: MB in pages of the page size', `${mb(r.feed.responseBytes)} in ${int(r.feed.pages)} pages of ${int(r.feed.pageSize)}`],
    [`End to end: MB/s of feed responses${many ? ', median (min–max)' : ''}`, range(r.summary.feedMegabytesPerSecond, (x) => fixed(x))],
    [`End to end: resource bodies in the Target, MB; MB/s${med}`, `${mb(m.target.bodyBytes)}; ${fixed(m.bodyMegabytesPerSecond)}`],
    [`Phases, seconds: start-up / feed, validate, apply / binaries and issues / exit${med}`,
      `${fixed(m.phases.startupSeconds, 2)} / ${fixed(m.phases.feedSeconds, 2)} / ${fixed(m.phases.binariesSeconds, 2)} / ${fixed(m.phases.shutdownSeconds, 2)}`],
    [`Feed phase (feed, validate, apply): resources/s${med}`, int(m.feedResourcesPerSecond)],
    ['Feed alone for comparison: the bench reading the same pages once after the runs, resources/s', int(r.feed.resourcesPerSecond ?? NaN)],
    ['Target rows = published; quarantined by validation', `${r.runs.every((x) => x.target.rows === r.practice.resources) ? 'yes' : 'NO'} (${int(m.target.rows)}); ${int(m.quarantined)}`],
    ['Binaries in the Target by state; verified bytes', `${states(m.target.binaryStates)}; ${mb(m.target.binaryBytes)}`],
    ['Client HTTP retries', r.runs.map((x) => int(x.retries)).join(', ')],
    ['**Client peak RSS** (VmHWM, max over runs)', `**${mib(r.summary.clientPeakRssBytes)}**`],
    [`Client RSS, highest in start-up / feed phase / binaries phase${med}`, m.client.maxRssBytesByPhase
      ? `${mib(m.client.maxRssBytesByPhase.startup)} / ${mib(m.client.maxRssBytesByPhase.feed)} / ${mib(m.client.maxRssBytesByPhase.binaries)}` : 'n/a'],
    [`Client CPU seconds${med}`, fixed(m.client.cpuSeconds ?? NaN, 1)],
    [`CPU cores during the run, client / server / PostgreSQL / bench / other${med}`, cpuLine(m.cpu, 'client')],
    [`Target tables autoanalysed during the run, seconds after client start${med}`, m.target.lastAutoAnalyzeSeconds
      ? Object.entries(m.target.lastAutoAnalyzeSeconds).map(([k, v]) => `${k} ${v === null ? 'no' : fixed(v, 0)}`).join(', ') : 'n/a'],
    [`PostgreSQL WAL written during the run; Target database size after${med}`, `${mb(m.postgresWalBytes)}; ${mib(m.target.databaseBytes)}`],
    ['Server RSS idle at start / after publish / max during runs; peak (VmHWM)',
      `${mib(r.server.rssBytesAtStart)} / ${mib(r.server.rssBytesAfterPublish)} / ${mib(r.server.maxRssBytesDuringRuns)}; ${mib(r.server.peakRssBytes)}`],
    ['Whole bench run, seconds (generation and publish included)', fixed(r.durationSeconds, 0)],
  ];
}

/** The statements PostgreSQL was seen running most during the median run. */
function activityLines(r: ClientE2eResult, top = 6): string[] {
  return (medianRun(r).postgresActivity ?? []).slice(0, top).map((a) =>
    `${fixed(a.percent, 1).padStart(5)} %  ${a.database}  ${a.wait}  ${a.statement.length > 80 ? `${a.statement.slice(0, 80)}…` : a.statement}`);
}

function aimLine(r: ClientE2eResult): string {
  const met = (b: boolean) => (b ? 'met' : 'NOT met');
  return `end to end >= ${int(r.aims.resourcesPerSecond)} resources/s: ${met(r.aims.throughputMet)}; ` +
    `client peak RSS < ${int(r.aims.clientPeakRssBytes / MB)} MB: ${met(r.aims.memoryMet)}` +
    (r.aims.serverPeakRssBytes !== undefined ? `; server peak RSS < ${int(r.aims.serverPeakRssBytes / MB)} MB: ${met(r.aims.serverMemoryMet === true)}` : '');
}

/** Runs during which other processes used a fair share of the machine: their figures are disturbed. */
export function clientE2eDisturbances(r: ClientE2eResult): string[] {
  if (r.machine.database !== 'embedded') return [];
  const LIMIT = 0.25;
  const phases: [string, number | null][] = [
    ['publish', r.publish.cpu.otherCores],
    ...r.runs.map((x, i): [string, number | null] => [`run ${i + 1}`, x.cpu.otherCores]),
  ];
  return phases.filter(([, c]) => c !== null && c > LIMIT).map(([name, c]) => `${name} (${cores(c)} cores)`);
}

export function clientE2eConsoleTable(r: ClientE2eResult): string {
  const lines = rows(r).map(([k, v]): [string, string] => [k.replaceAll('**', ''), v.replaceAll('**', '')]);
  const w = Math.max(...lines.map(([k]) => k.length));
  const d = clientE2eDisturbances(r);
  return [
    `client-e2e (${r.mode}, ${int(r.practice.patients)} patients) on ${r.machine.cpuCount} × ${r.machine.cpuModel}, Node ${r.machine.node}, ${shortPg(r.machine.postgres)} (${r.machine.database})`,
    ...lines.map(([k, v]) => `  ${k.padEnd(w)}  ${v}`),
    `  aims: ${aimLine(r)}`,
    `  PostgreSQL activity during the run${r.runs.length > 1 ? ' (median run)' : ''}, share of 100 ms samples of pg_stat_activity:`,
    ...activityLines(r).map((l) => `    ${l}`),
    ...(d.length ? [`  WARNING: other processes were busy during ${d.join(', ')}: figures disturbed; rerun on a quiet machine`] : []),
  ].join('\n');
}

function machineLine(r: ClientE2eResult): string {
  const m = r.machine;
  return `${m.os}; ${m.cpuCount} × ${m.cpuModel}; ${fixed(m.totalMemoryBytes / 2 ** 30, 0)} GiB; Node ${m.node}; ` +
    `${shortPg(m.postgres)} (${m.database}); load average at start ${m.loadAverageAtStart.join(' ')}`;
}

function method(results: ClientE2eResult[]): string {
  const quick = results.find((r) => r.mode === 'quick');
  const d = CLIENT_E2E_DEFAULTS;
  const size = (patients: number, r: ClientE2eResult | undefined) =>
    `${int(patients)} patients${r ? ` (${int(r.practice.resources)} resources, ${mb(r.practice.resourceBytes)} of JSON, ${int(r.practice.binaries)} binaries of ${mb(r.practice.binaryBytes)})` : ''}`;
  const fullSizes = d.full.sizes.map((n) => size(n, results.find((r) => r.mode === 'full' && r.practice.patients === n))).join(' and ');
  return `A Target's initial extract with the real sync client: feed → validation → the Target's staging
PostgreSQL, then the binaries. \`npm run bench -- --only client-e2e [--quick] [--patients N]\` (\`bench/client-e2e.ts\`):

1. PostgreSQL and the server as for feed-ingest (embedded cluster or \`DATABASE_URL\`; \`dtm-server serve\`
   as a child process at \`DTM_LOG_LEVEL=warn\`); a publisher and a consumer client registered with the
   server's CLI, the consumer's grant with \`--sessions-per-day 1000 --requests-per-minute 1000000\`
   (each client run is a new retrieval session).
2. The repo's synthetic UK practice, \`generatePractice({ ods: '${d.ods}', patients, seed: ${d.seed} })\`
   (\`packages/dtm-server/src/seed/synthetic-practice.ts\`: Patients, Encounters, Conditions,
   Observations, medication, allergies, immunisations, DocumentReferences with their Binaries...):
   full run, one after the other, each with its own PostgreSQL and server: ${fullSizes}; \`--quick\`
   ${size(d.quick.patients, quick)}; \`--patients N\` one full run of N patients.
   **Publish**: \`publishPractice\` (\`seed/publish.ts\`) with the publisher's bearer token: binaries one
   at a time, then batches of 1,000 upserts one at a time; timed from the first request to the last
   response, the bench's own JSON serialisation and hashing included. **Settle**: then \`VACUUM (ANALYZE)\`
   of the Source database and a \`CHECKPOINT\`, as autovacuum would have done in the days between a
   practice being loaded and its Target starting (without it the first read pays hint-bit full-page
   writes, and an autovacuum may or may not land inside a run); since 2026-11-22, earlier figures did not.
3. **Each run** (${d.full.runs} full, ${d.quick.runs} with \`--quick\`; no warm-up): the Target database
   (\`dtm_target_bench\`, on the same cluster) is dropped and created, and a fresh data directory made
   (kept until the bench ends: this machine's disk is ext4 without a journal, where a new file skips
   every inode freed in the last few minutes, so deleting one run's 4,705 documents made the next
   run's file creation cost about 0.2 of a core; since 2026-11-22, earlier runs deleted it);
   then \`node packages/dtm-client/bin/dtm-client.js sync\` is spawned with \`DTM_SERVER_URL\`,
   \`DTM_CLIENT_ID\`, \`DTM_PRIVATE_KEY_FILE\` (the client fetches its own token), \`DTM_PRACTICE\`,
   \`DTM_TARGET_DATABASE_URL\`, \`DTM_CLIENT_DATA_DIR\`, \`DTM_PAGE_SIZE=${d.pageSize}\` and
   \`DTM_BINARY_PARALLEL=${d.binaryParallel}\` (the client's defaults) and \`DTM_PROGRESS=jsonl\`: the
   launcher, as \`npx dtm-client\` runs it, with its node flags and its compile cache (since
   2026-11-22; earlier runs started \`src/cli.ts\` with the launcher's flags, without the cache). It asks
   for compressed pages (its default, \`DTM_COMPRESSION=auto\`: the server sends zstd). The client
   migrates its schema, reads the feed from the beginning until up to date, validates every resource
   (\`validateResource\` from \`@dtm/shared\`: FHIR R4 schema and UK Core rules), applies each page with
   its checkpoint in one transaction, then downloads every binary and verifies it (SHA-256
   \`Repr-Digest\`, attachment size and SHA-1), raises data issues for quarantined records and exits.
   **Time** is from spawn to exit (code 0): Node start-up, migrations and the token included. The
   phases come from the client's JSON-lines events.
4. **Checks**, or the bench fails: exit code 0; the Target holds exactly the published resources
   (count, and count per resource type; no tombstones); the client's applied count equals it; every
   binary is \`verified\`, with the published count and total bytes, and on disk; the checkpoint has
   a cursor and the initial extract is marked complete. Records quarantined by validation are
   counted (a quarantined record is still applied).
5. **Figures**: resources/s = rows in the Target / seconds. MB/s = the feed's uncompressed JSON bytes / seconds;
   those bytes are counted by one extra read of the same feed with the same page size by the bench
   after the runs (the client does not report them); its speed is shown as "feed alone" (no
   validation, no apply; warm). Resource body bytes held by the Target are
   \`sum(octet_length(body))\` of \`dtm_resource\`. Client peak memory is its \`VmHWM\` from
   \`/proc/<pid>/status\`, polled every 100 ms (the maximum seen). CPU: the client's exactly (the
   bench's reaped-children time across the run), the server's and the whole PostgreSQL cluster's
   (both databases) from \`/proc\`, the bench's own (the monitor), and "other" for the rest of the
   machine, as cores used (CPU seconds / wall seconds). What PostgreSQL's backends are doing is
   sampled from \`pg_stat_activity\` every 100 ms during each run (statement, and wait event or
   CPU), to show where the time goes. 1 MB = 1,000,000 bytes; memory in MiB.
6. \`--client-cpu-prof DIR\` runs the client under \`node --cpu-prof\` and prints its top functions by
   self time; the figures are then skewed, so no results file is written. \`--client-node-flags "..."\`
   passes node flags to the client (tuning experiments; recorded in the results file).
7. **The largest practice** (about ${int(LARGEST_PRACTICE_PATIENTS)} patients) is not run here: it is **projected**
   linearly from the largest full run (resources, bytes and time per patient), which holds while the
   cost of a page does not grow with the practice (see the estate section for page latency against
   table size). Disk: both databases hold every byte (the Source's resource table and the Target's),
   plus binaries twice (the Source's chunks and the Target's files): see the bytes per patient row.`;
}

/** The largest practice projected linearly from the largest full run. */
function projection(results: ClientE2eResult[]): string | null {
  const r = results.filter((x) => x.mode === 'full').at(-1);
  if (!r) return null;
  const k = LARGEST_PRACTICE_PATIENTS / r.practice.patients;
  const m = medianRun(r);
  return `**Projected** for the largest practice (${int(LARGEST_PRACTICE_PATIENTS)} patients), linearly from the ` +
    `${int(r.practice.patients)}-patient run (×${fixed(k, 1)}): about ${int(r.practice.resources * k)} resources, ` +
    `${mb(r.practice.resourceBytes * k)} of resource JSON and ${mb(r.practice.binaryBytes * k)} of binaries; an initial extract ` +
    `of about ${fixed((m.seconds * k) / 60, 1)} minutes end to end at the measured ${int(m.seconds ? m.target.rows / m.seconds : NaN)} resources/s; ` +
    `the Target database about ${mib(m.target.databaseBytes * k)}. Client and server memory do not grow with the practice ` +
    '(pages of a fixed size, streamed), so their peaks stay as measured.';
}

export function clientE2eMarkdownSection(results: ClientE2eResult[]): string {
  const out: string[] = [];
  out.push('### Method', '', method(results), '');
  out.push('### Aims', '');
  out.push(`- At least **${int(CLIENT_E2E_AIMS.resourcesPerSecond)} resources/s end to end** with validation on this 2-core machine (full run: rows applied / seconds from client start to exit).`);
  out.push(`- Client peak RSS under **${int(CLIENT_E2E_AIMS.clientPeakRssBytes / MB)} MB** (${fixed(CLIENT_E2E_AIMS.clientPeakRssBytes / 2 ** 20, 0)} MiB), server peak RSS under **${int(CLIENT_E2E_AIMS.serverPeakRssBytes / MB)} MB**, whatever the practice size.`);
  out.push('', '### Results', '');
  if (results.length === 0) {
    out.push('_No results yet: run `npm run bench -- --only client-e2e`._');
    return out.join('\n');
  }
  out.push(`| Figure | ${results.map(label).join(' | ')} |`);
  out.push(`| --- | ${results.map(() => '---:').join(' | ')} |`);
  const table = results.map(rows);
  table[0]!.forEach(([label], k) => out.push(`| ${label} | ${table.map((t) => t[k]![1]).join(' | ')} |`));
  out.push('');
  const projected = projection(results);
  if (projected) out.push(projected, '');
  for (const r of results) {
    const d = clientE2eDisturbances(r);
    out.push(`- ${label(r)} run ${r.startedAt.slice(0, 16).replace('T', ' ')} UTC: ${machineLine(r)}. ` +
      (r.code?.commit ? `Code: commit ${r.code.commit}${r.code.uncommittedFiles ? ` with ${r.code.uncommittedFiles} uncommitted file(s) under packages/` : ''}. ` : '') +
      `Aims: ${aimLine(r).replaceAll('NOT met', '**not met**')}. Raw figures: \`bench/results/${path.basename(clientE2eResultsFile(r))}\`.` +
      (d.length ? ` **Disturbed**: other processes were busy during ${d.join(', ')}.` : ''));
  }
  for (const r of results) {
    out.push('', `${label(r)} run${r.runs.length > 1 ? ' (median run)' : ''}: what PostgreSQL's backends were running ` +
      '(share of the 100 ms samples of `pg_stat_activity` in which a backend ran the statement; database, wait event or CPU, statement):', '');
    for (const l of activityLines(r)) {
      const [pct, database, wait, ...rest] = l.trim().split(/\s{2,}/);
      out.push(database === '(none)' ? `- ${pct}: no statement running` : `- ${pct} ${database}, ${wait}: \`${rest.join('  ').replaceAll('`', "'")}\``);
    }
  }
  return out.join('\n');
}

/** Rebuilds the client-e2e section of BENCHMARKS.md, appending it (with its heading) if absent. */
export async function updateClientE2eSection(): Promise<void> {
  const results = await readAllResults();
  const section = `${START}\n${clientE2eMarkdownSection(results)}\n${END}`;
  await writeBenchmarksSection(START, END, section, `${HEADING}\n\n`);
}
