// Validation of one FHIR R4 resource as the sync client receives it: structure against HL7's R4 JSON Schema
// (precompiled, see scripts/generate-validators.ts) plus UK Core rules (./uk-core-rules.ts). A record that
// fails is still stored; the issues are what gets reported, so this never throws and no issue message ever
// quotes a value from the record (patient data must not leak into reports or logs).
import { isR4ResourceType } from '../fhir.ts';
import { VALIDATORS } from '../generated/validators-fhir-r4.js';
import type { StructureError, StructureValidator } from '../generated/validators-fhir-r4.js';
import { checkUkCoreRules } from './uk-core-rules.ts';

export interface ValidationIssue {
  /** e.g. 'fhir.structure', 'uk-core.nhs-number'. */
  rule: string;
  severity: 'error' | 'warning';
  /** JSON pointer (RFC 6901) to the offending element; '' is the whole resource. */
  pointer: string;
  /** Says what is wrong without repeating the data. */
  message: string;
}

/** At most this many structure errors are reported per resource (ajv collects all of them). */
export const MAX_STRUCTURE_ISSUES = 20;

/** An element name worth adding to the pointer of a "must NOT have additional properties" error. */
const ELEMENT_NAME = /^_?[A-Za-z][A-Za-z0-9_]{0,63}$/;

const escapePointerToken = (s: string): string => s.replace(/~/g, '~0').replace(/\//g, '~1');

function structureIssue(e: StructureError): ValidationIssue {
  let pointer = e.instancePath;
  // Point at the unexpected element itself rather than at its parent (its name is a key, not a value).
  const extra = e.keyword === 'additionalProperties' ? e.params.additionalProperty : undefined;
  if (typeof extra === 'string' && ELEMENT_NAME.test(extra)) pointer += `/${escapePointerToken(extra)}`;
  // ajv messages are built from the schema only (required property names, patterns, types), never from data.
  return { rule: 'fhir.structure', severity: 'error', pointer, message: e.message ?? `fails the schema's ${e.keyword}` };
}

function checkStructure(validate: StructureValidator, resource: unknown, issues: ValidationIssue[]): void {
  let valid: boolean;
  try {
    valid = validate(resource);
  } catch (e) {
    // Only deeply nested data (stack overflow) can make the compiled validator throw.
    const message = e instanceof RangeError ? 'resource is nested too deeply to check its structure' : 'structure could not be checked';
    issues.push({ rule: 'fhir.structure', severity: 'error', pointer: '', message });
    return;
  }
  if (valid) return;
  const errors = validate.errors ?? [];
  for (let i = 0; i < errors.length && i < MAX_STRUCTURE_ISSUES; i++) issues.push(structureIssue(errors[i]!));
}

/** Structure (HL7 FHIR R4 JSON Schema for the resource's type) plus UK Core rules. Never throws for any JSON input. */
export function validateResource(resource: unknown): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  try {
    if (typeof resource !== 'object' || resource === null || Array.isArray(resource)) {
      issues.push({ rule: 'fhir.resource-type', severity: 'error', pointer: '', message: 'a resource must be a JSON object' });
      return issues;
    }
    const type = (resource as { resourceType?: unknown }).resourceType;
    if (typeof type !== 'string' || !isR4ResourceType(type)) {
      const message = type === undefined ? 'resourceType is missing' : 'resourceType is not a FHIR R4 resource type';
      issues.push({ rule: 'fhir.resource-type', severity: 'error', pointer: type === undefined ? '' : '/resourceType', message });
      return issues;
    }
    const validate = VALIDATORS[type];
    if (validate) {
      checkStructure(validate, resource, issues);
    } else {
      issues.push({
        rule: 'dtm.unexpected-resource-type',
        severity: 'warning',
        pointer: '/resourceType',
        message: 'not a resource type a GP record is expected to hold: carried whole, structure not checked',
      });
    }
    checkUkCoreRules(resource as Record<string, unknown>, type, issues);
  } catch {
    // Belt and braces: nothing above throws on JSON, but a record must never be lost to a validator bug.
    issues.push({ rule: 'dtm.validation-failed', severity: 'error', pointer: '', message: 'the validator failed on this resource' });
  }
  return issues;
}
