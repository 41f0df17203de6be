// Bench scenario `cutover` (issue: weekend cutover): the whole rehearsal at practice scale, timing the
// data phase of the weekend (freeze to verified target-complete, after a week of live activity
// followed by the client) against the old way (a full final extract into an empty Target, then the
// same verification). Writes bench/results/cutover[-quick].json and BENCHMARKS.md's cutover section.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { rehearse } from '../packages/dtm-rehearsal/src/rehearsal.ts';
import { RESULTS_DIR, writeBenchmarksSection } from './report.ts';

export const CUTOVER_DEFAULTS = { full: { patients: 10_000, ticksPerDay: 200 }, quick: { patients: 500, ticksPerDay: 40 } } as const;

const START = '<!-- cutover:start -->';
const END = '<!-- cutover:end -->';

export async function runCutoverBench(mode: 'quick' | 'full', log: (msg: string) => void): Promise<string> {
  const p = CUTOVER_DEFAULTS[mode];
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dtm-bench-cutover-'));
  const started = Date.now();
  try {
    const r = await rehearse({ patients: p.patients, ticksPerDay: p.ticksPerDay, dir, baseline: true, log: (l) => log(`  ${l}`) });
    if (!r.pass) throw new Error(`the rehearsal did not pass: ${r.verdict}`);
    const result = {
      benchmark: 'cutover', mode, at: new Date().toISOString(),
      machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version },
      parameters: { patients: p.patients, liveBatchesPerDay: p.ticksPerDay, days: 5 },
      resources: r.resources,
      initialExtractSeconds: r.initialExtractSeconds,
      dataPhaseSeconds: r.dataPhaseSeconds,
      fullExtractBaselineSeconds: r.baselineSeconds,
      wholeRunSeconds: (Date.now() - started) / 1000,
      verdict: r.verdict,
    };
    const file = path.join(RESULTS_DIR, mode === 'quick' ? 'cutover-quick.json' : 'cutover.json');
    await writeFile(file, JSON.stringify(result, null, 2) + '\n');
    await updateSection();
    log(`cutover: data phase ${r.dataPhaseSeconds?.toFixed(1)} s vs full final extract ${r.baselineSeconds?.toFixed(1)} s for ${r.resources} resources`);
    return file;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function updateSection(): Promise<void> {
  const rows: string[] = [];
  for (const mode of ['full', 'quick'] as const) {
    const f = path.join(RESULTS_DIR, mode === 'quick' ? 'cutover-quick.json' : 'cutover.json');
    const r = await readFile(f, 'utf8').then((t) => JSON.parse(t) as Record<string, number | string | null>, () => null);
    if (!r) continue;
    const s = (v: unknown) => (typeof v === 'number' ? v.toFixed(1) : '-');
    rows.push(`| ${mode} | ${String(r.at).slice(0, 16)}Z | ${(r.parameters as unknown as { patients: number }).patients.toLocaleString('en-GB')} | ${Number(r.resources).toLocaleString('en-GB')} | ${s(r.initialExtractSeconds)} | **${s(r.dataPhaseSeconds)}** | ${s(r.fullExtractBaselineSeconds)} | ${s(r.wholeRunSeconds)} |`);
  }
  const section = `${START}
## Cutover: freeze to verified target-complete

\`npm run bench -- --only cutover\` runs the weekend cutover rehearsal (\`npm start\`) at practice size with
\`--baseline\`: publish the practice, initial extract into the Target's store, a working week of live
changes followed by the client, Friday 17:00 freeze, then the **data phase** (drain to the final
watermark, digest verification of every resource type, every binary verified, target-complete
confirmed), timed by the wall clock. The **baseline** is the old way: a full final extract of the
frozen practice into an empty Target plus the same verification. Both sides, both databases and the
bench share this 2-core machine. Aim (issue 5): data phase under 5 minutes for 10,000 patients.

| run | at | patients | resources | initial extract s | data phase s | full-extract baseline s | whole run s |
| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |
${rows.join('\n')}
${END}`;
  await writeBenchmarksSection(START, END, section);
}
