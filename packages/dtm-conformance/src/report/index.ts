// Writes the three report files into the output directory.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Report } from '../types.ts';
import { htmlReport } from './html.ts';
import { junitXml } from './junit.ts';

export const REPORT_FILES = { html: 'conformance.html', junit: 'conformance.junit.xml', json: 'conformance.json' } as const;

export async function writeReports(report: Report, dir: string): Promise<Record<keyof typeof REPORT_FILES, string>> {
  await mkdir(dir, { recursive: true });
  const files = {
    html: path.join(dir, REPORT_FILES.html),
    junit: path.join(dir, REPORT_FILES.junit),
    json: path.join(dir, REPORT_FILES.json),
  };
  await writeFile(files.html, htmlReport(report));
  await writeFile(files.junit, junitXml(report));
  await writeFile(files.json, `${JSON.stringify(report, null, 2)}\n`);
  return files;
}

export { htmlReport } from './html.ts';
export { junitXml } from './junit.ts';
export { header, resultLine, summary } from './terminal.ts';
