import { describe, it, expect } from 'vitest';
import {
  NHS_NUMBER_SYSTEM,
  NHS_TEST_SERIALS,
  isValidNhsNumber,
  isValidSnomedId,
  nhsNumberFromSerial,
  verhoeffValid,
} from './index.ts';
import * as shared from '../index.ts';

/** Append the one digit that makes `body` pass Verhoeff. */
const withVerhoeff = (body: string): string => {
  for (let d = 0; d <= 9; d++) if (verhoeffValid(`${body}${d}`)) return `${body}${d}`;
  throw new Error('no Verhoeff digit');
};

describe('NHS number', () => {
  it('accepts known-valid numbers', () => {
    for (const n of ['9990000018', '9434765919', '9990000050' /* check digit 11 -> 0 */]) {
      expect(isValidNhsNumber(n), n).toBe(true);
    }
  });

  it('rejects a wrong check digit', () => {
    expect(isValidNhsNumber('9990000019')).toBe(false);
    expect(isValidNhsNumber('9434765910')).toBe(false);
  });

  it('rejects every number whose check digit would be 10', () => {
    // 999000000: weighted sum 243, 243 mod 11 = 1, so the check digit would be 10.
    for (let d = 0; d <= 9; d++) expect(isValidNhsNumber(`999000000${d}`)).toBe(false);
  });

  it('rejects non-digits and wrong lengths', () => {
    for (const n of ['999000001A', '999 000 0018', '999-000-0018', '', '999000001', '99900000180', '+990000018']) {
      expect(isValidNhsNumber(n), n).toBe(false);
    }
  });

  it('makes valid, distinct test numbers in the 999 range from serials', () => {
    expect(nhsNumberFromSerial(0)).toBe('9990000018');
    const seen = new Set<string>();
    for (let s = 0; s < 20_000; s++) {
      const n = nhsNumberFromSerial(s);
      expect(n.startsWith('999')).toBe(true);
      if (!isValidNhsNumber(n)) throw new Error(`serial ${s} gave invalid ${n}`);
      seen.add(n);
    }
    expect(seen.size).toBe(20_000);
    expect(isValidNhsNumber(nhsNumberFromSerial(NHS_TEST_SERIALS - 1))).toBe(true);
  });

  it('refuses serials it cannot map', () => {
    expect(() => nhsNumberFromSerial(-1)).toThrow(RangeError);
    expect(() => nhsNumberFromSerial(1.5)).toThrow(RangeError);
    expect(() => nhsNumberFromSerial(NHS_TEST_SERIALS)).toThrow(RangeError);
  });

  it('exports the UK Core identifier system', () => {
    expect(NHS_NUMBER_SYSTEM).toBe('https://fhir.nhs.uk/Id/nhs-number');
  });
});

describe('SNOMED CT identifiers', () => {
  it('implements Verhoeff', () => {
    expect(verhoeffValid('2363')).toBe(true); // the textbook example: 236 -> check digit 3
    expect(verhoeffValid('2364')).toBe(false);
    expect(verhoeffValid('')).toBe(false);
    expect(verhoeffValid('23a3')).toBe(false);
  });

  it('accepts real concept ids', () => {
    const real = [
      '38341003', // Hypertensive disorder
      '44054006', // Diabetes mellitus type 2
      '73211009', // Diabetes mellitus
      '195967001', // Asthma
      '22298006', // Myocardial infarction
      '999791000000106', // HbA1c level - IFCC standardised (UK extension)
      '39113611000001102', // Salbutamol 100micrograms/dose inhaler CFC free (dm+d VMP)
    ];
    for (const id of real) expect(isValidSnomedId(id), id).toBe(true);
  });

  it('rejects an id with one digit altered', () => {
    expect(isValidSnomedId('38341004')).toBe(false);
    expect(isValidSnomedId('44054016')).toBe(false);
    expect(isValidSnomedId('195967101')).toBe(false);
  });

  it('rejects bad shapes even with a valid Verhoeff digit', () => {
    const badPartition = withVerhoeff('1234505'); // partition 05
    expect(verhoeffValid(badPartition)).toBe(true);
    expect(isValidSnomedId(badPartition)).toBe(false);
    const leadingZero = withVerhoeff('0123400');
    expect(verhoeffValid(leadingZero)).toBe(true);
    expect(isValidSnomedId(leadingZero)).toBe(false);
    expect(isValidSnomedId(withVerhoeff('1200'))).toBe(false); // 5 digits: too short
    expect(isValidSnomedId(withVerhoeff('123456789012345610'))).toBe(false); // 19 digits: too long
    expect(isValidSnomedId(withVerhoeff('12345678901234510'))).toBe(true); // 18 digits: longest allowed
    expect(isValidSnomedId(' 38341003')).toBe(false);
  });

  it('exports the system URIs', () => {
    expect(shared.SNOMED_SYSTEM).toBe('http://snomed.info/sct');
    expect(shared.DMD_SYSTEM).toBe('https://dmd.nhs.uk');
    expect(shared.ODS_SYSTEM).toBe('https://fhir.nhs.uk/Id/ods-organization-code');
    expect(shared.isValidNhsNumber).toBe(isValidNhsNumber);
  });
});
