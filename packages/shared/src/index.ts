export * from './constants.ts';
export * from './problems.ts';
export * from './fhir.ts';
export * from './types.ts';
export * from './digest.ts';
export * from './exact-json.ts';
export * from './calendar/index.ts';
export * from './uk-core/index.ts';
export * from './validation/index.ts';
export type { paths, components, operations } from './generated/openapi.ts';

/** Absolute path of the OpenAPI document, for servers that validate against it or serve it. */
export const OPENAPI_PATH = new URL('../openapi/dtm.yaml', import.meta.url).pathname;
export * from './auth.ts';
