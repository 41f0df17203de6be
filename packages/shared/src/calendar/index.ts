// Calendar rules for the weekend cutover: Europe/London time, England and Wales bank holidays,
// working days and core working hours. Pure functions; no time-zone library.
export * from './london.ts';
export * from './bank-holidays.ts';
export * from './working-time.ts';
