// NHS number checks (https://www.datadictionary.nhs.uk/attributes/nhs_number.html) and a maker of
// test NHS numbers. Numbers beginning 999 are never issued to real patients, so synthetic data uses them.

export const NHS_NUMBER_SYSTEM = 'https://fhir.nhs.uk/Id/nhs-number';

const TEN_DIGITS = /^[0-9]{10}$/;

/** Modulus 11 check digit of the first nine digits, or null when it would be 10 (no valid number). */
function checkDigit(nine: string): number | null {
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += (nine.charCodeAt(i) - 48) * (10 - i);
  const check = 11 - (sum % 11);
  if (check === 11) return 0;
  if (check === 10) return null;
  return check;
}

/** True for ten digits whose last digit is the modulus 11 check digit of the first nine. */
export function isValidNhsNumber(s: string): boolean {
  if (typeof s !== 'string' || !TEN_DIGITS.test(s)) return false;
  return checkDigit(s.slice(0, 9)) === s.charCodeAt(9) - 48;
}

/** How many distinct test numbers `nhsNumberFromSerial` can make (serials 0 to this minus one). */
export const NHS_TEST_SERIALS = 900_000;

/**
 * A valid test NHS number 999xxxxxxC for serial 0 <= serial < NHS_TEST_SERIALS, one-to-one.
 * The six middle digits are 10 * a + d where a = floor(serial / 9): for each a, at most one last digit d
 * gives a check digit of 10 and is skipped, and serial mod 9 picks among the (at least nine) others.
 * Serial 0 gives 9990000018.
 */
export function nhsNumberFromSerial(serial: number): string {
  if (!Number.isInteger(serial) || serial < 0 || serial >= NHS_TEST_SERIALS) {
    throw new RangeError(`NHS test serial out of range: ${serial}`);
  }
  const head = `999${String(Math.floor(serial / 9)).padStart(5, '0')}`;
  let skip = serial % 9;
  for (let d = 0; d <= 9; d++) {
    const check = checkDigit(`${head}${d}`);
    if (check === null) continue;
    if (skip === 0) return `${head}${d}${check}`;
    skip--;
  }
  throw new Error('unreachable: every 8-digit head has at least nine valid last digits');
}
