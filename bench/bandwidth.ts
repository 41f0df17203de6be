// Bench scenario `bandwidth` (issue 7, scenario 5): what an initial extract weighs on the wire with
// and without compression of the feed's pages, and how long it would take over the Data Migration
// Standard's minimum link of 70 Mbit/s. The synthetic UK practice is published to a DTM server (a
// child process), then the bench reads the whole feed as a Target would (limit 1000, the client's
// default) asking for identity, gzip and zstd in turn, with undici's raw `request`, which does not
// decode: the body bytes counted are those that crossed the socket. Each page is decoded and parsed
// (the next cursor is inside it) and every read must return the same changes, byte for byte.
// Binaries are never compressed (their Range requests and digests speak of the stored bytes): they
// are downloaded once and counted once. Writes bench/results/bandwidth[-quick].json and the
// `bandwidth` section of BENCHMARKS.md.
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { Agent, request, type Dispatcher } from 'undici';
import { generatePractice } from '../packages/dtm-server/src/seed/synthetic-practice.ts';
import { publishPractice } from '../packages/dtm-server/src/seed/publish.ts';
import { RESULTS_DIR, writeBenchmarksSection } from './report.ts';
import {
  clusterCpuSeconds, machineInfo, memoryOf, processCpuSeconds, round, setUpAccess, spawnServer, spread, startDatabase,
  type BenchAccess, type BenchDatabase, type MachineInfo, type ServerProcess, type Spread,
} from './support.ts';

export const BANDWIDTH_DEFAULTS = {
  full: { patients: 10_000, runs: 3 },
  quick: { patients: 500, runs: 2 },
  seed: 20261121,
  ods: 'W12345',
  pageSize: 1000,
  binaryParallel: 4,
} as const;

/** Data Migration Standard: migrations run over links of at least 70 Mbit/s. */
const LINE_BITS_PER_SECOND = 70e6;
/** The largest English practices hold about 85,000 registered patients (issue 7). */
const LARGEST_PRACTICE_PATIENTS = 85_000;
const ENCODINGS = ['identity', 'gzip', 'zstd'] as const;
type Encoding = (typeof ENCODINGS)[number];

const START = '<!-- bandwidth:start -->';
const END = '<!-- bandwidth:end -->';
const MB = 1e6;

const DECODE: Record<string, (b: Buffer) => Promise<Buffer>> = { gzip: promisify(zlib.gunzip), zstd: promisify(zlib.zstdDecompress) };

interface FeedRead {
  encoding: Encoding;
  pages: number;
  /** Pages that came in the coding asked for (the rest, under 1 KB, came as identity). */
  pagesInEncoding: number;
  changes: number;
  /** Response bodies as received. */
  bodyBytes: number;
  /** Status lines and response headers, rebuilt from what undici parsed (approximate). */
  headerBytes: number;
  /** The pages' JSON after decoding. */
  jsonBytes: number;
  /** SHA-256 over every page's JSON up to its watermark (which holds the server's clock). */
  digest: string;
  /** First request to last page parsed, page after page, on loopback. */
  seconds: number;
  serverCpuSeconds: number | null;
  postgresCpuSeconds: number | null;
  /** This process: requests, decoding and JSON parsing (what a Target's client would do). */
  readerCpuSeconds: number;
}

const cpuOf = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
const headerSize = (h: Dispatcher.ResponseData['headers']) =>
  'HTTP/1.1 200 OK\r\n'.length + 2 + Object.entries(h).reduce((n, [k, v]) => n + [v].flat().reduce((m, x) => m + k.length + 4 + String(x).length, 0), 0);

