// The feed-ingest benchmark: publish N synthetic ~1 KB Observations through the ingest API, then read
// the whole practice back through the feed API several times, as a Target's initial extract would.
//
// The server runs as a child process (`dtm-server serve`) so its CPU and memory are measured apart
// from this process, the client. PostgreSQL is the bench's own (embedded) or a scratch database on
// DATABASE_URL's server. Both share the machine's cores with the client: the per-phase CPU figures
// say who used what.
import { performance } from 'node:perf_hooks';
import type { ChangePage, IngestResult } from '@dtm/shared';
import { createRng, type Rng } from '../packages/dtm-server/src/seed/random.ts';
import { downloadAll, publishDocuments, type DocumentSet } from './documents.ts';
import {
  clusterCpuSeconds, machineBusyCpuSeconds, machineInfo, memoryOf, percentile, processCpuSeconds, round, spawnServer, spread, startDatabase,
  serverMemoryMetrics, setUpAccess, type BenchAccess, type BenchDatabase, type MachineInfo, type ServerProcess, type Spread,
  launcherFlags,
} from './support.ts';

export interface FeedIngestOptions {
  mode: 'quick' | 'full';
  resources: number;
  /** Target size of each resource's JSON as published, in bytes. */
  resourceBytes: number;
  batchSize: number;
  ingestConcurrency: number;
  pageLimit: number;
  readRuns: number;
  warmupReads: number;
  /** Documents published, then downloaded whole, `documentParallel` at a time, in `readRuns` passes. */
  documents: number;
  documentBytes: number;
  documentParallel: number;
  seed: number;
  ods: string;
  serverLogLevel: string;
  /** Profile the server (node --cpu-prof) into this directory; the figures are then not representative. */
  serverCpuProfileDir?: string;
}

export const FEED_INGEST_DEFAULTS = {
  full: { resources: 100_000, readRuns: 3, documents: 1000 },
  quick: { resources: 10_000, readRuns: 2, documents: 200 },
  // About the synthetic practice's typical document (bench client-e2e: 4,705 of 21 kB on average), a
  // dozen at a time as the sync client downloads them (SYNC_DEFAULTS.binaryParallel).
  documentBytes: 20_000,
  documentParallel: 12,
  resourceBytes: 1024,
  batchSize: 1000,
  ingestConcurrency: 2,
  pageLimit: 5000,
  warmupReads: 1,
  seed: 20261121,
  ods: 'B12345',
  serverLogLevel: 'warn',
} as const;

/** CPU seconds used during a phase, and what that is in cores (CPU seconds / wall seconds). */
export interface CpuUse {
  clientSeconds: number;
  serverSeconds: number | null;
  postgresSeconds: number | null;
  clientCores: number;
  serverCores: number | null;
  postgresCores: number | null;
  /**
   * Everything else on the machine (other processes; with DATABASE_URL, its PostgreSQL too): well
   * above 0 means the figures were disturbed.
   */
  otherCores: number | null;
}

/** What a phase used: CPU per process, and the WAL PostgreSQL wrote (cluster-wide). */
export interface PhaseUse {
  cpu: CpuUse;
  postgresWalBytes: number | null;
}

export interface IngestFigures extends PhaseUse {
  seconds: number;
  resourcesPerSecond: number;
  megabytesPerSecond: number;
  requestBytes: number;
  batches: number;
  batchLatencyMs: { p50: number; p95: number; max: number };
}

export interface ReadRun extends PhaseUse {
  seconds: number;
  resourcesPerSecond: number;
  megabytesPerSecond: number;
  responseBytes: number;
  pages: number;
  changes: number;
  /** Time to each page's complete body (request sent to last byte), ms. */
  pageLatencyMs: { p50: number; max: number };
  /** Client time spent in JSON.parse and the checks, inside `seconds`. */
  clientParseSeconds: number;
}

