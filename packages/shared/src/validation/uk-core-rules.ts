// UK Core rules checked on top of R4 structure, in one walk of the resource. The walk is typed: it follows
// the schema's element types (ELEMENT_TYPES, generated with the validators), so it finds every Coding,
// Identifier and Attachment wherever the datatype occurs (extensions, references, contained resources,
// Bundle entries) and never mistakes a look-alike (a Quantity also has `system` and `code`).
import { ODS_CODE_PATTERN, isR4ResourceType } from '../fhir.ts';
import { ELEMENT_TYPES } from '../generated/validators-fhir-r4.js';
import { DMD_SYSTEM, NHS_NUMBER_SYSTEM, ODS_SYSTEM, SNOMED_SYSTEM, isValidNhsNumber, isValidSnomedId, snomedExpressionIds, snomedPartition } from '../uk-core/index.ts';
import type { ValidationIssue } from './validate.ts';

/** Rule issues reported per resource before the rest are summarised by one `dtm.issues-truncated`. */
export const MAX_RULE_ISSUES = 100;
/** Elements nested deeper than this are not walked (real FHIR resources nest fewer than 20 deep). */
const MAX_DEPTH = 100;
/** Objects walked per resource at most: bounds the time spent on pathological input. */
const MAX_NODES = 1_000_000;

type Obj = Record<string, unknown>;

/** Definition -> element -> complex type ('Resource' for a contained resource). */
const TYPES: ReadonlyMap<string, ReadonlyMap<string, string>> = new Map(
  Object.entries(ELEMENT_TYPES).map(([def, elements]) => [def, new Map(Object.entries(elements))]),
);

/** Partition identifiers of concept ids (International and extension); others are description or relationship ids. */
const CONCEPT_PARTITIONS: ReadonlySet<string> = new Set(['00', '10']);
export const isSnomedConceptId = (code: string): boolean => isValidSnomedId(code) && CONCEPT_PARTITIONS.has(snomedPartition(code));

/** SHA-1 (20 bytes) in base64: 28 characters, one '=' of padding, the last data character's low 2 bits zero. */
const SHA1_BASE64 = /^[A-Za-z0-9+/]{26}[AEIMQUYcgkosw048]=$/;
/** base64Binary may contain whitespace (R4 datatypes). */
const WHITESPACE = /\s+/g;

const MEDICATION_SYSTEMS: ReadonlySet<unknown> = new Set([DMD_SYSTEM, SNOMED_SYSTEM]);

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

interface Walk {
  issues: ValidationIssue[];
  /** Pointer tokens from the resource root to the current element. */
  path: (string | number)[];
  nodes: number;
  reported: number;
  dropped: number;
  tooDeep: boolean;
}

