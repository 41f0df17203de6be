// Validity: every resource in the extract (or a random sample) is valid FHIR R4 and keeps the UK Core
// rules, checked with the same validator the sync client uses. Findings name rules, resource types
// and ids only, never a value from a record.
import type { ValidationGroup } from '../context.ts';
import { fail, pass, skip, warn, type Check } from '../types.ts';

const describe = (g: ValidationGroup) => `${g.rule} on ${g.resourceType}: ${g.count} resource(s) (${g.ids.slice(0, 5).join(', ')}${g.count > 5 ? ', …' : ''})`;

export const resourcesValid: Check = {
  id: 'validity.resources',
  title: 'Every resource passes FHIR R4 structure and UK Core rules (or --sample N of them)',
  group: 'validity',
  requirement:
    'Roadmap item: "The TSS will check the consumed data in the Target Solution to validate that it is in the expected format"; Assurance Milestone 1: ' +
    'an initial extract "validated by the Target Solution Supplier (i.e. successful ingesting, processing and validation of the extract for data integrity)".',
  async run(ctx) {
    const e = await ctx.extract();
    const v = e.validation;
    if (!v) return skip('validity was not selected');
    if (!e.ok && v.checked === 0) return fail(`the extract could not be read: ${e.error ?? ''}`, { exchange: e.errorExchange });
    if (v.checked === 0) return skip('the feed holds no resources to validate');
    const groups = [...v.groups.values()].sort((a, b) => b.count - a.count);
    const errors = groups.filter((g) => g.severity === 'error');
    const warnings = groups.filter((g) => g.severity === 'warning');
    const scope = v.sampled ? `a random sample of ${v.checked} of ${e.upserts} resources` : `all ${v.checked} resources`;
    const metrics = { checked: v.checked, failed: v.failed, errorRules: errors.length, warningRules: warnings.length };
    const details = [...errors.map((g) => `error ${describe(g)}`), ...warnings.map((g) => `warning ${describe(g)}`)];
    if (errors.length) return fail(`${v.failed} of ${scope} fail validation, under ${errors.length} rule(s): ${describe(errors[0]!)}`, { details, metrics });
    const partial = e.ok ? '' : ` (the extract stopped early: ${e.error ?? ''})`;
    if (!e.ok) return fail(`${scope} pass, but${partial}`, { details, metrics, exchange: e.errorExchange });
    if (warnings.length) return warn(`${scope} pass; ${warnings.length} warning rule(s), e.g. ${describe(warnings[0]!)}`, { details, metrics });
    return pass(`${scope} pass FHIR R4 structure and UK Core rules`, { metrics });
  },
};

export const VALIDITY_CHECKS: Check[] = [resourcesValid];
