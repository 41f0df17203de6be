// Bench scenario `estate`: BENCHMARKS.md's estate section, rebuilt from bench/results/estate.json and
// estate-quick.json (whichever exist).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { RESULTS_DIR, writeBenchmarksSection } from './report.ts';
import type { LatencySummary, SizeResult } from './estate.ts';

const START = '<!-- estate:start -->';
const END = '<!-- estate:end -->';

interface EstateResult {
  mode: 'quick' | 'full';
  at: string;
  machine: { cpuCount: number; cpuModel: string; totalMemoryBytes: number; node: string; loadAverageAtStart: number[] };
  database: { source: string; version: string; settings: Record<string, string> };
  parameters: { practices: number; consumers: number; largeConsumers: number; largeRows: number; smallRows: number; windowSeconds: number; probePasses: number };
  sizes: SizeResult[];
  ratios: Record<string, number | null>;
  aim: { flatWithin: number; met: boolean };
  wholeRunSeconds: number;
}

const n = (x: number) => x.toLocaleString('en-GB');
const gb = (b: number) => `${(b / 1e9).toFixed(2)} GB`;
const lat = (l: LatencySummary | null) => (l ? `${l.p50Ms} / ${l.p99Ms}` : '-');
const x = (r: number | null | undefined) => (typeof r === 'number' ? `×${r.toFixed(2)}` : '-');

function table(r: EstateResult): string {
  const s = r.sizes;
  const row = (figure: string, cell: (z: SizeResult) => string, ratio = '') => `| ${figure} | ${s.map(cell).join(' | ')} | ${ratio} |`;
  const plan = (z: SizeResult, i: number) => {
    const pl = z.plans[i];
    return pl ? `${pl.executionMs} ms, ${pl.sharedHitBlocks} hit / ${pl.sharedReadBlocks} read` : '-';
  };
  const p = r.parameters;
  const lines = [
    `**${r.mode === 'quick' ? 'Quick (`--quick`)' : 'Full'}**, ${r.at.slice(0, 16)}Z: ${n(p.practices)} practices; ${p.consumers} consumers ` +
      `(${p.largeConsumers} large practices of ${n(p.largeRows)} resources, ${p.consumers - p.largeConsumers} of ${n(p.smallRows)}) through 2 server processes; ` +
      `${r.machine.cpuCount} cores (${r.machine.cpuModel}), ${Math.round(r.machine.totalMemoryBytes / 2 ** 30)} GiB, Node ${r.machine.node}, ` +
      `${r.database.source} ${r.database.version.split(' ').slice(0, 2).join(' ')}, shared_buffers ${r.database.settings.shared_buffers ?? '?'}; ` +
      `load average at start ${r.machine.loadAverageAtStart.join(' ')}; whole run ${Math.round(r.wholeRunSeconds)} s.`,
    '',
    `| Figure | ${s.map((z) => z.label).join(' | ')} | large / small |`,
    `| --- | ${s.map(() => '---:').join(' | ')} | ---: |`,
    row('`resource` rows', (z) => n(z.sizes.rows), x(r.ratios.rows)),
    row('bytes on disk: heap + TOAST / indexes / total', (z) => `${gb(z.sizes.heapBytes + z.sizes.toastBytes)} / ${gb(z.sizes.indexBytes)} / ${gb(z.sizes.totalBytes)}`),
    row('bytes per row on disk (mean body bytes)', (z) => `${z.bytesPerRow} (${z.sizes.meanBodyBytes})`),
    row('load (or rebuild) time, s', (z) => String(z.loadSeconds)),
    row('one consumer alone: page ms p50 / p99', (z) => lat(z.probe), `${x(r.ratios.probeP50)} / ${x(r.ratios.probeP99)}`),
    row('all consumers at once: page ms p50 / p99', (z) => `**${lat(z.concurrent.all)}**`, `**${x(r.ratios.concurrentP50)} / ${x(r.ratios.concurrentP99)}**`),
    row('… pages of 1,000 changes: ms p50 / p99', (z) => lat(z.concurrent.fullPages), `${x(r.ratios.fullPageP50)} / ${x(r.ratios.fullPageP99)}`),
    row('… small practices\' single pages: ms p50 / p99', (z) => lat(z.concurrent.smallPractices)),
    row('… pages, exact passes, seconds', (z) => `${n(z.concurrent.all.pages)}, ${z.concurrent.passes}, ${z.concurrent.wallSeconds}`),
    row('… resources/s (MB/s of bodies)', (z) => `${n(z.concurrent.resourcesPerSecond)} (${z.concurrent.mbPerSecond})`, x(r.ratios.resourcesPerSecond)),
    row('… pages served by server 1 / server 2', (z) => z.concurrent.pagesPerServer.map(n).join(' / ')),
    row('… CPU cores: servers / PostgreSQL / consumers (bench) / other work', (z) => {
      const c = z.concurrent.cpuCores;
      return `${c.servers.join(' + ')} / ${c.postgres ?? 'n/a'} / ${c.bench} / ${c.other ?? 'n/a'}`;
    }),
    row('… CPU ms per 1,000 resources: servers / PostgreSQL', (z) => `${z.concurrent.cpuMsPer1000Resources.servers} / ${z.concurrent.cpuMsPer1000Resources.postgres ?? 'n/a'}`),
    row('first pass after the load: page ms p50 / p99', (z) => lat(z.firstPass.all)),
    row('server peak RSS, MB (each)', (z) => z.serverPeakRssBytes.map((b) => (b === null ? 'n/a' : String(Math.round(b / 1e6)))).join(' / ')),
    row('feed page plans (EXPLAIN ANALYZE): shapes', (z) => [...new Set(z.plans.map((pl) => pl.shape))].join('; ')),
    row(`… ${s[0]?.plans[0]?.page ?? 'cold page'}`, (z) => plan(z, 0)),
    row(`… ${s[0]?.plans[1]?.page ?? 'first page'}`, (z) => plan(z, 1)),
    row(`… ${s[0]?.plans[2]?.page ?? 'middle page'}`, (z) => plan(z, 2)),
    row(`… ${s[0]?.plans[3]?.page ?? 'middle page, generic plan'}`, (z) => plan(z, 3)),
  ];
  const disturbed = s.some((z) => (z.concurrent.cpuCores.other ?? 0) > 0.2);
  lines.push('', `Aim (flat within ×${r.aim.flatWithin}, page p50 and p99, alone and under load): **${r.aim.met ? 'met' : 'not met'}**` +
    (disturbed ? ' — but other work used the machine\'s cores during this run (the "other work" figure above 0.2): compare figures from a quiet machine.' : '.'));
  return lines.join('\n');
}