const escapeToken = (t: string | number): string => (typeof t === 'number' ? String(t) : t.replace(/~/g, '~0').replace(/\//g, '~1'));

function pointer(w: Walk, ...tail: string[]): string {
  let p = '';
  for (const t of w.path) p += `/${escapeToken(t)}`;
  for (const t of tail) p += `/${escapeToken(t)}`;
  return p;
}

function report(w: Walk, rule: string, severity: ValidationIssue['severity'], ptr: string, message: string): void {
  if (w.reported >= MAX_RULE_ISSUES) {
    w.dropped++;
    return;
  }
  w.reported++;
  w.issues.push({ rule, severity, pointer: ptr, message });
}

/**
 * A post-coordinated expression (FHIR allows one as a code in http://snomed.info/sct: "71620000 :
 * 363698007 = 71341001"): when it parses (uk-core/snomed-expression.ts) and every concept id in it
 * is one, it is a warning, not an error (a GP record rarely holds one, and a receiving system may not).
 */
function checkSnomedExpression(code: string, w: Walk): boolean {
  const ids = snomedExpressionIds(code);
  if (!ids || !ids.every(isSnomedConceptId)) return false;
  report(w, 'uk-core.snomed-expression', 'warning', pointer(w, 'code'), 'code is a SNOMED CT post-coordinated expression, not a single concept id');
  return true;
}

function checkCoding(c: Obj, w: Walk): void {
  const { system, code } = c;
  if (system === SNOMED_SYSTEM || system === DMD_SYSTEM) {
    if (code === undefined || (typeof code === 'string' && isSnomedConceptId(code))) return;
    if (system === SNOMED_SYSTEM && typeof code === 'string' && checkSnomedExpression(code, w)) return;
    const [rule, what] = system === SNOMED_SYSTEM ? ['uk-core.snomed-id', 'a SNOMED CT'] : ['uk-core.dmd-code', 'a dm+d (SNOMED CT UK)'];
    const message =
      typeof code === 'string'
        ? `code is not ${what} concept id (6-18 digits, concept partition, Verhoeff check digit)`
        : `code must be a string holding ${what} concept id`;
    report(w, rule, 'error', pointer(w, 'code'), message);
  } else if (system === undefined && code !== undefined) {
    report(w, 'uk-core.coding-system', 'warning', pointer(w), 'Coding has a code but no system, so the code cannot be interpreted');
  }
}

function checkIdentifier(id: Obj, w: Walk): void {
  const { system, value } = id;
  if (system === NHS_NUMBER_SYSTEM) {
    if (typeof value === 'string' && isValidNhsNumber(value)) return;
    const message =
      value === undefined
        ? 'NHS number identifier has no value'
        : 'NHS number is not valid (10 digits, no spaces, with a correct modulus 11 check digit)';
    report(w, 'uk-core.nhs-number', 'error', value === undefined ? pointer(w) : pointer(w, 'value'), message);
  } else if (system === ODS_SYSTEM) {
    if (typeof value === 'string' && ODS_CODE_PATTERN.test(value)) return;
    const message = value === undefined ? 'ODS code identifier has no value' : 'ODS code must be 3 to 10 upper-case letters and digits';
    report(w, 'uk-core.ods-code', 'error', value === undefined ? pointer(w) : pointer(w, 'value'), message);
  }
}

/** Attachment.size is an unsignedInt, which the structure check now enforces (scripts/generate-validators.ts). */
function checkAttachment(a: Obj, w: Walk): void {
  const { hash } = a;
  if (hash !== undefined && !(typeof hash === 'string' && SHA1_BASE64.test(hash.replace(WHITESPACE, '')))) {
    report(w, 'fhir.attachment-hash', 'error', pointer(w, 'hash'), 'hash must be the base64 of a SHA-1 digest (20 bytes)');
  }
}

const hasMedicationCoding = (cc: unknown): boolean =>
  isObj(cc) && Array.isArray(cc.coding) && cc.coding.some((c) => isObj(c) && MEDICATION_SYSTEMS.has(c.system));

/** Rules about a whole resource (top level, contained or a Bundle entry). */
function checkResource(r: Obj, type: string, w: Walk): void {
  switch (type) {
    case 'Patient': {
      const ids = r.identifier;
      if (!(Array.isArray(ids) && ids.some((i) => isObj(i) && i.system === NHS_NUMBER_SYSTEM))) {
        report(w, 'uk-core.nhs-number-missing', 'warning', pointer(w), 'Patient has no NHS number identifier');
      }
      break;
    }
    case 'Medication':
      if (r.code === undefined) {
        report(w, 'uk-core.medication-coding', 'warning', pointer(w), 'Medication has no code; expected a dm+d or SNOMED CT coding');
      } else if (!hasMedicationCoding(r.code)) {
        report(w, 'uk-core.medication-coding', 'warning', pointer(w, 'code'), 'medication code has no dm+d or SNOMED CT coding');
      }
      break;
    case 'MedicationRequest':
    case 'MedicationStatement': {
      const cc = r.medicationCodeableConcept;
      if (cc === undefined) {
        if (r.medicationReference === undefined) {
          report(w, 'uk-core.medication-coding', 'warning', pointer(w), 'no medication: expected a medicationCodeableConcept with a dm+d or SNOMED CT coding');
        }
      } else if (!hasMedicationCoding(cc)) {
        report(w, 'uk-core.medication-coding', 'warning', pointer(w, 'medicationCodeableConcept'), 'medication has no dm+d or SNOMED CT coding');
      }
      break;
    }
  }
}

function walkValue(value: unknown, type: string, depth: number, w: Walk): void {
  if (!Array.isArray(value)) {
    walkObject(value, type, depth, w);
    return;
  }
  for (let i = 0; i < value.length; i++) {
    const item: unknown = value[i];
    if (typeof item !== 'object' || item === null) continue;
    w.path.push(i);
    walkObject(item, type, depth, w);
    w.path.pop();
  }
}

function walkObject(value: unknown, type: string, depth: number, w: Walk): void {
  if (!isObj(value) || w.nodes >= MAX_NODES) return;
  w.nodes++;
  if (depth > MAX_DEPTH) {
    if (!w.tooDeep) report(w, 'fhir.structure', 'error', pointer(w), `elements nested more than ${MAX_DEPTH} deep are not checked`);
    w.tooDeep = true;
    return;
  }
  if (type === 'Resource') {
    const rt = value.resourceType;
    if (typeof rt !== 'string' || !isR4ResourceType(rt)) return; // the structure check reports it
    checkResource(value, rt, w);
    type = rt;
  } else if (type === 'Coding') {
    checkCoding(value, w);
  } else if (type === 'Identifier') {
    checkIdentifier(value, w);
  } else if (type === 'Attachment') {
    checkAttachment(value, w);
  }
  const elements = TYPES.get(type);
  if (elements === undefined) return;
  for (const key of Object.keys(value)) {
    const childType = elements.get(key);
    if (childType === undefined) continue;
    const child = value[key];
    if (typeof child !== 'object' || child === null) continue;
    w.path.push(key);
    walkValue(child, childType, depth + 1, w);
    w.path.pop();
  }
}

/** Appends the UK Core rule issues of an R4 resource of the given type, in document order. */
export function checkUkCoreRules(resource: Obj, type: string, issues: ValidationIssue[]): void {
  const w: Walk = { issues, path: [], nodes: 0, reported: 0, dropped: 0, tooDeep: false };
  checkResource(resource, type, w);
  walkObject(resource, type, 0, w);
  if (w.nodes >= MAX_NODES) {
    issues.push({ rule: 'dtm.issues-truncated', severity: 'warning', pointer: '', message: `resource has more than ${MAX_NODES} elements; the rest were not checked against UK Core rules` });
  }
  if (w.dropped > 0) {
    issues.push({ rule: 'dtm.issues-truncated', severity: 'warning', pointer: '', message: `${w.dropped} more UK Core issues not listed` });
  }
}
