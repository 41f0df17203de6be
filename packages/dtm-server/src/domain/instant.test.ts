import { describe, expect, it } from 'vitest';
import { isRealInstant } from './instant.ts';

describe('isRealInstant', () => {
  it.each(['2026-11-20T17:00:00Z', '2024-02-29T23:59:59.999+01:00', '2026-03-29T01:30:00.123456Z'])('accepts %s', (s) => {
    expect(isRealInstant(s)).toBe(true);
  });
  it.each(['2026-02-30T00:00:00Z', '2025-02-29T00:00:00Z', '2026-11-20T24:00:00Z', '2026-11-20T17:60:00Z', '2026-11-20', 'yesterday', '2026-11-20T17:00:00+25:00'])('refuses %s', (s) => {
    expect(isRealInstant(s)).toBe(false);
  });
});