export async function updateEstateSection(): Promise<void> {
  const results: EstateResult[] = [];
  for (const f of ['estate.json', 'estate-quick.json']) {
    const r = await readFile(path.join(RESULTS_DIR, f), 'utf8').then((t) => JSON.parse(t) as EstateResult, () => null);
    if (r) results.push(r);
  }
  const section = `${START}
## Estate: many practices on one deployment

\`npm run bench -- --only estate\` (\`bench/estate.ts\`): one DTM holding a supplier's estate on one
PostgreSQL, and many Targets reading at once. Does a feed page cost the same when the \`resource\` table
is far bigger? Aim (issue 7): page latency flat, within ×1.5.

1. An embedded PostgreSQL (or \`DATABASE_URL\`), the server's own migrations, and the estate loaded
   straight into the server's tables with SQL (\`bench/estate-load.ts\`, whose header says why the rows
   are indistinguishable from ingested ones for the read path): every practice registered; small
   Observations (~230 bytes of JSON with UUID ids, ordered within a practice, and meta); each loading transaction writes every practice a run of
   at most 500 rows, so a practice's rows lie in runs spread through the table as ingest batches
   leave them. Then \`VACUUM (ANALYZE)\` and a \`CHECKPOINT\`.
2. The consumers: one Target client per measured practice, registered with the server's admin
   functions, granted that practice alone, each with a real bearer token from \`/oauth2/token\`.
   Most measured practices are small (one page); a few are large practices being migrated.
3. Two server processes (\`dtm-server serve\`, the same database). Each consumer reads its whole feed
   from the beginning (\`limit=1000\`, the client's default, \`Accept-Encoding: identity\`: compression
   is the bandwidth scenario's subject), sending its pages to the two processes in turn, so every
   cursor one process issues is used on the other. Every pass must return exactly the practice's
   resources (count, no id twice, every id the expected one) or the bench fails.
4. At each size: \`EXPLAIN (ANALYZE, BUFFERS)\` of the feed page query (\`repo/changes.ts\` readChanges,
   as a prepared statement) for a large practice: a middle page of its extract right after the load
   (custom plan, cold), then warm its first and middle pages (custom plans) and the middle page with
   the generic plan a prepared statement usually settles on after five runs; one consumer
   alone reading its large practice's pages (the cost of a page without queueing); then all the
   consumers at once in a closed loop for a fixed window (latency includes queueing on the shared
   cores). Page latency is from the request to the body's last byte.
5. The table then grows: the other practices get more rows, and every measured practice's rows are
   updated once while it grows (moved to the grown table's runs, as real updates move them), keeping
   the same resources. The same measurements are repeated. \`--quick\` also rebuilds the grown table as
   \`PARTITION BY HASH (practice)\` (16 partitions) and measures again. See \`docs/scaling.md\`.

Everything (PostgreSQL, both servers, the consumers) shares the machine's cores.

${results.map(table).join('\n\n')}
${END}`;
  await writeBenchmarksSection(START, END, section);
}
