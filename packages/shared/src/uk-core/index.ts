export * from './nhs-number.ts';
export * from './snomed.ts';
export * from './snomed-expression.ts';
