// JUnit XML: one testsuite per group, one testcase per check, so CI systems and test dashboards show
// the run. A warning is a passing testcase with the warning in system-out.
import type { Report } from '../types.ts';
import { requestLine } from './terminal.ts';

/** Text safe for XML 1.0 (no control characters) with the five entities escaped. */
export function xmlEscape(s: string): string {
  return s
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '')
    .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

const secs = (ms: number) => (ms / 1000).toFixed(3);

export function junitXml(r: Report): string {
  const groups = [...new Set(r.results.map((x) => x.group))];
  const total = (pred: (s: string) => boolean, list = r.results) => list.filter((x) => pred(x.status)).length;
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${xmlEscape(`DTM conformance: ${r.target.baseUrl} ${r.target.practice}`)}" tests="${r.results.length}" failures="${total((s) => s === 'fail')}" skipped="${total((s) => s === 'skip')}" errors="0" time="${secs(Date.parse(r.finishedAt) - Date.parse(r.startedAt))}" timestamp="${r.startedAt}">`,
  ];
  for (const g of groups) {
    const list = r.results.filter((x) => x.group === g);
    const time = list.reduce((a, x) => a + x.ms, 0);
    out.push(`  <testsuite name="${xmlEscape(g)}" tests="${list.length}" failures="${total((s) => s === 'fail', list)}" skipped="${total((s) => s === 'skip', list)}" errors="0" time="${secs(time)}" timestamp="${r.startedAt}">`);
    for (const x of list) {
      const req = requestLine(x.exchange);
      const body = [x.reason, ...(req ? [`request: ${req}`] : []), ...x.details].join('\n');
      out.push(`    <testcase classname="dtm-conformance.${xmlEscape(g)}" name="${xmlEscape(`${x.id}: ${x.title}`)}" time="${secs(x.ms)}">`);
      out.push(`      <properties><property name="requirement" value="${xmlEscape(x.requirement)}"/><property name="status" value="${x.status}"/></properties>`);
      if (x.status === 'fail') out.push(`      <failure type="conformance" message="${xmlEscape(x.reason)}">${xmlEscape(body)}</failure>`);
      else if (x.status === 'skip') out.push(`      <skipped message="${xmlEscape(x.reason)}"/>`);
      else out.push(`      <system-out>${xmlEscape(`${x.status === 'warn' ? 'WARNING: ' : ''}${body}`)}</system-out>`);
      out.push('    </testcase>');
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>', '');
  return out.join('\n');
}
