// `npm start` is the rehearsal: a whole weekend cutover, small, must end green with its evidence.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { rehearse } from '../packages/dtm-rehearsal/src/rehearsal.ts';

describe('weekend cutover rehearsal', () => {
  it('runs green end to end and writes its evidence pack', { timeout: 240_000 }, async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'dtm-rehearsal-'));
    const lines: string[] = [];
    try {
      const r = await rehearse({ patients: 60, ticksPerDay: 15, dir, log: (l) => lines.push(l) });
      expect(r.pass, lines.join('\n')).toBe(true);
      const steps = lines.map((l) => l.split(/\s{2,}/)[1]);
      expect(steps).toEqual(['published', 'registered', 'initial extract', 'readiness confirmed', 'live week', 'cutover started', 'source frozen',
        'frozen', 'drained', 'verified', 'target-complete', 'business go-live']);
      const evidence = JSON.parse(await readFile(r.evidenceJson, 'utf8')) as { verdict: { pass: boolean }; digest: { match: boolean }; cutover: { withinWindow: boolean }; migration: { state: string } };
      expect(evidence).toMatchObject({ verdict: { pass: true }, digest: { match: true }, cutover: { withinWindow: true }, migration: { state: 'business-go-live' } });
      const html = await readFile(r.evidenceHtml, 'utf8');
      expect(html).toMatch(/^<!doctype html>/i);
      expect(html).not.toMatch(/<script|<link|src="http/i);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
