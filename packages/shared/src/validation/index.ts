// Validation of FHIR R4 resources received from a DTM: HL7 R4 structure plus UK Core rules.
export { validateResource, MAX_STRUCTURE_ISSUES } from './validate.ts';
export type { ValidationIssue } from './validate.ts';
export { VALIDATED_RESOURCE_TYPES } from './resource-types.ts';
export { MAX_RULE_ISSUES, isSnomedConceptId } from './uk-core-rules.ts';