async function readFeed(agent: Agent, server: ServerProcess, db: BenchDatabase, headers: Record<string, string>, ods: string, encoding: Encoding, pageSize: number): Promise<FeedRead> {
  const r: FeedRead = { encoding, pages: 0, pagesInEncoding: 0, changes: 0, bodyBytes: 0, headerBytes: 0, jsonBytes: 0, digest: '', seconds: 0, serverCpuSeconds: null, postgresCpuSeconds: null, readerCpuSeconds: 0 };
  const hash = createHash('sha256');
  const server0 = processCpuSeconds(server.pid);
  const pg0 = db.postmasterPid ? await clusterCpuSeconds(db.postmasterPid) : null;
  const reader0 = cpuOf();
  const t0 = performance.now();
  let cursor: string | null = null;
  for (;;) {
    const q = new URLSearchParams({ limit: String(pageSize) });
    if (cursor) q.set('since', cursor);
    const res = await request(`${server.url}/v1/practices/${ods}/changes?${q}`, { dispatcher: agent, headers: { ...headers, 'accept-encoding': encoding } });
    const body = Buffer.from(await res.body.arrayBuffer());
    if (res.statusCode !== 200) throw new Error(`bandwidth: feed page ${r.pages + 1} (${encoding}) answered HTTP ${res.statusCode}: ${body.toString('utf8').slice(0, 300)}`);
    const coding = String(res.headers['content-encoding'] ?? 'identity');
    if (coding !== encoding && coding !== 'identity') throw new Error(`bandwidth: asked for ${encoding}, page ${r.pages + 1} came in ${coding}`);
    const json = coding === 'identity' ? body : await DECODE[coding]!(body);
    const text = json.toString('utf8');
    hash.update(text.slice(0, text.lastIndexOf(',"watermark":')));
    const page = JSON.parse(text) as { changes: unknown[]; nextCursor: string | null; upToDate: boolean };
    r.pages++;
    if (coding === encoding) r.pagesInEncoding++;
    r.changes += page.changes.length;
    r.bodyBytes += body.length;
    r.headerBytes += headerSize(res.headers);
    r.jsonBytes += json.length;
    cursor = page.nextCursor ?? cursor;
    if (page.upToDate) break;
  }
  r.seconds = round((performance.now() - t0) / 1000, 3);
  r.readerCpuSeconds = round(cpuOf() - reader0, 3);
  const server1 = processCpuSeconds(server.pid);
  const pg1 = db.postmasterPid ? await clusterCpuSeconds(db.postmasterPid) : null;
  r.serverCpuSeconds = server0 !== null && server1 !== null ? round(server1 - server0, 3) : null;
  r.postgresCpuSeconds = pg0 !== null && pg1 !== null ? round(pg1 - pg0, 3) : null;
  r.digest = hash.digest('hex');
  return r;
}

/** Every binary once, `binaryParallel` at a time, offering compression: each must come as stored. */
async function readBinaries(agent: Agent, url: string, headers: Record<string, string>, ods: string, ids: string[], parallel: number) {
  let bodyBytes = 0;
  let headerBytes = 0;
  let next = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (next < ids.length) {
      const id = ids[next++]!;
      const res = await request(`${url}/v1/practices/${ods}/binaries/${id}`, { dispatcher: agent, headers: { ...headers, accept: '*/*', 'accept-encoding': 'zstd, gzip' } });
      const body = Buffer.from(await res.body.arrayBuffer());
      if (res.statusCode !== 200) throw new Error(`bandwidth: binary ${id} answered HTTP ${res.statusCode}`);
      if (res.headers['content-encoding']) throw new Error(`bandwidth: binary ${id} came in Content-Encoding ${String(res.headers['content-encoding'])}: binaries must not be re-encoded`);
      bodyBytes += body.length;
      headerBytes += headerSize(res.headers);
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, ids.length) }, worker));
  return { count: ids.length, bodyBytes, headerBytes, seconds: round((performance.now() - t0) / 1000, 3) };
}

const lineSeconds = (bytes: number) => round((bytes * 8) / LINE_BITS_PER_SECOND, 2);

