// JSON numbers carried exactly as written. FHIR R4 (Datatypes, decimal): "the precision of the
// decimal value has significance" (7.50 is not 7.5), and an integer beyond 2^53 is not a double.
// JSON.parse makes every number a double and JSON.stringify writes the double back, so a record
// parsed and re-serialised loses both. The DTM carries records whole (no clinical data lost): the
// server stores and the client keeps the numbers as the Source wrote them, through
// JSON.rawJSON (ECMAScript JSON.parse source text access; Node 21+), which JSON.stringify writes
// verbatim.

/** A number as written, from JSON.rawJSON. */
export interface RawJsonNumber {
  readonly rawJSON: string;
}

interface JsonWithSource {
  parse(text: string, reviver: (key: string, value: unknown, context?: { source?: string }) => unknown): unknown;
  rawJSON(text: string): RawJsonNumber;
  isRawJSON(value: unknown): value is RawJsonNumber;
}
const JSON_SOURCE = JSON as unknown as JsonWithSource;

/** A number token in value position: after `:`, `,` or `[`, before `,`, `}` or `]`. */
const NUMBER_VALUE = /[:,[]\s*(-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)(?=\s*[,}\]])/g;

/**
 * True when the JSON text may hold a number that JSON.parse would not give back as written (7.50,
 * 1e3, -0, 12345678901234567890). A string holding such text after a comma or colon can make it
 * true too; the exact parse is then taken for nothing worse than its cost.
 */
export function hasInexactNumber(text: string): boolean {
  NUMBER_VALUE.lastIndex = 0;
  for (let m = NUMBER_VALUE.exec(text); m; m = NUMBER_VALUE.exec(text)) {
    if (String(Number(m[1])) !== m[1]) return true;
  }
  return false;
}

const keepNumberText = (_key: string, value: unknown, context?: { source?: string }): unknown =>
  typeof value === 'number' && context?.source !== undefined && String(value) !== context.source ? JSON_SOURCE.rawJSON(context.source) : value;

/**
 * JSON.parse, except that a number a double would not give back as written becomes a RawJsonNumber
 * holding its text. Only for carrying and hashing: a validator expects numbers (parse plainly for it).
 * Several times slower than JSON.parse (a reviver call per value): take it when hasInexactNumber.
 */
export function parseExact(text: string): unknown {
  return JSON_SOURCE.parse(text, keepNumberText);
}

/** parseExact(text) when the text has a number JSON.parse would change, else null (JSON.parse is exact). */
export const parseExactIfNeeded = (text: string): unknown => (hasInexactNumber(text) ? parseExact(text) : null);

export const isRawJsonNumber = (value: unknown): value is RawJsonNumber => JSON_SOURCE.isRawJSON(value);

/**
 * Canonical JSON text for comparing records: members sorted by key (UTF-16 code units), no
 * whitespace, strings as JSON.stringify writes them, as RFC 8785 (JCS); numbers as written when they
 * are RawJsonNumbers, else as JSON.stringify writes them (JCS's own form). For data without
 * RawJsonNumbers this is the text the `canonicalize` package (JCS) gives, so content hashes stored
 * before it stay valid; unlike JCS it keeps 7.50 apart from 7.5, and a lone surrogate is written
 * escaped (JSON.stringify's form) where `canonicalize` threw.
 */
export function canonicalJson(value: unknown): string {
  if (typeof value === 'number' && !Number.isFinite(value)) throw new RangeError('a JSON number must be finite');
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (isRawJsonNumber(value)) return value.rawJSON;
  if (Array.isArray(value)) return `[${value.map((v: unknown) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
  const parts: string[] = [];
  for (const key of Object.keys(value).sort()) {
    const v = (value as Record<string, unknown>)[key];
    if (v !== undefined) parts.push(`${JSON.stringify(key)}:${canonicalJson(v)}`);
  }
  return `{${parts.join(',')}}`;
}
