// Discovery: a Target supplier (and this kit) must be able to find out how to authenticate and what
// the API is from the DTM itself, with nothing but its base URL.
import { ASSERTION_ALGORITHMS, SCOPES } from '@dtm/shared';
import { REQUIRED_PATHS } from '../openapi-scan.ts';
import { fail, pass, warn, type Check } from '../types.ts';

export const smartConfiguration: Check = {
  id: 'discovery.smart-configuration',
  title: 'SMART configuration names the token endpoint, private_key_jwt, algorithms and scopes',
  group: 'discovery',
  requirement:
    'SMART App Launch 2 Backend Services: "/.well-known/smart-configuration" declares token_endpoint, ' +
    'token_endpoint_auth_methods_supported including "private_key_jwt" and token_endpoint_auth_signing_alg_values_supported; ' +
    'roadmap item: "The SSS will provide an API ... that is accessible by the TSS ... over the internet".',
  async run(ctx) {
    const { res, json } = await ctx.smartConfiguration();
    if (!res) return fail('no response from /.well-known/smart-configuration');
    if (res.status !== 200 || !json) return fail(`/.well-known/smart-configuration answered ${res.status}${res.status === 200 ? ' without a JSON object' : ''}`, { exchange: res.exchange });
    const problems: string[] = [];
    const list = (k: string): string[] | null => (Array.isArray(json[k]) ? (json[k] as unknown[]).filter((x): x is string => typeof x === 'string') : null);
    if (typeof json.token_endpoint !== 'string' || !/^https?:\/\//.test(json.token_endpoint)) problems.push('token_endpoint is missing or not an absolute URL');
    const methods = list('token_endpoint_auth_methods_supported');
    if (!methods?.includes('private_key_jwt')) problems.push('token_endpoint_auth_methods_supported does not include private_key_jwt');
    const algs = list('token_endpoint_auth_signing_alg_values_supported');
    if (!algs || algs.length === 0) problems.push('token_endpoint_auth_signing_alg_values_supported is missing or empty');
    else {
      const weak = algs.filter((a) => a === 'none' || /^HS/.test(a));
      if (weak.length) problems.push(`token_endpoint_auth_signing_alg_values_supported offers ${weak.join(', ')}`);
      if (!algs.some((a) => (ASSERTION_ALGORITHMS as readonly string[]).includes(a))) problems.push(`no assertion algorithm of ${ASSERTION_ALGORITHMS.join(', ')} is offered`);
    }
    const grants = list('grant_types_supported');
    if (grants && !grants.includes('client_credentials')) problems.push('grant_types_supported does not include client_credentials');
    const scopes = list('scopes_supported');
    if (!scopes || !scopes.includes(SCOPES.feedRead)) problems.push(`scopes_supported does not include ${SCOPES.feedRead}`);
    const exchange = res.exchange;
    if (problems.length) return fail(problems.join('; '), { details: problems, exchange });
    const notes = [`token endpoint ${String(json.token_endpoint)}`, `algorithms ${algs!.join(', ')}`, `scopes ${scopes!.join(', ')}`];
    if (!grants) return warn('discovery is complete but does not list grant_types_supported', { details: notes, exchange });
    return pass(`token endpoint, private_key_jwt, ${algs!.length} algorithm(s) and ${scopes!.length} scope(s) declared`, { details: notes, exchange });
  },
};

export const openApiDocument: Check = {
  id: 'discovery.openapi',
  title: 'The OpenAPI 3.1 contract is served at /openapi.yaml with the DTM paths',
  group: 'discovery',
  requirement:
    'Roadmap item, Assurance Milestone 1: "Provide complete technical details of their API interface or Data Transfer Mechanism (DTM) for review".',
  async run(ctx) {
    const { res, spec } = await ctx.openApi();
    if (!res) return fail('no response from /openapi.yaml');
    const exchange = res.exchange;
    if (res.status !== 200 || !spec) return fail(`/openapi.yaml answered ${res.status}`, { exchange });
    if (!spec.openapi || !/^3\.1\.\d+$/.test(spec.openapi)) return fail(`the document is not OpenAPI 3.1 (openapi: ${spec.openapi ?? 'missing'})`, { exchange });
    const missing = REQUIRED_PATHS.filter(([m, p]) => !spec.paths.get(p)?.has(m)).map(([m, p]) => `${m.toUpperCase()} ${p}`);
    if (missing.length) return fail(`the document lacks ${missing.length} DTM operation(s): ${missing.join(', ')}`, { details: missing, exchange });
    return pass(`OpenAPI ${spec.openapi}, ${spec.paths.size} paths, every DTM operation declared (${res.body.length} bytes)`, { exchange });
  },
};

export const DISCOVERY_CHECKS: Check[] = [smartConfiguration, openApiDocument];