/** One pass downloading every document: CPU per download in milliseconds. */
export interface DocumentRun extends PhaseUse {
  seconds: number;
  downloadsPerSecond: number;
  serverMsPerDownload: number | null;
  postgresMsPerDownload: number | null;
  clientMsPerDownload: number;
}

export interface FeedIngestResult {
  benchmark: 'feed-ingest';
  mode: 'quick' | 'full';
  startedAt: string;
  finishedAt: string;
  durationSeconds: number;
  machine: MachineInfo & { postgres: string; database: 'embedded' | 'DATABASE_URL'; postgresSettings: Record<string, string> };
  parameters: Omit<FeedIngestOptions, 'mode'> & {
    resourceBytesActual: { mean: number; min: number; max: number };
    serverProcess: string;
    /** 'bearer': every request carried an access token (publisher for ingest, consumer for reads). */
    access: 'bearer' | 'none';
    megabyte: string;
  };
  ingest: IngestFigures;
  feedRead: {
    /** The warm-up pass(es), not in the figures. */
    warmup: WarmUp[];
    runs: ReadRun[];
    resourcesPerSecond: Spread;
    megabytesPerSecond: Spread;
    seconds: Spread;
  };
  /** Absent from results written before the documents phase was added. */
  documents?: {
    count: number;
    bytesEach: number;
    parallel: number;
    warmup: DocumentRun;
    runs: DocumentRun[];
    serverMsPerDownload: Spread | null;
    postgresMsPerDownload: Spread | null;
    downloadsPerSecond: Spread;
  };
  server: {
    peakRssBytes: number | null;
    /** Once started and idle, before any load. */
    rssBytesAtStart: number | null;
    rssBytesAfterIngest: number | null;
    rssBytesAtEnd: number | null;
    /** From the server's /metrics at the end: V8 heap and external memory, to explain the RSS. */
    metricsAtEnd: Record<string, number> | null;
  };
  aims: { feedReadResourcesPerSecond: number; medianMeetsAim: boolean };
}

const MB = 1e6;
const int = (n: number) => n.toLocaleString('en-GB');
const FEED_AIM = 20_000;
const REQUEST_TIMEOUT_MS = 120_000;

// ---------------------------------------------------------------------------------------------
// Synthetic resources

const OBSERVATION_CODES = [
  { code: '364075005', display: 'Heart rate', unit: 'beats/minute', ucum: '/min', min: 48, max: 120, digits: 0 },
  { code: '27113001', display: 'Body weight', unit: 'kg', ucum: 'kg', min: 3, max: 140, digits: 1 },
  { code: '50373000', display: 'Body height', unit: 'cm', ucum: 'cm', min: 50, max: 200, digits: 1 },
  { code: '60621009', display: 'Body mass index', unit: 'kg/m2', ucum: 'kg/m2', min: 15, max: 45, digits: 1 },
  { code: '386725007', display: 'Body temperature', unit: 'degrees C', ucum: 'Cel', min: 35.5, max: 39.5, digits: 1 },
  { code: '86290005', display: 'Respiratory rate', unit: 'breaths/minute', ucum: '/min', min: 10, max: 30, digits: 0 },
  { code: '103228002', display: 'Haemoglobin saturation with oxygen', unit: '%', ucum: '%', min: 88, max: 100, digits: 0 },
] as const;

const NOTE_WORDS = (
  'patient seen in surgery reports feeling well reviewed medication no side effects advised to continue ' +
  'lifestyle advice given diet exercise smoking cessation discussed repeat reading in three months ' +
  'home readings brought in consistent with clinic values safety netting advice given follow up booked'
).split(' ');

function noteText(rng: Rng, length: number): string {
  let text = 'Clinician note:';
  while (text.length < length) text += ` ${rng.pick(NOTE_WORDS)}`;
  return `${text.slice(0, Math.max(0, length - 1))}.`;
}

