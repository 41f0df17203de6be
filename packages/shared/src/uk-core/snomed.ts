// SNOMED CT identifier checks (SCTID). dm+d ids are SCTIDs in the UK extension, so the same checks apply.
// SCTIDs are always carried as strings: the longest do not fit in a JavaScript number.

export const SNOMED_SYSTEM = 'http://snomed.info/sct';
export const DMD_SYSTEM = 'https://dmd.nhs.uk';
export const ODS_SYSTEM = 'https://fhir.nhs.uk/Id/ods-organization-code';

// Verhoeff dihedral-group tables (https://en.wikipedia.org/wiki/Verhoeff_algorithm).
const D: readonly (readonly number[])[] = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
  [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
  [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
  [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
  [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
  [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
  [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
  [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
  [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
];
const P: readonly (readonly number[])[] = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
  [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
  [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
  [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
  [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
  [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
  [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
];

const DIGITS = /^[0-9]+$/;

/** True when `digits` (check digit last) passes the Verhoeff check. */
export function verhoeffValid(digits: string): boolean {
  if (!DIGITS.test(digits)) return false;
  let c = 0;
  for (let i = 0; i < digits.length; i++) {
    const digit = digits.charCodeAt(digits.length - 1 - i) - 48;
    c = D[c]![P[i % 8]![digit]!]!;
  }
  return c === 0;
}

/**
 * Partition identifiers (the 2nd and 3rd digits from the right): 00/01/02 for concept, description and
 * relationship ids of the International release, 10/11/12 for the same in an extension (e.g. the UK one).
 */
export const SNOMED_PARTITIONS: ReadonlySet<string> = new Set(['00', '01', '02', '10', '11', '12']);

/** The partition identifier of an SCTID-shaped string. */
export const snomedPartition = (s: string): string => s.slice(-3, -1);

/** True for a well-formed SCTID: 6-18 digits, no leading zero, known partition, valid Verhoeff check digit. */
export function isValidSnomedId(s: string): boolean {
  if (typeof s !== 'string' || s.length < 6 || s.length > 18) return false;
  if (!DIGITS.test(s) || s[0] === '0') return false;
  if (!SNOMED_PARTITIONS.has(snomedPartition(s))) return false;
  return verhoeffValid(s);
}
