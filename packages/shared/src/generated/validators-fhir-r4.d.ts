// Generated from fhir.schema.json by `npm run generate`; do not edit.
// Types of validators-fhir-r4.js.
/* eslint-disable */
/** One ajv error (allErrors): instancePath is a JSON pointer; message never quotes the data. */
export interface StructureError {
  instancePath: string;
  schemaPath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}
/** True when the data is valid; otherwise `errors` holds what is wrong. Throws RangeError on data nested too deep. */
export interface StructureValidator {
  (data: unknown): boolean;
  errors?: StructureError[] | null;
}
/** Validator by resource type, for each of VALIDATED_RESOURCE_TYPES (null prototype). */
export declare const VALIDATORS: Readonly<Record<string, StructureValidator>>;
/** Definition name -> element name -> complex type of that element ('Resource' for a contained resource). */
export declare const ELEMENT_TYPES: Readonly<Record<string, Readonly<Record<string, string>>>>;
export declare const Patient: StructureValidator;
export declare const Practitioner: StructureValidator;
export declare const PractitionerRole: StructureValidator;
export declare const Organization: StructureValidator;
export declare const Location: StructureValidator;
export declare const Encounter: StructureValidator;
export declare const EpisodeOfCare: StructureValidator;
export declare const Condition: StructureValidator;
export declare const Observation: StructureValidator;
export declare const Procedure: StructureValidator;
export declare const AllergyIntolerance: StructureValidator;
export declare const Medication: StructureValidator;
export declare const MedicationRequest: StructureValidator;
export declare const MedicationStatement: StructureValidator;
export declare const Immunization: StructureValidator;
export declare const DiagnosticReport: StructureValidator;
export declare const Specimen: StructureValidator;
export declare const DocumentReference: StructureValidator;
export declare const ServiceRequest: StructureValidator;
export declare const Appointment: StructureValidator;
export declare const Slot: StructureValidator;
export declare const Schedule: StructureValidator;
export declare const Task: StructureValidator;
export declare const Flag: StructureValidator;
export declare const List: StructureValidator;
export declare const Consent: StructureValidator;
export declare const AuditEvent: StructureValidator;
export declare const Provenance: StructureValidator;
export declare const Communication: StructureValidator;
export declare const RelatedPerson: StructureValidator;
