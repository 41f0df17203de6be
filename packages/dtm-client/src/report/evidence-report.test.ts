// The evidence report is one self-contained page that opens in a real browser without errors.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderEvidenceHtml } from './html.ts';
import type { Evidence } from './evidence-types.ts';

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8')) as Evidence;
const dir = mkdtempSync(path.join(os.tmpdir(), 'dtm-evidence-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('renderEvidenceHtml', () => {
  it.each(['pass', 'fail'])('renders the %s fixture self-contained, with every section and the verdict', (name) => {
    const e = fixture(name);
    const html = renderEvidenceHtml(e);
    expect(html).toMatch(/^<!doctype html>/i);
    expect(html).not.toMatch(/<script|<link|\ssrc=|url\(http/i);
    expect(html).toContain(e.verdict.text.replace(/&/g, '&amp;').slice(0, 40));
    for (const heading of ['Initial extract', 'Freshness', 'Data issues', 'Cutover', 'Proof of completeness', 'Binaries', 'Migration']) expect(html).toContain(heading);
  });

  it('escapes every value it is given', () => {
    const e = fixture('pass');
    const html = renderEvidenceHtml({ ...e, practice: { ods: 'A12345', name: '<script>alert("x")</script> & "quotes"' } });
    expect(html).not.toContain('<script>alert');
    expect(html).toContain('&lt;script&gt;');
  });

  const chromium = '/usr/bin/chromium';
  describe.skipIf(!existsSync(chromium))('in headless Chromium', () => {
    it.each(['pass', 'fail'])('the %s report renders to a screenshot with no console errors', (name) => {
      const file = path.join(dir, `${name}.html`);
      writeFileSync(file, renderEvidenceHtml(fixture(name)));
      const png = path.join(dir, `${name}.png`);
      const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', `--user-data-dir=${path.join(dir, `profile-${name}`)}`];
      execFileSync(chromium, [...flags, `--screenshot=${png}`, '--window-size=1280,2400', `file://${file}`], { stdio: 'pipe', timeout: 60_000 });
      expect(statSync(png).size).toBeGreaterThan(20_000);
      // --dump-dom loads the page as a browser would; console errors are logged to stderr.
      const run = spawnSync(chromium, [...flags, '--enable-logging=stderr', '--v=0', '--dump-dom', `file://${file}`], { timeout: 60_000, encoding: 'utf8' });
      expect(run.status).toBe(0);
      expect(run.stdout).toContain('Proof of completeness');
      const stderr = run.stderr;
      expect(stderr).not.toMatch(/Uncaught|SyntaxError|ReferenceError/);
    }, 120_000);
  });
});
