// The kit is only worth running if it is right: against small DTMs broken on purpose, exactly the
// check that covers each flaw fails and every other check passes, warns or skips. Each scenario runs
// the whole kit (every group) through the command line, in parallel, and reads its JSON report.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from './command.ts';
import { runConformance } from './runner.ts';
import { FAKE_PATIENTS, startFakeDtm, type FakeDtm, type FakeDtmFlaws } from './testing/fake-dtm.ts';
import type { Report } from './types.ts';

interface Scenario {
  flaws: FakeDtmFlaws;
  /** Exactly the checks that must fail. */
  fails: string[];
  publisher?: boolean;
  args?: string[];
}

const SCENARIOS: Record<string, Scenario> = {
  'a conformant fake (control)': { flaws: {}, fails: [] },
  'accepts a replayed jti': { flaws: { acceptReplayedJti: true }, fails: ['auth.replayed-jti'] },
  'returns duplicates across pages': { flaws: { duplicatesAcrossPages: true }, fails: ['feed.no-duplicates'] },
  'skips a change under concurrency': { flaws: { skipUnderConcurrency: true }, fails: ['change.concurrent'] },
  'sends Retry-After as an HTTP date': { flaws: { retryAfterDate: true }, fails: ['rate.retry-after'] },
  'serves stale data (sourceAsOf 13 h old)': { flaws: { staleHours: 13 }, fails: ['freshness.source-as-of'] },
  'labels a raw deflate page gzip': { flaws: { mislabelledGzip: true }, fails: ['feed.compression'] },
  'loses decimal precision (7.50 served as 7.5)': { flaws: { lossyNumbers: true }, fails: ['change.decimal-precision'] },
  'no publisher credentials': { flaws: {}, fails: [], publisher: false, args: ['--sample', '3'] },
};

interface Run {
  code: number;
  out: string[];
  err: string[];
  dir: string;
  report: Report;
}

let tmp: string;
const fakes: FakeDtm[] = [];
const runs = new Map<string, Run>();

async function runKit(name: string, s: Scenario): Promise<Run> {
  const fake = await startFakeDtm({ flaws: s.flaws });
  fakes.push(fake);
  const dir = path.join(tmp, name.replace(/[^a-z0-9]+/gi, '-'));
  const key = async (who: string, text: string) => {
    const f = path.join(tmp, `${name.replace(/[^a-z0-9]+/gi, '-')}-${who}.jwk.json`);
    await writeFile(f, text, { mode: 0o600 });
    return f;
  };
  const c = fake.credentials;
  const args = [
    'run', '--base-url', fake.url, '--practice', fake.ods,
    '--client-id', c.consumer.clientId, '--private-key', await key('consumer', c.consumer.privateKey),
    '--rate-client-id', c.rate.clientId, '--rate-key', await key('rate', c.rate.privateKey),
    '--duration', '1s', '--out', dir, ...(s.args ?? []),
  ];
  if (s.publisher !== false) args.push('--publisher-client-id', c.publisher.clientId, '--publisher-key', await key('publisher', c.publisher.privateKey));
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  const report = JSON.parse(await readFile(path.join(dir, 'conformance.json'), 'utf8')) as Report;
  return { code, out, err, dir, report };
}

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'dtm-conformance-'));
  await Promise.all(Object.entries(SCENARIOS).map(async ([name, s]) => runs.set(name, await runKit(name, s))));
});

