import { describe, expect, it } from 'vitest';
import { loggableUrl } from './log-url.ts';

describe('loggableUrl', () => {
  it('keeps paths and the DTM\'s own query values', () => {
    expect(loggableUrl('/v1/practices/A12345/changes?since=AQAA_x-1&limit=5&wait=30')).toBe('/v1/practices/A12345/changes?since=AQAA_x-1&limit=5&wait=30');
    expect(loggableUrl('/v1/practices/A12345/issues?status=open&status=acknowledged&after=7')).toBe('/v1/practices/A12345/issues?status=open&status=acknowledged&after=7');
    expect(loggableUrl('/v1/practices/A12345/status')).toBe('/v1/practices/A12345/status');
  });

  it('masks client text (the issue rule) and unknown parameters', () => {
    const logged = loggableUrl('/v1/practices/A12345/issues?rule=patient%209990000018&limit=2&x=Smith');
    expect(logged).toBe('/v1/practices/A12345/issues?rule=~&limit=2&x=~');
    expect(logged).not.toMatch(/9990000018|Smith/);
  });
});
