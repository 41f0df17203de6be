// @dtm/conformance: the DTM conformance kit as a library (the CLI is a thin layer over it).
export { runConformance, exitCodeOf, type RunHooks } from './runner.ts';
export { CHECKS, selectChecks } from './registry.ts';
export { CheckContext, type RunOptions, type Credential } from './context.ts';
export { writeReports, htmlReport, junitXml, REPORT_FILES } from './report/index.ts';
export { main } from './command.ts';
export * from './types.ts';
