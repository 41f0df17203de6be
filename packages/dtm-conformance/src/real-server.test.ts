// The whole kit, every group, against our own DTM started fresh on an empty database with a small
// synthetic practice published through its API, as an assurance team would run it against a
// supplier's test environment: zero failures.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { NHS_NUMBER_SYSTEM } from '@dtm/shared';
import { startTestServer, TEST_CLIENTS, type TestServer } from '../../../test/support/server.ts';
import { addClient, addGrant } from '../../dtm-server/src/services/admin.ts';
import { publishPractice } from '../../dtm-server/src/seed/publish.ts';
import { generatePractice, type SyntheticPractice } from '../../dtm-server/src/seed/synthetic-practice.ts';
import { main } from './command.ts';
import type { Report } from './types.ts';

const ODS = 'K20001';
let s: TestServer;
let tmp: string;
let practice: SyntheticPractice;

beforeAll(async () => {
  s = await startTestServer({ env: { DTM_ACCESS_TOKEN_TTL_SECONDS: '300' } });
  tmp = await mkdtemp(path.join(os.tmpdir(), 'dtm-conformance-real-'));
  await s.grant(ODS);
  practice = generatePractice({ ods: ODS, patients: 8 });
  await publishPractice(s.url, practice, { headers: { authorization: `Bearer ${await s.token('publisher')}` } });
  // A consumer with tight agreed terms, for the rate check (the test consumer's terms are huge).
  const { privateJwk } = await addClient({ pool: s.pool, clock: s.clock }, { id: 'conformance-rate', name: 'conformance rate probe', role: 'consumer', generateKey: true });
  await addGrant({ pool: s.pool, clock: s.clock }, { clientId: 'conformance-rate', practice: ODS, requestsPerMinute: 5, sessionsPerDay: 10 });
  await writeFile(path.join(tmp, 'rate.jwk.json'), JSON.stringify(privateJwk), { mode: 0o600 });
  await writeFile(path.join(tmp, 'consumer.jwk.json'), s.privateKeys.consumer, { mode: 0o600 });
  await writeFile(path.join(tmp, 'publisher.jwk.json'), s.privateKeys.publisher, { mode: 0o600 });
});

afterAll(async () => {
  await s?.stop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

it('passes every check against our DTM (all groups with the cutover, 3 s probe, publisher and rate clients)', async () => {
  const out: string[] = [];
  const dir = path.join(tmp, 'report');
  const code = await main([
    'run', '--base-url', s.url, '--practice', ODS,
    '--client-id', TEST_CLIENTS.consumer, '--private-key', path.join(tmp, 'consumer.jwk.json'),
    '--publisher-client-id', TEST_CLIENTS.publisher, '--publisher-key', path.join(tmp, 'publisher.jwk.json'),
    '--rate-client-id', 'conformance-rate', '--rate-key', path.join(tmp, 'rate.jwk.json'),
    '--duration', '3s', '--cutover', '--out', dir,
  ], { out: (l) => out.push(l), err: (l) => out.push(l) });
  const report = JSON.parse(await readFile(path.join(dir, 'conformance.json'), 'utf8')) as Report;
  const notPassed = report.results.filter((r) => r.status !== 'pass').map((r) => `${r.status} ${r.id}: ${r.reason}`);
  expect(report.totals.fail, out.join('\n')).toBe(0);
  expect(code).toBe(0);
  // Nothing is left untested.
  expect(notPassed, notPassed.join('\n')).toEqual([]);
  const byId = new Map(report.results.map((r) => [r.id, r]));
  expect(byId.get('rate.retry-after')!.reason).toMatch(/429 within \d+ rapid requests, with Retry-After \d+ s/);
  expect(byId.get('validity.resources')!.reason).toMatch(/^all \d+ resources pass/);
  expect(byId.get('feed.initial-extract')!.metrics.upserts).toBe(practice.resources.length);
  expect(byId.get('change.concurrent')!.status).toBe('pass');
  // Our DTM compresses its pages: the check saw each offer honoured and decoded.
  expect(byId.get('feed.compression')!.reason).toMatch(/^zstd → zstd; gzip → gzip; zstd, gzip → zstd: each decodes to the identity page/);

  // The reports carry no patient data: no NHS number or family name of the practice appears.
  const nhsNumbers = new Set<string>();
  const families = new Set<string>();
  for (const r of practice.resources) {
    for (const i of (r.identifier as { system?: string; value?: string }[] | undefined) ?? []) if (i.system === NHS_NUMBER_SYSTEM && i.value) nhsNumbers.add(i.value);
    if (r.resourceType === 'Patient') for (const n of (r.name as { family?: string }[] | undefined) ?? []) if (n.family && n.family.length > 3) families.add(n.family);
  }
  expect(nhsNumbers.size).toBeGreaterThan(0);
  for (const f of ['conformance.html', 'conformance.json', 'conformance.junit.xml']) {
    const text = await readFile(path.join(dir, f), 'utf8');
    for (const n of nhsNumbers) expect(text, `${f} contains an NHS number`).not.toContain(n);
    for (const n of families) expect(text, `${f} contains a family name`).not.toMatch(new RegExp(`\\b${n}\\b`));
  }
});