/** Observation `obs-<i>`, its JSON padded with a note to `targetBytes` (ASCII, so chars = bytes). */
export function makeObservation(rng: Rng, i: number, patients: number, targetBytes: number): Record<string, unknown> {
  const kind = rng.pick(OBSERVATION_CODES);
  const value = Number((kind.min + rng.next() * (kind.max - kind.min)).toFixed(kind.digits));
  const effective = new Date(Date.UTC(2026, 0, 1) - rng.int(0, 10 * 365 * 24 * 3600) * 1000);
  const resource: Record<string, unknown> = {
    resourceType: 'Observation',
    id: `obs-${i}`,
    meta: { profile: ['https://fhir.hl7.org.uk/StructureDefinition/UKCore-Observation'] },
    status: 'final',
    category: [{
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs', display: 'Vital Signs' }],
    }],
    code: { coding: [{ system: 'http://snomed.info/sct', code: kind.code, display: kind.display }] },
    subject: { reference: `Patient/pat-${rng.int(1, patients)}` },
    effectiveDateTime: effective.toISOString(),
    issued: new Date(effective.getTime() + rng.int(60, 3600) * 1000).toISOString(),
    performer: [{ reference: `Practitioner/prac-${rng.int(1, 12)}` }],
    valueQuantity: { value, unit: kind.unit, system: 'http://unitsofmeasure.org', code: kind.ucum },
    note: [{ text: '' }],
  };
  const room = targetBytes - JSON.stringify(resource).length;
  if (room > 0) resource.note = [{ text: noteText(rng, room) }];
  return resource;
}

interface PreparedBatches {
  bodies: Uint8Array[];
  itemsPerBatch: number[];
  requestBytes: number;
  resourceBytes: { mean: number; min: number; max: number };
}

/** Every request body, serialised before the clock starts so the client's JSON work is not timed. */
export function prepareBatches(opts: FeedIngestOptions): PreparedBatches {
  const rng = createRng(opts.seed);
  const patients = Math.max(1, Math.round(opts.resources / 20));
  const encoder = new TextEncoder();
  const bodies: Uint8Array[] = [];
  const itemsPerBatch: number[] = [];
  let requestBytes = 0;
  let sum = 0;
  let min = Infinity;
  let max = 0;
  // The extract reflects the source as of now; each record changed no later than that.
  const sourceAsOf = new Date().toISOString();
  for (let start = 0; start < opts.resources; start += opts.batchSize) {
    const items = [];
    for (let i = start; i < Math.min(opts.resources, start + opts.batchSize); i++) {
      const resource = makeObservation(rng, i, patients, opts.resourceBytes);
      const size = JSON.stringify(resource).length;
      sum += size;
      min = Math.min(min, size);
      max = Math.max(max, size);
      items.push({ op: 'upsert', sourceUpdatedAt: sourceAsOf, resource });
    }
    const body = encoder.encode(JSON.stringify({ sourceAsOf, items }));
    bodies.push(body);
    itemsPerBatch.push(items.length);
    requestBytes += body.byteLength;
  }
  return { bodies, itemsPerBatch, requestBytes, resourceBytes: { mean: round(sum / opts.resources, 1), min, max } };
}

// ---------------------------------------------------------------------------------------------
// Measurement

interface CpuMark {
  wall: number;
  walBytes: number | null;
  client: NodeJS.CpuUsage;
  server: number | null;
  postgres: number | null;
  machine: number | null;
}

async function cpuMark(server: ServerProcess, db: BenchDatabase): Promise<CpuMark> {
  return {
    wall: performance.now(),
    walBytes: await db.walBytes(),
    client: process.cpuUsage(),
    server: processCpuSeconds(server.pid),
    postgres: db.postmasterPid ? await clusterCpuSeconds(db.postmasterPid) : null,
    machine: machineBusyCpuSeconds(),
  };
}