afterAll(async () => {
  await Promise.all(fakes.map((f) => f.close()));
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

const failed = (r: Report) => r.results.filter((x) => x.status === 'fail').map((x) => x.id);

describe('against deliberately broken DTMs, exactly the right checks fail', () => {
  it.each(Object.entries(SCENARIOS))('%s', (name, s) => {
    const run = runs.get(name)!;
    const explain = run.report.results.filter((x) => x.status === 'fail').map((x) => `${x.id}: ${x.reason}`).join('\n');
    expect(failed(run.report), explain).toEqual(s.fails);
    expect(run.code).toBe(s.fails.length ? 1 : 0);
    // Every check ran (all groups), and every failure names the request that showed it.
    expect(run.report.results.length).toBeGreaterThanOrEqual(35);
    for (const f of run.report.results.filter((x) => x.status === 'fail')) {
      expect(f.reason.length).toBeGreaterThan(10);
      expect(f.exchange, f.id).not.toBeNull();
      expect(run.out.join('\n')).toContain(`FAIL  ${f.id}`);
    }
  });

  it('says why each flaw failed, with the evidence', () => {
    const reason = (scenario: string, id: string) => runs.get(scenario)!.report.results.find((x) => x.id === id)!;
    const replay = reason('accepts a replayed jti', 'auth.replayed-jti');
    expect(replay.reason).toMatch(/replayed jti.*issued a token/);
    expect(replay.exchange).toMatchObject({ method: 'POST', path: '/oauth2/token', status: 200 });
    expect(reason('returns duplicates across pages', 'feed.no-duplicates').reason).toMatch(/duplicate/);
    expect(reason('skips a change under concurrency', 'change.concurrent').reason).toMatch(/differs from what was published/);
    const rate = reason('sends Retry-After as an HTTP date', 'rate.retry-after');
    expect(rate.reason).toMatch(/HTTP date/);
    expect(rate.exchange).toMatchObject({ status: 429 });
    expect(reason('serves stale data (sourceAsOf 13 h old)', 'freshness.source-as-of').reason).toMatch(/13\.0 h old/);
    const mislabelled = reason('labels a raw deflate page gzip', 'feed.compression');
    expect(mislabelled.reason).toMatch(/asked for gzip, the gzip body does not decode/);
    expect(mislabelled.exchange).toMatchObject({ status: 200, headers: { 'content-encoding': 'gzip' } });
    // The control answers every offer uncompressed, which is conformant.
    expect(reason('a conformant fake (control)', 'feed.compression')).toMatchObject({ status: 'pass', reason: expect.stringMatching(/uncompressed \(identity\), which is allowed/) });
    // The control: the rate check saw a limit with integer seconds.
    expect(reason('a conformant fake (control)', 'rate.retry-after').reason).toMatch(/429 within \d+ rapid requests, with Retry-After \d+ s/);
  });

  it('skips every write check without publisher credentials, and says so', () => {
    const r = runs.get('no publisher credentials')!.report;
    const skipped = r.results.filter((x) => x.status === 'skip' && x.reason.includes('needs publisher credentials')).map((x) => x.id);
    expect(skipped).toEqual(['auth.wrong-role', 'change.concurrent', 'change.page-boundary', 'change.binaries', 'change.decimal-precision', 'issues.answer', 'cutover.lifecycle', 'cutover.frozen', 'cutover.digest', 'cutover.rollback']);
    // Read-only parts of write-capable checks still run, and say what they could not test.
    expect(r.results.find((x) => x.id === 'freshness.last-updated')).toMatchObject({ status: 'pass', reason: expect.stringMatching(/not tested: needs publisher credentials/) });
    expect(runs.get('no publisher credentials')!.out.join('\n')).toMatch(/write checks skipped: needs publisher credentials/);
    // --sample N validates a random sample.
    expect(r.results.find((x) => x.id === 'validity.resources')!.reason).toMatch(/^a random sample of 3 of 9 resources pass/);
    expect(runs.get('no publisher credentials')!.out.join('\n')).toMatch(/skipped: needs publisher credentials\)/);
  });
});

describe('reports', () => {
  it('writes JUnit XML, a self-contained HTML report and JSON', async () => {
    const run = runs.get('accepts a replayed jti')!;
    const junit = await readFile(path.join(run.dir, 'conformance.junit.xml'), 'utf8');
    expect(junit).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites /);
    expect(junit.match(/<testcase /g)?.length).toBe(run.report.results.length);
    expect(junit.match(/<failure /g)?.length).toBe(1);
    expect(junit).toMatch(/<failure type="conformance" message="accepted the same assertion/);
    const html = await readFile(path.join(run.dir, 'conformance.html'), 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('NOT CONFORMANT');
    expect(html).toContain('<svg');
    // Self-contained: no external stylesheet, script, image or font.
    expect(html).not.toMatch(/<script|<link |src=|url\(|@import/);
    expect(html).not.toMatch(/https?:\/\/(?!127\.0\.0\.1)(?!www\.w3\.org\/2000\/svg)[a-z]/);
  });

  it('never keeps patient data, tokens or assertions', async () => {
    for (const run of runs.values()) {
      for (const f of ['conformance.html', 'conformance.json', 'conformance.junit.xml']) {
        const text = await readFile(path.join(run.dir, f), 'utf8');
        for (const p of FAKE_PATIENTS) {
          expect(text, f).not.toContain(p.nhsNumber);
          expect(text, f).not.toContain(p.family);
        }
        expect(text).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.eyJ/); // no JWT
        expect(text).not.toMatch(/"access_token":\s*"(?!\[redacted\])/);
        expect(text).not.toContain('27113001'); // not even a code from inside a resource
      }
    }
  });

  it('records request latency for the chart and probe percentiles', () => {
    const r = runs.get('a conformant fake (control)')!.report;
    expect(r.timings.some((t) => t.kind === 'probe')).toBe(true);
    const probe = r.results.find((x) => x.id === 'freshness.availability-probe')!;
    expect(probe.metrics).toMatchObject({ availabilityPercent: 100, p50Ms: expect.any(Number), p95Ms: expect.any(Number), p99Ms: expect.any(Number) });
  });
});

describe('optional cutover checks', () => {
  it('skip when the DTM\'s contract has no migration routes, even with --cutover', async () => {
    const fake = await startFakeDtm({ contract: (s) => s.replaceAll('/v1/practices/{ods}/migration', '/v1/practices/{ods}/not-here') });
    fakes.push(fake);
    const report = await runConformance({
      baseUrl: fake.url, practice: fake.ods, consumer: fake.credentials.consumer, publisher: fake.credentials.publisher, only: ['cutover'], cutover: true,
    });
    expect(report.results.map((r) => [r.id, r.status])).toEqual([['cutover.lifecycle', 'skip'], ['cutover.frozen', 'skip'], ['cutover.digest', 'skip'], ['cutover.rollback', 'skip']]);
    expect(report.results[0]!.reason).toMatch(/not in this DTM's contract/);
  });
});

describe('the command line', () => {
  const bin = path.resolve(import.meta.dirname, '../bin/dtm-conformance.js');
  const exec = promisify(execFile);

  it('lists every check with its requirement through the installed bin', async () => {
    const { stdout } = await exec(process.execPath, [bin, 'list']);
    expect(stdout).toContain('auth.replayed-jti');
    expect(stdout).toContain('Roadmap item');
  });

  it('refuses bad usage with exit code 2', async () => {
    const err: string[] = [];
    const io = { out: () => {}, err: (l: string) => err.push(l) };
    expect(await main(['run', '--base-url', 'http://x'], io)).toBe(2);
    expect(err.join()).toMatch(/missing --client-id, --private-key, --practice/);
    expect(await main(['run', '--base-url', 'http://x', '--client-id', 'c', '--private-key', '/nonexistent', '--practice', 'A12345'], io)).toBe(2);
    expect(await main(['run', '--base-url', 'http://x', '--client-id', 'c', '--private-key', 'k', '--practice', 'A12345', '--only', 'nope'], io)).toBe(2);
    expect(await main(['frobnicate'], io)).toBe(2);
  });
});
