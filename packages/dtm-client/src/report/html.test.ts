import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Evidence } from './evidence-types.ts';
import { esc, renderEvidenceHtml } from './html.ts';

const fixture = (name: 'pass' | 'fail'): Evidence =>
  JSON.parse(readFileSync(path.join(import.meta.dirname, 'fixtures', `${name}.json`), 'utf8')) as Evidence;
const FIXTURES = ['pass', 'fail'] as const;
const SECTIONS = ['Initial extract', 'Freshness', 'Data issues', 'Cutover', 'Proof of completeness', 'Binaries', 'Migration', 'Rehearsal timeline'];

describe('esc', () => {
  it('escapes markup and both quote characters', () => {
    expect(esc('<script>alert("x")</script>')).toBe('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(esc(`O'Brien & "Sons"`)).toBe('O&#39;Brien &amp; &quot;Sons&quot;');
    expect(esc(null)).toBe('');
    expect(esc(42)).toBe('42');
  });
});

describe('renderEvidenceHtml', () => {
  it.each(FIXTURES)('%s: one page with the verdict, the practice and every section', (name) => {
    const e = fixture(name);
    const html = renderEvidenceHtml(e);
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain(esc(e.verdict.text));
    expect(html).toContain(`banner ${e.verdict.pass ? 'pass' : 'fail'}`);
    expect(html).toContain(e.practice.ods);
    for (const title of SECTIONS) expect(html).toMatch(new RegExp(`<h2 id="[a-z]+">${title}</h2>`));
    expect(html).not.toContain('Not part of this run');
  });

  it.each(FIXTURES)('%s: self-contained (nothing fetched, no script)', (name) => {
    const e = fixture(name);
    const html = renderEvidenceHtml(e);
    for (const banned of ['<link', 'src=', '<script', '<iframe', '<object', '<embed', '@import', 'url(', '@font-face', 'xlink:href']) {
      expect(html.toLowerCase()).not.toContain(banned);
    }
    // The only URL on the page is the Source server's address, shown as text.
    expect(html.split(esc(e.server)).join('')).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/href=/);
  });

  it.each(FIXTURES)('%s: accessible charts and tables', (name) => {
    const html = renderEvidenceHtml(fixture(name));
    const svgs = html.match(/<svg[^>]*>/g) ?? [];
    expect(svgs.length).toBe(4); // resources by type, staleness, consumption delay, cutover
    for (const svg of svgs) expect(svg).toMatch(/role="img" aria-label="[^"]{20,}"/);
    expect(html).toContain('<html lang="en-GB">');
    expect((html.match(/<table>/g) ?? []).length).toBe((html.match(/<thead>/g) ?? []).length);
    const headers = html.match(/<th[ >][^>]*>/g) ?? [];
    expect(headers.length).toBeGreaterThan(10);
    expect(headers.filter((th) => !th.includes('scope="col"'))).toEqual([]);
  });

  it('shows times in Europe/London across the October clock change', () => {
    const html = renderEvidenceHtml(fixture('pass'));
    expect(html).toContain('Fri 24 Oct, 17:00 BST');
    expect(html).toContain('Mon 27 Oct, 08:00 GMT');
    expect(html).toContain('17:02:10 BST');
    expect(html).toContain('2 min 7 s');
  });

  it('pass: digests match, every type marked ✓, no differences', () => {
    const e = fixture('pass');
    const html = renderEvidenceHtml(e);
    expect(html).toContain('✓ Digests match');
    expect((html.match(/✓ match/g) ?? []).length).toBe(e.digest!.client.types.length + 1);
    expect(html).not.toContain('✗ differs');
    expect(html).toContain(e.digest!.client.total.digest.slice(0, 12));
    expect(html).not.toContain(`>${e.digest!.client.total.digest}<`); // shortened on the page (full digest in a tooltip)
    expect(html).toContain('No differences.');
  });

  it('fail: the missing Observation, the unanswered issue and the staleness spike show', () => {
    const e = fixture('fail');
    const html = renderEvidenceHtml(e);
    expect(html).toContain('✗ Digests differ');
    expect((html.match(/✗ differs/g) ?? []).length).toBe(2); // Observation and the total
    expect(html).toContain('<tr class="flag"><td>Observation</td>');
    expect(html).toContain('Missing in Target (1)');
    expect(html).toContain(e.digest!.differences[0]!.missingInTarget[0]);
    expect(html).toContain('✗ No response');
    expect(html).toMatch(/Staleness samples over 12 h<\/dt><dd>3</);
    expect(html).toContain('Not reached: Verified, Target complete');
  });

  it('escapes injected text everywhere it is interpolated', () => {
    const e = fixture('fail');
    const evil = '<script>alert("x")</script>';
    e.practice.name = evil;
    e.verdict.text = `"><img src=x onerror=alert(1)> ${evil}`;
    e.server = `javascript:${evil}`;
    e.issues[0]!.rule = `'"><svg onload=alert(1)>`;
    e.initialExtract!.byType[0]!.resourceType = `</text>${evil}`;
    e.digest!.differences[0]!.missingInTarget = [evil];
    e.migration!.warnings[0]!.message = evil;
    e.timeline[0]!.detail = evil;
    const html = renderEvidenceHtml(e);
    expect(html).not.toMatch(/<script|<img|<svg onload/i);
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(html).toContain('&#39;&quot;&gt;&lt;svg onload=alert(1)&gt;');
  });

  it('says "not part of this run" for the sections a run did not cover', () => {
    const e: Evidence = { ...fixture('pass'), initialExtract: null, cutover: null, digest: null, migration: null, timeline: [], issues: [] };
    e.freshness = { ...e.freshness, samples: [] };
    const html = renderEvidenceHtml(e);
    expect((html.match(/Not part of this run\./g) ?? []).length).toBe(5);
    expect(html).toContain('No data issues were raised.');
    expect(html).toContain('No freshness samples in this run.');
    for (const title of SECTIONS) expect(html).toContain(`>${title}</h2>`);
  });

  it('caps listed ids at 50 per list and says how many more', () => {
    const e = fixture('fail');
    e.digest!.differences = [{ resourceType: 'Observation', missingInTarget: Array.from({ length: 60 }, (_, i) => `obs-${i}`), extraInTarget: ['obs-x'], versionDiffers: [] }];
    const html = renderEvidenceHtml(e);
    expect(html).toContain('Missing in Target (60)');
    expect(html).toContain('<code>obs-49</code>');
    expect(html).not.toContain('<code>obs-50</code>');
    expect(html).toContain('and 10 more');
    expect(html).toContain('Extra in Target (1)');
  });

  it('copes with odd input: no Source digest, unparseable times, a window across nothing', () => {
    const e = fixture('pass');
    e.digest = { ...e.digest!, server: null };
    e.cutover = { ...e.cutover!, plannedStart: null, plannedGoLive: null, verifiedAt: 'not a time' };
    e.generatedAt = 'yesterday';
    const html = renderEvidenceHtml(e);
    expect(html).toContain('No Source digest was recorded');
    expect(html).toContain('yesterday');
    expect(html).not.toContain('NaN');
  });
});

// A real browser: the page must render to a non-trivial picture and log nothing to the console.
const CHROMIUM = '/usr/bin/chromium';
const run = promisify(execFile);

describe.skipIf(!existsSync(CHROMIUM))('renderEvidenceHtml in headless Chromium', () => {
  let dir = '';
  beforeAll(async () => { dir = await mkdtemp(path.join(os.tmpdir(), 'dtm-evidence-html-')); });
  afterAll(async () => { if (dir) await rm(dir, { recursive: true, force: true }); });

  async function chromium(file: string, ...args: string[]): Promise<{ stdout: string; stderr: string }> {
    const profile = await mkdtemp(path.join(dir, 'profile-'));
    return run(CHROMIUM, [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', `--user-data-dir=${profile}`, ...args, `file://${file}`,
    ], { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 });
  }
  const consoleProblems = (stderr: string) => stderr.split('\n').filter((l) => /Uncaught|:CONSOLE[:(]|net::ERR_/.test(l));

  it('the console check does catch a page that logs errors', async () => {
    const bad = path.join(dir, 'bad.html');
    await writeFile(bad, '<!DOCTYPE html><html><body><script>console.error("boom"); notDefined();</script></body></html>');
    const { stderr } = await chromium(bad, '--enable-logging=stderr', '--v=0', '--dump-dom');
    expect(consoleProblems(stderr).join('\n')).toMatch(/Uncaught ReferenceError/);
  });

  it.each(FIXTURES)('%s: renders to a screenshot and logs no console errors', async (name) => {
    const e = fixture(name);
    const html = path.join(dir, `${name}.html`);
    const png = path.join(dir, `${name}.png`);
    await writeFile(html, renderEvidenceHtml(e));

    await chromium(html, `--screenshot=${png}`, '--window-size=1280,2400');
    expect(existsSync(png)).toBe(true);
    expect((await stat(png)).size).toBeGreaterThan(20 * 1024);
    // DTM_EVIDENCE_SCREENSHOTS=<dir> keeps the pictures for a person to look at.
    const keep = process.env.DTM_EVIDENCE_SCREENSHOTS;
    if (keep) { await mkdir(keep, { recursive: true }); await copyFile(png, path.join(keep, `${name}.png`)); }

    const { stdout, stderr } = await chromium(html, '--enable-logging=stderr', '--v=0', '--dump-dom');
    expect(consoleProblems(stderr)).toEqual([]);
    expect(stdout).toContain(esc(e.verdict.text));
    expect(stdout).toContain('Proof of completeness');
  });
});
