import { FHIR_R4_RESOURCE_TYPES } from './generated/fhir-resource-types.ts';

/** FHIR R4 id: 1 to 64 of letters, digits, '-' and '.' (https://hl7.org/fhir/R4/datatypes.html#id). */
export const FHIR_ID_PATTERN = /^[A-Za-z0-9\-.]{1,64}$/;

/** ODS organisation code as the DTM accepts it in paths: upper-case letters and digits. */
export const ODS_CODE_PATTERN = /^[A-Z0-9]{3,10}$/;

const resourceTypes = new Set(FHIR_R4_RESOURCE_TYPES);

export const isR4ResourceType = (name: string): boolean => resourceTypes.has(name);

export { FHIR_R4_RESOURCE_TYPES };
