export * from './nhs-number.ts';
export * from './snomed.ts';