export async function runBench(mode: 'quick' | 'full', log: (msg: string) => void): Promise<string> {
  const o = { ...BANDWIDTH_DEFAULTS, ...BANDWIDTH_DEFAULTS[mode] };
  const startedAt = new Date();
  const machine: MachineInfo = machineInfo();
  let db: BenchDatabase | null = null;
  let server: ServerProcess | null = null;
  let access: BenchAccess | null = null;
  const agent = new Agent({ keepAliveTimeout: 30_000, headersTimeout: 120_000, bodyTimeout: 120_000 });
  try {
    db = await startDatabase(log);
    server = await spawnServer(db.url, 'warn');
    access = await setUpAccess(server, db.url, o.ods);
    log(`dtm-server ${server.url} (pid ${server.pid}); ${db.version.split(' on ')[0]}`);

    log(`generating the synthetic practice: ${o.patients.toLocaleString('en-GB')} patients, seed ${o.seed}`);
    let practice: ReturnType<typeof generatePractice> | null = generatePractice({ ods: o.ods, patients: o.patients, seed: o.seed });
    const facts = {
      patients: o.patients,
      resources: practice.resources.length,
      resourceJsonBytes: practice.resources.reduce((n, r) => n + Buffer.byteLength(JSON.stringify(r)), 0),
      binaries: practice.binaries.length,
      binaryBytes: practice.binaries.reduce((n, b) => n + b.content.length, 0),
    };
    const binaryIds = practice.binaries.map((b) => b.id);
    log(`publishing ${facts.resources.toLocaleString('en-GB')} resources (${(facts.resourceJsonBytes / MB).toFixed(1)} MB of JSON) and ${facts.binaries} binaries (${(facts.binaryBytes / MB).toFixed(1)} MB)`);
    const p0 = performance.now();
    await publishPractice(server.url, practice, { headers: access.publisherHeaders });
    const publishSeconds = round((performance.now() - p0) / 1000, 1);
    practice = null; // only the counts are needed from here

    log('warm-up: one identity read of the whole feed (not measured)');
    const warm = await readFeed(agent, server, db, access.consumerHeaders, o.ods, 'identity', o.pageSize);
    if (warm.changes !== facts.resources) throw new Error(`bandwidth: the feed holds ${warm.changes} changes, ${facts.resources} were published`);

    const reads: FeedRead[] = [];
    for (let run = 1; run <= o.runs; run++) {
      for (const encoding of ENCODINGS) {
        const r = await readFeed(agent, server, db, access.consumerHeaders, o.ods, encoding, o.pageSize);
        if (r.changes !== facts.resources || r.digest !== warm.digest) throw new Error(`bandwidth: the ${encoding} read (run ${run}) returned other changes than the identity read`);
        if (encoding !== 'identity' && r.pagesInEncoding < r.pages - 1) throw new Error(`bandwidth: only ${r.pagesInEncoding} of ${r.pages} pages came in ${encoding}`);
        reads.push(r);
        log(`run ${run}/${o.runs} ${encoding.padEnd(8)} ${(r.bodyBytes / MB).toFixed(2)} MB on the wire in ${r.pages} pages, ${r.seconds} s, server CPU ${r.serverCpuSeconds ?? 'n/a'} s`);
      }
    }
    log(`binaries: each once, ${o.binaryParallel} at a time, offering zstd and gzip`);
    const binaries = await readBinaries(agent, server.url, access.consumerHeaders, o.ods, binaryIds, o.binaryParallel);
    if (binaries.bodyBytes !== facts.binaryBytes) throw new Error(`bandwidth: binaries came to ${binaries.bodyBytes} bytes, ${facts.binaryBytes} were published`);

    const binaryWire = binaries.bodyBytes + binaries.headerBytes;
    const sp = (xs: number[]): Spread => { const x = spread(xs); return { median: round(x.median, 3), min: round(x.min, 3), max: round(x.max, 3) }; };
    const byEncoding = Object.fromEntries(ENCODINGS.map((encoding) => {
      const rs = reads.filter((r) => r.encoding === encoding);
      // A page's watermark holds the server's clock, so a compressed size may differ by a byte or two between runs.
      const bodyBytes = Math.round(spread(rs.map((r) => r.bodyBytes)).median);
      const wireBytes = bodyBytes + Math.round(spread(rs.map((r) => r.headerBytes)).median);
      const nullable = (xs: (number | null)[]): Spread | null => (xs.some((x) => x === null) ? null : sp(xs as number[]));
      return [encoding, {
        pages: rs[0]!.pages,
        bodyBytes,
        wireBytes,
        bytesPerResource: round(wireBytes / facts.resources, 1),
        compressionRatio: round(rs[0]!.jsonBytes / bodyBytes, 2),
        readSeconds: sp(rs.map((r) => r.seconds)),
        serverCpuSeconds: nullable(rs.map((r) => r.serverCpuSeconds)),
        postgresCpuSeconds: nullable(rs.map((r) => r.postgresCpuSeconds)),
        readerCpuSeconds: sp(rs.map((r) => r.readerCpuSeconds)),
        feedBytesPerPatient: Math.round(wireBytes / facts.patients),
        at70MbitSeconds: { feed: lineSeconds(wireBytes), feedAndBinaries: lineSeconds(wireBytes + binaryWire) },
        projectedLargestPractice: {
          patients: LARGEST_PRACTICE_PATIENTS,
          feedAndBinariesBytes: Math.round(((wireBytes + binaryWire) / facts.patients) * LARGEST_PRACTICE_PATIENTS),
          at70MbitSeconds: lineSeconds(((wireBytes + binaryWire) / facts.patients) * LARGEST_PRACTICE_PATIENTS),
        },
      }];
    })) as Record<Encoding, BandwidthFigures>;

    const result = {
      benchmark: 'bandwidth', mode, startedAt: startedAt.toISOString(), finishedAt: new Date().toISOString(),
      machine: { ...machine, postgres: db.version, database: db.source },
      parameters: { patients: o.patients, seed: o.seed, pageSize: o.pageSize, runs: o.runs, lineMbitPerSecond: LINE_BITS_PER_SECOND / 1e6, binaryParallel: o.binaryParallel },
      practice: { ...facts, resourceJsonBytesPerPatient: Math.round(facts.resourceJsonBytes / facts.patients), binaryBytesPerPatient: Math.round(facts.binaryBytes / facts.patients), publishSeconds },
      binaries: { ...binaries, at70MbitSeconds: lineSeconds(binaryWire) },
      encodings: byEncoding,
      serverPeakRssBytes: memoryOf(server.pid)?.peakRssBytes ?? null,
      reads,
    };
    const file = path.join(RESULTS_DIR, mode === 'quick' ? 'bandwidth-quick.json' : 'bandwidth.json');
    await writeFile(file, JSON.stringify(result, null, 2) + '\n');
    await updateSection();
    for (const e of ENCODINGS) {
      const f = byEncoding[e];
      log(`${e.padEnd(8)} ${(f.wireBytes / MB).toFixed(2)} MB (${f.bytesPerResource} B/resource, ${f.compressionRatio}:1), read ${f.readSeconds.median} s; at 70 Mbit/s: feed ${f.at70MbitSeconds.feed} s, with binaries ${f.at70MbitSeconds.feedAndBinaries} s`);
    }
    return file;
  } finally {
    await agent.close().catch(() => undefined);
    if (access) await access.cleanup().catch(() => undefined);
    if (server) await server.stop().catch((e: Error) => log(`cleanup: ${e.message}`));
    if (db) await db.stop().catch((e: Error) => log(`cleanup: ${e.message}`));
  }
}