async function usageSince(start: CpuMark, server: ServerProcess, db: BenchDatabase, wallSeconds: number): Promise<PhaseUse> {
  const end = await cpuMark(server, db);
  const c = process.cpuUsage(start.client);
  const clientSeconds = (c.user + c.system) / 1e6;
  const serverSeconds = end.server !== null && start.server !== null ? end.server - start.server : null;
  const postgresSeconds = end.postgres !== null && start.postgres !== null ? end.postgres - start.postgres : null;
  const cores = (s: number | null) => (s === null ? null : round(s / wallSeconds));
  const machineSeconds = end.machine !== null && start.machine !== null ? end.machine - start.machine : null;
  const otherSeconds = machineSeconds === null ? null : Math.max(0, machineSeconds - clientSeconds - (serverSeconds ?? 0) - (postgresSeconds ?? 0));
  const cpu: CpuUse = {
    clientSeconds: round(clientSeconds, 3),
    serverSeconds: serverSeconds === null ? null : round(serverSeconds, 3),
    postgresSeconds: postgresSeconds === null ? null : round(postgresSeconds, 3),
    clientCores: round(clientSeconds / wallSeconds),
    serverCores: cores(serverSeconds),
    postgresCores: cores(postgresSeconds),
    otherCores: cores(otherSeconds),
  };
  const walBytes = end.walBytes !== null && start.walBytes !== null ? end.walBytes - start.walBytes : null;
  return { cpu, postgresWalBytes: walBytes };
}

export async function ingestAll(
  url: string, headers: Record<string, string>, opts: FeedIngestOptions, prepared: PreparedBatches, server: ServerProcess, db: BenchDatabase,
): Promise<IngestFigures> {
  const endpoint = `${url}/v1/ingest/practices/${opts.ods}/changes`;
  const latencies: number[] = [];
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < prepared.bodies.length) {
      const i = next++;
      const t0 = performance.now();
      const res = await fetch(endpoint, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json', 'idempotency-key': `bench-${opts.ods}-${opts.seed}-${i}` },
        body: prepared.bodies[i]!,
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      const text = await res.text();
      latencies.push(performance.now() - t0);
      if (res.status !== 200) {
        failed = true;
        throw new Error(`ingest batch ${i} answered HTTP ${res.status}: ${text.slice(0, 1000)}`);
      }
      const r = JSON.parse(text) as IngestResult;
      const expected = prepared.itemsPerBatch[i]!;
      if (r.received !== expected || r.created !== expected) {
        failed = true;
        throw new Error(`ingest batch ${i}: expected ${expected} created, got ${JSON.stringify({ received: r.received, created: r.created, updated: r.updated, unchanged: r.unchanged })}`);
      }
    }
  };
  const start = await cpuMark(server, db);
  await Promise.all(Array.from({ length: opts.ingestConcurrency }, worker));
  const seconds = (performance.now() - start.wall) / 1000;
  return {
    seconds: round(seconds, 3),
    resourcesPerSecond: Math.round(opts.resources / seconds),
    megabytesPerSecond: round(prepared.requestBytes / MB / seconds),
    requestBytes: prepared.requestBytes,
    batches: prepared.bodies.length,
    batchLatencyMs: {
      p50: round(percentile(latencies, 50), 1),
      p95: round(percentile(latencies, 95), 1),
      max: round(Math.max(...latencies), 1),
    },
    ...(await usageSince(start, server, db, seconds)),
  };
}

interface WholeRead {
  seconds: number;
  responseBytes: number;
  pages: number;
  changes: number;
  unique: number;
  pageLatencies: number[];
  parseSeconds: number;
}

