// The kit's small parts: evidence redaction, the OpenAPI scan, report escaping, option parsing and
// the cutover date.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OPENAPI_PATH } from '@dtm/shared';
import { nextCutoverStart } from './checks/cutover.ts';
import { parseDuration } from './command.ts';
import { REQUIRED_PATHS, scanOpenApi } from './openapi-scan.ts';
import { describeJwt, scrubText, summarizeRequest, summarizeResponse } from './redact.ts';
import { CHECKS, selectChecks } from './registry.ts';
import { xmlEscape } from './report/junit.ts';
import { percentile } from './stats.ts';
import { GROUPS } from './types.ts';

describe('redaction', () => {
  const patient = { resourceType: 'Patient', id: 'pat-1', identifier: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: '9990000018' }], name: [{ family: 'Smith-Jones' }] };

  it('reduces a change page to ids, versions and counts', () => {
    const s = JSON.stringify(summarizeResponse({
      practice: 'A12345', upToDate: true, nextCursor: 'abc',
      changes: [{ cursor: 'a', op: 'upsert', resourceType: 'Patient', id: 'pat-1', versionId: '2', resource: patient }, { cursor: 'b', op: 'delete', resourceType: 'Observation', id: 'o1', versionId: '3' }],
      watermark: { sourceAsOf: '2026-01-01T00:00:00Z' },
    }));
    expect(s).toContain('Patient/pat-1 v2');
    expect(s).toContain('delete Observation/o1 v3');
    expect(s).not.toContain('9990000018');
    expect(s).not.toContain('Smith-Jones');
  });

  it('never keeps tokens, assertions or resource bodies sent', () => {
    expect(summarizeResponse({ access_token: 'secret-token', token_type: 'bearer', expires_in: 300, scope: 's' })).toMatchObject({ access_token: '[redacted]' });
    const jwt = `${Buffer.from('{"alg":"ES384","kid":"k1"}').toString('base64url')}.${Buffer.from('{"iss":"c","iat":1,"exp":61}').toString('base64url')}.sig`;
    const form = summarizeRequest(new URLSearchParams({ grant_type: 'client_credentials', client_assertion: jwt })) as Record<string, string>;
    expect(form.client_assertion).toBe(describeJwt(jwt));
    expect(form.client_assertion).toMatch(/^\[JWT alg=ES384 kid=k1… claims=iss,iat,exp exp=iat\+60s\]$/);
    expect(JSON.stringify(summarizeRequest({ sourceAsOf: 'x', items: [{ op: 'upsert', resource: patient }] }))).not.toMatch(/9990000018|Smith/);
    expect(JSON.stringify(summarizeResponse({ unknown: 'Smith-Jones 9990000018' }))).toBe('{"keys":["unknown"]}');
  });

  it('masks long digit runs in server text', () => {
    expect(scrubText('NHS number 999 000 0018 is wrong')).toBe('NHS number [digits] is wrong');
    expect(scrubText('x'.repeat(300))!.length).toBe(201);
  });
});

describe('OpenAPI scan', () => {
  it('finds the version and every DTM operation in our contract', () => {
    const spec = scanOpenApi(readFileSync(OPENAPI_PATH, 'utf8'));
    expect(spec.openapi).toMatch(/^3\.1\./);
    for (const [m, p] of REQUIRED_PATHS) expect(spec.paths.get(p)?.has(m), `${m} ${p}`).toBe(true);
  });

  it('reads JSON documents and quoted keys', () => {
    expect(scanOpenApi('{"openapi":"3.1.0","paths":{"/a":{"get":{}}}}').paths.get('/a')).toEqual(new Set(['get']));
    const y = scanOpenApi("openapi: '3.0.3'\npaths:\n  '/x/{id}':\n    parameters: []\n    put:\n      x: 1\ncomponents: {}\n");
    expect(y.openapi).toBe('3.0.3');
    expect(y.paths.get('/x/{id}')).toEqual(new Set(['put']));
  });
});

describe('registry', () => {
  it('has unique, documented checks in every group', () => {
    expect(new Set(CHECKS.map((c) => c.id)).size).toBe(CHECKS.length);
    for (const c of CHECKS) {
      expect(c.id.startsWith(`${c.group}.`), c.id).toBe(true);
      expect(c.requirement.length, c.id).toBeGreaterThan(40);
    }
    for (const g of GROUPS) expect(CHECKS.some((c) => c.group === g), g).toBe(true);
  });

  it('selects groups and check ids', () => {
    expect(selectChecks(['auth']).checks.every((c) => c.group === 'auth')).toBe(true);
    expect(selectChecks(['feed.long-poll', 'rate']).checks.map((c) => c.id)).toEqual(['feed.long-poll', 'rate.retry-after']);
    expect(() => selectChecks(['nope'])).toThrow(/neither a group/);
  });
});

describe('helpers', () => {
  it('parses durations', () => {
    expect(parseDuration('10s')).toBe(10);
    expect(parseDuration('10m')).toBe(600);
    expect(parseDuration('1h')).toBe(3600);
    expect(parseDuration('3')).toBe(3);
    expect(() => parseDuration('soon')).toThrow();
  });

  it('escapes XML and drops control characters', () => {
    expect(xmlEscape('a<b & "c" \u0001')).toBe('a&lt;b &amp; &quot;c&quot; ');
  });

  it('computes nearest-rank percentiles', () => {
    expect(percentile([], 50)).toBeNull();
    expect(percentile([5, 1, 3, 2, 4], 50)).toBe(3);
    expect(percentile(Array.from({ length: 100 }, (_, i) => i + 1), 99)).toBe(99);
  });

  it('plans the cutover for 17:00 London on a Friday at least 15 days ahead, in GMT and BST', () => {
    for (const now of ['2026-01-05T09:00:00Z', '2026-07-01T12:00:00Z', '2026-10-12T12:00:00Z']) {
      const start = new Date(nextCutoverStart(new Date(now)));
      const london = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(start);
      expect(london).toBe('Fri 17:00');
      expect(start.getTime() - Date.parse(now)).toBeGreaterThan(14 * 86_400_000);
    }
  });
});