interface BandwidthFigures {
  pages: number;
  bodyBytes: number;
  wireBytes: number;
  bytesPerResource: number;
  compressionRatio: number;
  readSeconds: Spread;
  serverCpuSeconds: Spread | null;
  postgresCpuSeconds: Spread | null;
  readerCpuSeconds: Spread;
  feedBytesPerPatient: number;
  at70MbitSeconds: { feed: number; feedAndBinaries: number };
  projectedLargestPractice: { patients: number; feedAndBinariesBytes: number; at70MbitSeconds: number };
}

type BandwidthResult = {
  mode: string; startedAt: string; parameters: { patients: number; runs: number };
  practice: { resources: number; resourceJsonBytesPerPatient: number; binaries: number; binaryBytes: number; binaryBytesPerPatient: number };
  binaries: { bodyBytes: number; at70MbitSeconds: number };
  encodings: Record<Encoding, BandwidthFigures>;
};

const int = (x: number) => Math.round(x).toLocaleString('en-GB');
const mb = (b: number) => (b / MB).toFixed(b < 10 * MB ? 2 : 1);
const s3 = (s: Spread | null, d = 2) => (s ? `${s.median.toFixed(d)} (${s.min.toFixed(d)}–${s.max.toFixed(d)})` : 'n/a');
const mins = (sec: number) => (sec >= 120 ? `${(sec / 60).toFixed(1)} min` : `${sec.toFixed(sec < 10 ? 2 : 1)} s`);