/** Reads the practice from the beginning until upToDate, checking every change on the way. */
export async function readWhole(url: string, headers: Record<string, string>, opts: FeedIngestOptions): Promise<WholeRead> {
  const decoder = new TextDecoder();
  const seen = new Uint8Array(opts.resources);
  const maxPages = Math.ceil(opts.resources / opts.pageLimit) + 5;
  let cursor: string | null = null;
  let responseBytes = 0;
  let changes = 0;
  let unique = 0;
  let parseMs = 0;
  const pageLatencies: number[] = [];
  const t0 = performance.now();
  for (let pages = 1; ; pages++) {
    const q = new URLSearchParams({ limit: String(opts.pageLimit) });
    if (cursor) q.set('since', cursor);
    const p0 = performance.now();
    // Uncompressed: this measures the server and its database; compression is the bandwidth scenario's
    // subject (fetch would otherwise ask for gzip).
    const res = await fetch(`${url}/v1/practices/${opts.ods}/changes?${q}`, { headers: { ...headers, 'accept-encoding': 'identity' }, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    const buf = await res.arrayBuffer();
    const p1 = performance.now();
    pageLatencies.push(p1 - p0);
    responseBytes += buf.byteLength;
    if (res.status !== 200) throw new Error(`feed page ${pages} answered HTTP ${res.status}: ${decoder.decode(buf).slice(0, 1000)}`);
    const page = JSON.parse(decoder.decode(buf)) as ChangePage;
    for (const c of page.changes) {
      const m = /^obs-(\d+)$/.exec(c.id);
      const n = m ? Number(m[1]) : -1;
      if (c.op !== 'upsert' || c.resourceType !== 'Observation' || n < 0 || n >= opts.resources || c.resource?.id !== c.id) {
        throw new Error(`feed page ${pages}: unexpected change ${JSON.stringify({ op: c.op, resourceType: c.resourceType, id: c.id })}`);
      }
      if (seen[n]) throw new Error(`feed page ${pages}: change ${c.id} read twice in one pass`);
      seen[n] = 1;
      unique++;
      changes++;
    }
    parseMs += performance.now() - p1;
    cursor = page.nextCursor ?? cursor;
    if (page.upToDate) {
      return { seconds: (performance.now() - t0) / 1000, responseBytes, pages, changes, unique, pageLatencies, parseSeconds: parseMs / 1000 };
    }
    if (pages >= maxPages) throw new Error(`feed did not reach upToDate within ${maxPages} pages`);
  }
}

/** A measured read: must return exactly N changes with unique ids. */
async function measuredRead(url: string, headers: Record<string, string>, opts: FeedIngestOptions, server: ServerProcess, db: BenchDatabase): Promise<ReadRun> {
  const start = await cpuMark(server, db);
  const r = await readWhole(url, headers, opts);
  if (r.changes !== opts.resources || r.unique !== opts.resources) {
    throw new Error(`feed read returned ${r.changes} changes (${r.unique} unique ids); expected exactly ${opts.resources}`);
  }
  return {
    seconds: round(r.seconds, 3),
    resourcesPerSecond: Math.round(r.changes / r.seconds),
    megabytesPerSecond: round(r.responseBytes / MB / r.seconds),
    responseBytes: r.responseBytes,
    pages: r.pages,
    changes: r.changes,
    pageLatencyMs: { p50: round(percentile(r.pageLatencies, 50), 1), max: round(Math.max(...r.pageLatencies), 1) },
    clientParseSeconds: round(r.parseSeconds, 3),
    ...(await usageSince(start, server, db, r.seconds)),
  };
}

async function measuredDownloads(url: string, headers: Record<string, string>, opts: FeedIngestOptions, set: DocumentSet, server: ServerProcess, db: BenchDatabase): Promise<DocumentRun> {
  const start = await cpuMark(server, db);
  const seconds = await downloadAll(url, headers, opts.ods, set, opts.documentParallel);
  const use = await usageSince(start, server, db, seconds);
  const perDownload = (s: number | null) => (s === null ? null : round((s * 1000) / set.ids.length, 3));
  return {
    seconds: round(seconds, 3),
    downloadsPerSecond: Math.round(set.ids.length / seconds),
    serverMsPerDownload: perDownload(use.cpu.serverSeconds),
    postgresMsPerDownload: perDownload(use.cpu.postgresSeconds),
    clientMsPerDownload: perDownload(use.cpu.clientSeconds)!,
    ...use,
  };
}

/** A warm-up pass: the first read after the load is slower (cold caches, JIT); reported apart. */
export interface WarmUp extends PhaseUse {
  seconds: number;
}

/**
 * Warm-up read. It also waits for the feed horizon: on a shared DATABASE_URL server another
 * session's open transaction can hold back what a reader may see for a while.
 */
async function warmUp(
  url: string, headers: Record<string, string>, opts: FeedIngestOptions, server: ServerProcess, db: BenchDatabase, log: (msg: string) => void,
): Promise<WarmUp> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const start = await cpuMark(server, db);
    const r = await readWhole(url, headers, opts);
    if (r.changes === opts.resources) return { seconds: round(r.seconds, 3), ...(await usageSince(start, server, db, r.seconds)) };
    if (Date.now() > deadline) throw new Error(`warm-up read saw ${r.changes} of ${opts.resources} changes after 60 s`);
    log(`warm-up read saw ${r.changes} of ${opts.resources} changes (feed horizon held back?); retrying`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

// ---------------------------------------------------------------------------------------------

export async function runFeedIngest(opts: FeedIngestOptions, log: (msg: string) => void): Promise<FeedIngestResult> {
  const startedAt = new Date();
  const t0 = performance.now();
  const machine = machineInfo();
  let db: BenchDatabase | null = null;
  let server: ServerProcess | null = null;
  let access: BenchAccess | null = null;
  let cleaning: Promise<void> | null = null;
  const cleanup = () => {
    cleaning ??= (async () => {
      const errors: unknown[] = [];
      if (access) await access.cleanup().catch((e: unknown) => errors.push(e));
      if (server) await server.stop().catch((e: unknown) => errors.push(e));
      if (db) await db.stop().catch((e: unknown) => errors.push(e));
      for (const e of errors) log(`cleanup: ${e instanceof Error ? e.message : String(e)}`);
    })();
    return cleaning;
  };
  // Ctrl-C: the child server and embedded PostgreSQL get the signal too; still remove what we made.
  const onSignal = (sig: NodeJS.Signals) => {
    log(`${sig}: cleaning up`);
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    db = await startDatabase(log);
    log(`PostgreSQL: ${db.version}`);
    server = await spawnServer(db.url, opts.serverLogLevel, opts.serverCpuProfileDir ? { cpuProfileDir: opts.serverCpuProfileDir } : {});
    log(`dtm-server: ${server.url} (pid ${server.pid})`);
    access = await setUpAccess(server, db.url, opts.ods);
    log(access.mode === 'bearer' ? 'access: bearer tokens for a publisher and a consumer client (registered with the dtm-server CLI)' : 'access: the server requires no token');

    const atStart = memoryOf(server.pid);
    log(`generating ${opts.resources.toLocaleString('en-GB')} resources of ~${opts.resourceBytes} bytes`);
    const prepared = prepareBatches(opts);

    log(`ingest: ${prepared.bodies.length} batches of ${opts.batchSize}, ${opts.ingestConcurrency} in flight`);
    const ingest = await ingestAll(server.url, access.publisherHeaders, opts, prepared, server, db);
    prepared.bodies.length = 0;
    const afterIngest = memoryOf(server.pid);
    log(`ingest: ${ingest.resourcesPerSecond.toLocaleString('en-GB')} resources/s, ${ingest.megabytesPerSecond} MB/s, ${ingest.seconds} s`);

    const warmup: WarmUp[] = [];
    for (let i = 0; i < opts.warmupReads; i++) {
      const w = await warmUp(server.url, access.consumerHeaders, opts, server, db, log);
      warmup.push(w);
      log(`feed read warm-up: ${w.seconds} s (CPU cores: server ${w.cpu.serverCores ?? 'n/a'}, PostgreSQL ${w.cpu.postgresCores ?? 'n/a'}, client ${w.cpu.clientCores})`);
    }
    const runs: ReadRun[] = [];
    for (let i = 0; i < opts.readRuns; i++) {
      const run = await measuredRead(server.url, access.consumerHeaders, opts, server, db);
      runs.push(run);
      log(`feed read ${i + 1}/${opts.readRuns}: ${run.resourcesPerSecond.toLocaleString('en-GB')} resources/s, ${run.megabytesPerSecond} MB/s, ${run.seconds} s`);
    }
    log(`documents: publishing ${int(opts.documents)} of ${int(opts.documentBytes)} bytes`);
    const documentSet = await publishDocuments(server.url, access.publisherHeaders, opts.ods, opts.documents, opts.documentBytes, opts.seed);
    const documentWarmup = await measuredDownloads(server.url, access.consumerHeaders, opts, documentSet, server, db);
    log(`documents warm-up: ${documentWarmup.downloadsPerSecond} downloads/s`);
    const documentRuns: DocumentRun[] = [];
    for (let i = 0; i < opts.readRuns; i++) {
      const run = await measuredDownloads(server.url, access.consumerHeaders, opts, documentSet, server, db);
      documentRuns.push(run);
      log(`documents ${i + 1}/${opts.readRuns}: ${run.downloadsPerSecond} downloads/s, ${opts.documentParallel} at a time; CPU per download: server ${run.serverMsPerDownload ?? 'n/a'} ms, PostgreSQL ${run.postgresMsPerDownload ?? 'n/a'} ms, client ${run.clientMsPerDownload} ms`);
    }
    const spreadOrNull = (xs: (number | null)[]) => (xs.some((x) => x === null) ? null : spread(xs as number[]));
    const atEnd = memoryOf(server.pid);
    const metricsAtEnd = await serverMemoryMetrics(server.url);

    const readRps = spread(runs.map((r) => r.resourcesPerSecond));
    const { mode: _mode, ...params } = opts;
    const result: FeedIngestResult = {
      benchmark: 'feed-ingest',
      mode: opts.mode,
      startedAt: startedAt.toISOString(),
      finishedAt: '',
      durationSeconds: 0,
      machine: { ...machine, postgres: db.version, database: db.source, postgresSettings: db.settings },
      parameters: {
        ...params,
        resourceBytesActual: prepared.resourceBytes,
        serverProcess: `child process: node ${launcherFlags('dtm-server').join(' ')} packages/dtm-server/bin/dtm-server.js serve (the launcher, its flags and compile cache)`,
        access: access.mode,
        megabyte: '1 MB = 1,000,000 bytes (request bodies for ingest, response bodies for reads)',
      },
      ingest,
      feedRead: {
        warmup,
        runs,
        resourcesPerSecond: readRps,
        megabytesPerSecond: spread(runs.map((r) => r.megabytesPerSecond)),
        seconds: spread(runs.map((r) => r.seconds)),
      },
      documents: {
        count: opts.documents,
        bytesEach: opts.documentBytes,
        parallel: opts.documentParallel,
        warmup: documentWarmup,
        runs: documentRuns,
        serverMsPerDownload: spreadOrNull(documentRuns.map((r) => r.serverMsPerDownload)),
        postgresMsPerDownload: spreadOrNull(documentRuns.map((r) => r.postgresMsPerDownload)),
        downloadsPerSecond: spread(documentRuns.map((r) => r.downloadsPerSecond)),
      },
      server: {
        peakRssBytes: atEnd?.peakRssBytes ?? null,
        rssBytesAtStart: atStart?.rssBytes ?? null,
        rssBytesAfterIngest: afterIngest?.rssBytes ?? null,
        rssBytesAtEnd: atEnd?.rssBytes ?? null,
        metricsAtEnd,
      },
      aims: { feedReadResourcesPerSecond: FEED_AIM, medianMeetsAim: readRps.median >= FEED_AIM },
    };
    await cleanup();
    result.finishedAt = new Date().toISOString();
    result.durationSeconds = round((performance.now() - t0) / 1000, 1);
    return result;
  } catch (err) {
    if (server && err instanceof Error) err.message += `\n--- server log (tail) ---\n${server.logTail() || '(empty)'}`;
    throw err;
  } finally {
    await cleanup();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
