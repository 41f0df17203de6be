// The terminal summary: one line per check (status, id, reason, the request that showed it), then totals.
import type { CheckResult, Exchange, Report, Status } from '../types.ts';

const LABEL: Record<Status, string> = { pass: 'PASS', fail: 'FAIL', warn: 'WARN', skip: 'SKIP' };
const COLOUR: Record<Status, string> = { pass: '\x1b[32m', fail: '\x1b[31m', warn: '\x1b[33m', skip: '\x1b[90m' };
const RESET = '\x1b[0m';

export const requestLine = (x: Exchange | null): string =>
  x ? `${x.method} ${x.path.split('?')[0]}${x.path.includes('?') ? '?…' : ''} → ${x.status ?? `no response${x.error ? ` (${x.error})` : ''}`}` : '';

export function resultLine(r: CheckResult, colour = false): string {
  const label = colour ? `${COLOUR[r.status]}${LABEL[r.status]}${RESET}` : LABEL[r.status];
  const req = requestLine(r.exchange);
  return `  ${label}  ${r.id.padEnd(34)} ${r.reason}${req ? `  [${req}]` : ''}`;
}

export function header(r: Pick<Report, 'kit' | 'target'>): string {
  const t = r.target;
  return [
    `${r.kit.name} ${r.kit.version}: ${t.baseUrl}, practice ${t.practice}, client ${t.clientId}`,
    t.publisherClientId ? `  write checks as publisher ${t.publisherClientId} (test practice)` : '  write checks skipped: needs publisher credentials',
  ].join('\n');
}

export function summary(r: Report, outDir?: string): string {
  const needsPublisher = r.results.filter((x) => x.status === 'skip' && x.reason.includes('needs publisher credentials')).length;
  const lines = [
    '',
    `${r.totals.pass} passed, ${r.totals.fail} failed, ${r.totals.warn} warnings, ${r.totals.skip} skipped` +
      (needsPublisher ? ` (${needsPublisher} skipped: needs publisher credentials)` : '') +
      ` in ${((Date.parse(r.finishedAt) - Date.parse(r.startedAt)) / 1000).toFixed(1)} s`,
  ];
  const failed = r.results.filter((x) => x.status === 'fail');
  if (failed.length) lines.push(`Failed: ${failed.map((x) => x.id).join(', ')}`);
  if (outDir) lines.push(`Reports: ${outDir}/conformance.html, conformance.junit.xml, conformance.json`);
  return lines.join('\n');
}
