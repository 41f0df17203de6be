// Summarises a V8 .cpuprofile (node --cpu-prof): self time by function and by file or package, to
// say where a process spent its CPU without opening DevTools.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { REPO_ROOT } from './support.ts';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface SelfTime {
  name: string;
  ms: number;
  percent: number;
}

export interface ProfileSummary {
  file: string;
  totalMs: number;
  /** Self time by function (name, file:line), most first. */
  functions: SelfTime[];
  /** Self time by npm package, workspace source file or V8/Node pseudo-frame, most first. */
  locations: SelfTime[];
}

/** `pg` from .../node_modules/pg/lib/x.js, `packages/shared/src/x.ts` from the workspace, `node:internal/...`. */
function locationOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native or V8 builtin)';
  const file = url.startsWith('file://') ? decodeURIComponent(new URL(url).pathname) : url;
  const nm = file.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = file.slice(nm + '/node_modules/'.length).split('/');
    return `npm:${rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]}`;
  }
  if (file.startsWith('node:')) return file.split('/').slice(0, 2).join('/');
  return path.isAbsolute(file) ? path.relative(REPO_ROOT, file) : file;
}

export async function summariseCpuProfile(file: string, top = 25): Promise<ProfileSummary> {
  const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  // timeDeltas[i] is the time before sample i; attribute it to sample i's node (DevTools' convention).
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    selfUs.set(id, (selfUs.get(id) ?? 0) + Math.max(0, profile.timeDeltas[i] ?? 0));
  }
  let totalUs = 0;
  const fn = new Map<string, number>();
  const loc = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const n = byId.get(id)!;
    totalUs += us;
    const { functionName, url, lineNumber } = n.callFrame;
    const where = url ? `${locationOf(url, functionName).replace(/^npm:/, '')}${url.includes('/node_modules/') ? ` ${path.basename(url)}` : ''}:${lineNumber + 1}` : '';
    const name = `${functionName || '(anonymous)'}${where ? ` ${where}` : ''}`;
    fn.set(name, (fn.get(name) ?? 0) + us);
    const l = locationOf(url, functionName);
    loc.set(l, (loc.get(l) ?? 0) + us);
  }
  const rank = (m: Map<string, number>): SelfTime[] =>
    [...m].sort((a, b) => b[1] - a[1]).slice(0, top).map(([name, us]) => ({
      name, ms: Math.round(us / 100) / 10, percent: Math.round((us / totalUs) * 1000) / 10,
    }));
  return { file, totalMs: Math.round(totalUs / 1000), functions: rank(fn), locations: rank(loc) };
}

export function formatProfileSummary(s: ProfileSummary): string {
  const lines = (xs: SelfTime[]) => xs.map((x) => `  ${x.ms.toFixed(0).padStart(7)} ms ${x.percent.toFixed(1).padStart(5)} %  ${x.name}`);
  return [
    `CPU profile ${s.file}: ${s.totalMs.toLocaleString('en-GB')} ms sampled`,
    'Self time by function:',
    ...lines(s.functions),
    'Self time by package / source file:',
    ...lines(s.locations),
  ].join('\n');
}
