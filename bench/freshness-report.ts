// The freshness benchmark's results: their shape, bench/results/freshness[-quick].json, and the
// generated `freshness` section of BENCHMARKS.md (rebuilt from whichever results files exist).
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { RESULTS_DIR, writeBenchmarksSection } from './report.ts';
import { percentile, round, type MachineInfo } from './support.ts';

const START = '<!-- freshness:start -->';
const END = '<!-- freshness:end -->';
const MiB = 2 ** 20;

/** Nearest-rank percentiles of a set of durations, ms. */
export interface Percentiles {
  count: number;
  min: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

export function percentiles(values: number[]): Percentiles {
  if (values.length === 0) return { count: 0, min: NaN, p50: NaN, p95: NaN, p99: NaN, max: NaN, mean: NaN };
  const r = (x: number) => round(x, 1);
  return {
    count: values.length, min: r(Math.min(...values)), p50: r(percentile(values, 50)), p95: r(percentile(values, 95)),
    p99: r(percentile(values, 99)), max: r(Math.max(...values)), mean: r(values.reduce((a, b) => a + b, 0) / values.length),
  };
}

export interface CpuSplit {
  seconds: { client: number | null; server: number | null; postgres: number | null; bench: number; machine: number | null };
  cores: { client: number | null; server: number | null; postgres: number | null; bench: number; other: number | null };
}

export interface FreshnessResult {
  benchmark: 'freshness';
  mode: 'quick' | 'full';
  startedAt: string;
  finishedAt: string;
  durationSeconds: number;
  machine: MachineInfo & { postgres: string; database: 'embedded' | 'DATABASE_URL' };
  code: { commit: string | null; uncommittedFiles: number | null };
  parameters: {
    patients: number; ticks: number; meanGapMs: number; bursts: number; burstSize: number; seed: number; ods: string;
    clientWaitSeconds: number; clientPageSize: number; clock: string; serverProcess: string; clientProcess: string;
  };
  practice: { resources: number; binaries: number; publishSeconds: number };
  initialExtract: { seconds: number };
  clockCheck: { pings: number; maxRoundTripMs: number };
  activity: {
    ticks: number; changes: number; burstChanges: number; binaries: number; seconds: number; simulatedHours: number;
    /** Simulated time / real time. */
    compression: number;
    changesPerSecond: number;
    sendLagMs: Percentiles;
  };
  ingest: {
    batchMs: Percentiles; binaryPutMs: Percentiles;
    /** The five slowest ingest batches: tick number, ms, the resource types they carried. */
    slowestBatches: { tick: number; ms: number; items: string[] }[];
  };
  /** Ingest answered (committed, available) to committed in the Target store. */
  delayFromAnsweredMs: { all: Percentiles; steady: Percentiles; burst: Percentiles };
  /** Ingest request sent to committed in the Target store. */
  delayFromSentMs: { all: Percentiles; steady: Percentiles; burst: Percentiles };
  /**
   * The five changes slowest from sent to applied, each with when it was sent (seconds into the day),
   * how long its ingest took to answer, and when it was applied: changes applied at the same instant
   * came in one page, so several slow ones applied together point at one stall, not several.
   */
  slowestChanges: { tick: number; burst: boolean; sentAtSeconds: number; answeredMs: number; delayMs: number; appliedAtSeconds: number }[];
  /** Share of changes (%) committed in the Target within 100, 250, 1,000 and 2,000 ms. */
  withinPercent: { fromAnswered: Record<string, number>; fromSent: Record<string, number> };
  /** DocumentReference answered to its binary fetched and verified by the client. */
  binaryDelayMs: Percentiles;
  follow: {
    cpu: CpuSplit;
    clientMaxRssBytes: number | null; serverMaxRssBytes: number | null;
    /** VmHWM at the end: the whole run, the initial extract (client) and the publish (server) included. */
    clientPeakRssBytes: number | null; serverPeakRssBytes: number | null;
    retries: number; resyncs: number; quarantined: number;
  };
  convergence: { resources: number; deleted: number; binariesVerified: number };
  aims: { p99Ms: number; clientRssBytes: number; serverRssBytes: number; p99Met: boolean; clientRssMet: boolean; serverRssMet: boolean };
}

export const resultsFileOf = (mode: 'quick' | 'full') => path.join(RESULTS_DIR, mode === 'quick' ? 'freshness-quick.json' : 'freshness.json');

export async function writeFreshness(result: FreshnessResult): Promise<string> {
  await mkdir(RESULTS_DIR, { recursive: true });
  const file = resultsFileOf(result.mode);
  await writeFile(file, JSON.stringify(result, null, 2) + '\n');
  await updateFreshnessSection();
  return file;
}

const n0 = (x: number) => Math.round(x).toLocaleString('en-GB');
const ms = (x: number) => (Number.isFinite(x) ? (x >= 100 ? n0(x) : x.toFixed(1)) : '-');
const pct = (p: Percentiles) => (p.count ? `${ms(p.p50)} / ${ms(p.p95)} / ${ms(p.p99)} / ${ms(p.max)}` : '-');
const short = (p: Percentiles) => (p.count ? `${ms(p.p50)} / ${ms(p.p99)} / ${ms(p.max)} (${n0(p.count)})` : '-');
const mib = (b: number | null) => (b === null ? 'n/a' : `${(b / MiB).toFixed(0)} MiB`);
const c2 = (x: number | null) => (x === null ? 'n/a' : x.toFixed(2));
const yes = (b: boolean) => (b ? 'met' : '**not met**');

function rows(r: FreshnessResult): string[] {
  const a = r.activity;
  const f = r.follow;
  return [
    `${n0(r.parameters.patients)}; ${n0(r.practice.resources)}; ${n0(r.practice.binaries)}`,
    `${r.initialExtract.seconds.toFixed(1)}`,
    `${n0(a.ticks)}; ${n0(a.changes)} (${n0(a.burstChanges)} in bursts); ${n0(a.binaries)}`,
    `${a.seconds.toFixed(1)} s for ${a.simulatedHours.toFixed(1)} h (${n0(a.compression)}×); ${a.changesPerSecond.toFixed(1)} changes/s`,
    `${r.parameters.meanGapMs}; ${r.parameters.bursts} × ${r.parameters.burstSize}`,
    `${ms(a.sendLagMs.p50)} / ${ms(a.sendLagMs.max)}`,
    pct(r.ingest.batchMs),
    `${ms(r.ingest.binaryPutMs.p50)} / ${ms(r.ingest.binaryPutMs.max)}`,
    `**${pct(r.delayFromAnsweredMs.all)}**`,
    pct(r.delayFromSentMs.all),
    `${short(r.delayFromAnsweredMs.steady)}; ${short(r.delayFromAnsweredMs.burst)}`,
    `${ms(r.delayFromAnsweredMs.all.min)}; ${ms(r.delayFromAnsweredMs.all.mean)}`,
    (['fromAnswered', 'fromSent'] as const).map((k) => Object.values(r.withinPercent[k]).map((v) => `${v}`).join(' / ')).join('; '),
    short(r.binaryDelayMs),
    `${c2(f.cpu.cores.client)} / ${c2(f.cpu.cores.server)} / ${c2(f.cpu.cores.postgres)} / ${c2(f.cpu.cores.bench)} / ${c2(f.cpu.cores.other)}`,
    `${c2(f.cpu.seconds.client)} / ${c2(f.cpu.seconds.server)} / ${c2(f.cpu.seconds.postgres)}`,
    `${mib(f.clientMaxRssBytes)}; ${mib(f.clientPeakRssBytes)}`,
    `${mib(f.serverMaxRssBytes)}; ${mib(f.serverPeakRssBytes)}`,
    `${f.retries}; ${f.resyncs}; ${f.quarantined}`,
    `yes: ${n0(r.convergence.resources)} resources (${n0(r.convergence.deleted)} deleted), ${n0(r.convergence.binariesVerified)} binaries verified`,
    `${r.clockCheck.pings}; ${ms(r.clockCheck.maxRoundTripMs)}`,
    `${n0(r.durationSeconds)}`,
  ];
}

const LABELS = [
  'Practice: patients; resources; binaries',
  'Initial extract by the follower (start to first idle), seconds',
  'Working day: ticks (ingest batches); changes; documents',
  'Activity: real time; simulated time (compression); rate',
  'Tick spacing: mean exponential gap, ms; bursts × back-to-back ticks',
  'Send lag behind schedule (previous batch in flight), ms p50 / max',
  'Ingest batch latency (POST /changes to answer), ms p50 / p95 / p99 / max',
  'Binary upload (PUT to answer), ms p50 / max',
  '**Delay, ingest answered → committed in the Target, ms p50 / p95 / p99 / max**',
  'Delay, ingest sent → committed in the Target, ms p50 / p95 / p99 / max',
  'Answered → committed: steady ticks; burst ticks, ms p50 / p99 / max (changes)',
  'Answered → committed: min; mean, ms',
  'Share of changes committed in the Target within 100 / 250 / 1,000 / 2,000 ms, %: from answered; from sent',
  'Document: answered → binary fetched and verified, ms p50 / p99 / max (documents)',
  'CPU cores during the day, client / server / PostgreSQL / bench / other',
  'CPU seconds during the day, client / server / PostgreSQL',
  'Client RSS: max during the day; peak (VmHWM, initial extract included)',
  'Server RSS: max during the day; peak (VmHWM, publish included)',
  'Client HTTP retries; resyncs; quarantined by validation',
  'Target = Source at the end (every resource\'s version and deletion)',
  'Clock check: pings; max round trip, ms',
  'Whole bench run, seconds',
];

async function read(mode: 'quick' | 'full'): Promise<FreshnessResult | null> {
  return readFile(resultsFileOf(mode), 'utf8').then((t) => JSON.parse(t) as FreshnessResult, () => null);
}

export async function updateFreshnessSection(): Promise<void> {
  const runs = (await Promise.all((['full', 'quick'] as const).map(read))).filter((r): r is FreshnessResult => r !== null);
  const columns = runs.map((r) => rows(r));
  const table = [
    `| Figure | ${runs.map((r) => (r.mode === 'full' ? 'Full' : 'Quick (`--quick`)')).join(' | ')} |`,
    `| --- |${runs.map(() => ' ---: |').join('')}`,
    ...LABELS.map((label, i) => `| ${label} | ${columns.map((c) => c[i]).join(' | ')} |`),
  ];
  const notes = runs.map((r) => `- ${r.mode === 'full' ? 'Full' : 'Quick'} run ${r.startedAt.slice(0, 16).replace('T', ' ')} UTC: ${r.machine.os}; ` +
    `${r.machine.cpuCount} × ${r.machine.cpuModel}; ${Math.round(r.machine.totalMemoryBytes / 2 ** 30)} GiB; Node ${r.machine.node}; ${r.machine.postgres.split(' on ')[0]} (${r.machine.database}); ` +
    `load average at start ${r.machine.loadAverageAtStart.join(' ')}${(r.follow.cpu.cores.other ?? 0) > 0.2 ? ` (other processes used ${r.follow.cpu.cores.other} cores during the day: a disturbed run)` : ''}. Code: commit ${r.code.commit ?? 'unknown'}${r.code.uncommittedFiles ? ` with ${r.code.uncommittedFiles} files changed under packages/` : ''}. ` +
    `Aims: p99 < ${r.aims.p99Ms / 1000} s (sent → committed): ${yes(r.aims.p99Met)}; client RSS < ${r.aims.clientRssBytes / 1e6} MB: ${yes(r.aims.clientRssMet)}; ` +
    `server RSS < ${r.aims.serverRssBytes / 1e6} MB: ${yes(r.aims.serverRssMet)}. Raw figures: \`bench/results/${path.basename(resultsFileOf(r.mode))}\`.`);
  const section = `${START}
## Freshness: publish to applied while the client follows

\`npm run bench -- --only freshness\` (issue 7, scenario 2). One PostgreSQL cluster holds the server's
database and the Target's; the server (\`dtm-server serve\`) and the follower are child processes.

1. The synthetic practice is published (\`publishPractice\`), then the **follower** starts: a child
   process (\`bench/freshness-follower.ts\`) that opens the same session as \`dtm-client follow\` (real
   \`Syncer\`, \`Store\`, FHIR R4 + UK Core validation, default page size and 30 s long-poll) into a
   fresh Target database, takes the initial extract and goes on long-polling.
2. Once it is idle, the bench publishes a **working day** of the practice (\`playWorkingWeek\`, one
   day, one ingest batch per tick, documents' binaries uploaded first) on a compressed clock:
   exponential gaps (a Poisson process: independent clinicians, near-coincident arrivals included)
   from a seeded generator, plus a few **bursts** of ticks sent back to back. One batch in flight at
   a time, as one Source publishes one practice.
3. **Timing.** Each change is stamped when its \`POST /changes\` was sent and when its answer was read
   (committed on the server: available to readers); the follower stamps the instant each page's
   transaction committed in the Target store (the Syncer's \`applied\` event, after \`applyPage\`
   resolves) with the keys and versions it held. A change is applied when a page holding its version
   or a later one commits. Both sides read \`process.hrtime.bigint()\`, CLOCK_MONOTONIC, one clock for
   the machine; a ping/pong at the start proves it (each pong instant must fall inside its round
   trip). No polling: the follower reads the clock in the event's listener, right after the
   \`COMMIT\` resolves, and sends the instant down a pipe whose own delay does not count.
4. **Checks**, or the bench fails: every change applied; every document's binary verified; the
   follower stops on SIGTERM with exit 0; no resync; and the Target holds exactly the server's
   resources (same keys, versions and deletions, compared row by row).
5. CPU from /proc over the day (from the first send to the last change applied), RSS sampled every
   100 ms. Aims (issue 7): p99 under 2 s; client RSS under 300 MB, server under 500 MB.

${table.join('\n')}

${notes.join('\n')}
${END}`;
  await writeBenchmarksSection(START, END, section);
}
