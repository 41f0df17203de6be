import { describe, expect, it } from 'vitest';
import { canonicalJson, hasInexactNumber, parseExact, parseExactIfNeeded } from './exact-json.ts';

describe('exact JSON numbers', () => {
  it('finds the numbers JSON.parse would change, in value positions', () => {
    for (const n of ['7.50', '1.0', '1e3', '1E+3', '-0', '-0.0', '12345678901234567890', '0.0000001', '3.14159265358979323846', '1e400']) {
      expect(hasInexactNumber(`{"a":[1,${n}]}`), n).toBe(true);
      expect(hasInexactNumber(`{"a":${n}}`), n).toBe(true);
    }
    for (const n of ['7.5', '100', '0', '-1', '0.1', '1e+21', '123456789012345']) expect(hasInexactNumber(`{"a":${n},"b":[${n}]}`), n).toBe(false);
    // Strings that hold digits, as ids, instants and UUIDs do, are not numbers.
    expect(hasInexactNumber('{"id":"550e8400-e29b-41d4-a716-446655440000","at":"2026-01-10T10:00:00.000Z","x":"1.50 mg"}')).toBe(false);
  });

  it('parses numbers as written and writes them back as written', () => {
    const text = '{"a":7.50,"b":[1.0,2,-0,12345678901234567890],"c":{"d":1e400,"e":"7.50"},"f":7.5}';
    expect(JSON.stringify(parseExact(text))).toBe(text);
    expect(canonicalJson(parseExact(text))).toBe('{"a":7.50,"b":[1.0,2,-0,12345678901234567890],"c":{"d":1e400,"e":"7.50"},"f":7.5}');
    expect(parseExactIfNeeded('{"a":7.5}')).toBeNull();
  });

  it('refuses to write a number that is not finite as if it were', () => {
    expect(() => canonicalJson({ a: Infinity })).toThrow(RangeError);
  });
});