async function updateSection(): Promise<void> {
  const blocks: string[] = [];
  for (const mode of ['full', 'quick'] as const) {
    const f = path.join(RESULTS_DIR, mode === 'quick' ? 'bandwidth-quick.json' : 'bandwidth.json');
    const r = await readFile(f, 'utf8').then((t) => JSON.parse(t) as BandwidthResult, () => null);
    if (!r) continue;
    const p = r.practice;
    const rows = ENCODINGS.map((e) => {
      const x = r.encodings[e];
      return `| ${e} | ${mb(x.wireBytes)} | ${x.bytesPerResource} | ${x.compressionRatio}:1 | ${s3(x.readSeconds)} | ${s3(x.serverCpuSeconds)} | ${s3(x.readerCpuSeconds)} | ${mins(x.at70MbitSeconds.feed)} | **${mins(x.at70MbitSeconds.feedAndBinaries)}** | ${int(x.feedBytesPerPatient)} | ${mins(x.projectedLargestPractice.at70MbitSeconds)} |`;
    });
    blocks.push(`### ${mode} (${r.startedAt.slice(0, 16)}Z): ${int(r.parameters.patients)} patients, ${int(p.resources)} resources, ${r.parameters.runs} runs per coding

Generator: ${int(p.resourceJsonBytesPerPatient)} bytes of resource JSON and ${int(p.binaryBytesPerPatient)} bytes of binaries per patient; ${int(p.binaries)} binaries, ${mb(p.binaryBytes)} MB, sent once as stored (${mins(r.binaries.at70MbitSeconds)} at 70 Mbit/s).

| coding | feed MB on the wire | bytes/resource | ratio | read s on loopback | server CPU s | reader CPU s | feed at 70 Mbit/s | feed + binaries at 70 Mbit/s | feed bytes/patient | 85,000 patients at 70 Mbit/s (projected) |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
${rows.join('\n')}`);
  }
  const section = `${START}
## Bandwidth: the feed with and without compression

\`npm run bench -- --only bandwidth\` (\`bench/bandwidth.ts\`): the synthetic UK practice is published to
the DTM server (a child process on an embedded PostgreSQL), then the bench reads the whole feed from
the beginning with \`limit=1000\` (the client's default) asking \`Accept-Encoding: identity\`, \`gzip\` and
\`zstd\` in turn (after one unmeasured warm-up read; the codings interleaved run by run), with undici's
raw \`request\`, which does not decode: **bytes on the wire** are the response bodies as received plus
the status lines and headers (rebuilt from the parsed headers; TCP/IP and TLS framing not counted).
Each page is decoded and parsed (its next cursor is inside), and every read must return the same
changes byte for byte. **ratio** is the pages' JSON over their compressed bodies; **read s** is first
request to last page parsed on loopback (median, min–max); **server CPU** is the DTM process's, from
/proc; **reader CPU** the bench's own (requests, decoding, parsing: what a Target's client does).
Binaries are never compressed (their \`Range\` and \`Repr-Digest\` speak of the stored bytes): each is
downloaded once, offering zstd and gzip, and must come as stored; the 70 Mbit/s columns (the Data
Migration Standard's minimum) add them once. The largest practice (about 85,000 patients) is
**projected** linearly from the bytes per patient measured here, not run. The synthetic practice
draws names, codes and texts from small vocabularies, so it compresses better than real records will:
read the ratios as an upper bound.

${blocks.join('\n\n')}
${END}`;
  await writeBenchmarksSection(START, END, section);
}
