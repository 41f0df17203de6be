// The data-issues channel: the Target raises an issue about named resources, both sides read it back,
// the Source answers it, and the Target closes it. The kit's issue is marked as a conformance probe.
import type { CheckContext } from '../context.ts';
import { NEEDS_PUBLISHER, fail, pass, skip, type Check } from '../types.ts';

const RAISED = 'issues.raised';

const REQ_TSS = 'Roadmap item: "The TSS will notify the SSS of any issues they find with the data in a timely manner, such that the weekend cutover can be completed".';
const REQ_SSS = 'Roadmap item: "The SSS will respond to any data issues raised by the TSS in a timely manner, such that the weekend cutover can be completed".';

interface Raised {
  id: string;
  path: string;
}

const raisedIssue = (ctx: CheckContext) => ctx.state.get(RAISED) as Raised | undefined;

/** A resource to name in the issue: one from the extract if the feed was read, else a probe id. */
function subject(ctx: CheckContext): { resourceType: string; id: string } {
  const known = ctx.state.get('issues.subject') as { resourceType: string; id: string } | undefined;
  return known ?? { resourceType: 'List', id: ctx.probeId('issue') };
}

export const raise: Check = {
  id: 'issues.raise',
  title: 'The Target can raise a data issue (201 with the issue)',
  group: 'issues',
  requirement: `${REQ_TSS} OpenAPI raiseDataIssue: 201 with the DataIssue and its Location.`,
  async run(ctx) {
    // Name a real resource: the first in the feed (ids only; its content is never sent or kept).
    const { page } = await ctx.page(ctx.consumer, { limit: 1 }, { label: 'a resource to name' });
    const first = page?.changes.find((c) => c.op === 'upsert' && typeof c.resourceType === 'string' && typeof c.id === 'string');
    if (first) ctx.state.set('issues.subject', { resourceType: first.resourceType, id: first.id });
    const res = await ctx.api(ctx.consumer, 'POST', `${ctx.practicePath}/issues`, {
      body: {
        severity: 'information',
        rule: 'dtm-conformance.probe',
        message: 'Raised by the DTM conformance kit to test the data-issues channel; no action needed. The kit closes it.',
        resources: [subject(ctx)],
        clientReference: `dtm-conformance-${ctx.runId}`,
      },
      label: 'raise',
    });
    const b = res.json as { id?: unknown; status?: unknown; resources?: unknown[] } | undefined;
    if (res.status !== 201) return fail(`POST issues answered ${res.status}, not 201`);
    if (typeof b?.id !== 'string') return fail('the answer carries no issue id');
    if (b.status !== 'open') return fail(`a new issue is "${String(b.status)}", not "open"`);
    ctx.state.set(RAISED, { id: b.id, path: `${ctx.practicePath}/issues/${encodeURIComponent(b.id)}` });
    const loc = res.headers.location;
    return pass(`issue ${b.id} raised, status open${loc ? `, Location ${loc.slice(0, 120)}` : ''}`);
  },
};

export const readBack: Check = {
  id: 'issues.read',
  title: 'The raised issue reads back, by id and in the practice\'s list',
  group: 'issues',
  requirement: `${REQ_TSS} OpenAPI getDataIssue and listDataIssues ("Either side").`,
  async run(ctx) {
    const r = raisedIssue(ctx);
    if (!r) return skip('no issue was raised (see issues.raise)');
    const one = await ctx.api(ctx.consumer, 'GET', r.path, { label: 'read by id' });
    const b = one.json as { id?: unknown; rule?: unknown; resources?: unknown[] } | undefined;
    if (one.status !== 200 || b?.id !== r.id) return fail(`GET the issue answered ${one.status}${one.status === 200 ? ' with another issue' : ''}`);
    if (b.rule !== 'dtm-conformance.probe' || !Array.isArray(b.resources) || b.resources.length !== 1) return fail('the issue read back does not carry the rule and resource it was raised with');
    // The list, newest last: page through to find it (bounded).
    let after: number | undefined;
    for (let i = 0; i < 50; i++) {
      const list = await ctx.api(ctx.consumer, 'GET', `${ctx.practicePath}/issues`, { query: { after, limit: 1000 }, label: 'list', record: i === 0 });
      const page = list.json as { issues?: { id?: unknown }[]; next?: unknown } | undefined;
      if (list.status !== 200 || !Array.isArray(page?.issues)) return fail(`GET issues answered ${list.status}`, { exchange: list.exchange > 0 ? list.exchange : undefined });
      if (page.issues.some((x) => x.id === r.id)) return pass(`issue ${r.id} read back by id and found in the practice's list`);
      if (typeof page.next !== 'number') break;
      after = page.next;
    }
    return fail(`issue ${r.id} reads by id but is missing from GET issues`);
  },
};

export const answer: Check = {
  id: 'issues.answer',
  title: 'The Source answers the issue; the answer and response time read back',
  group: 'issues',
  requirement: `${REQ_SSS} OpenAPI updateDataIssue: "the first answer sets firstResponseAt and responseSeconds".`,
  needsPublisher: true,
  async run(ctx) {
    if (!ctx.publisher) return skip(NEEDS_PUBLISHER);
    const r = raisedIssue(ctx);
    if (!r) return skip('no issue was raised (see issues.raise)');
    const res = await ctx.api(ctx.publisher, 'PATCH', r.path, { body: { status: 'acknowledged', comment: 'Conformance kit probe: acknowledged by the Source side.' }, label: 'publisher answers' });
    const b = res.json as { status?: unknown; firstResponseAt?: unknown; responseSeconds?: unknown } | undefined;
    if (res.status !== 200) return fail(`the publisher's PATCH answered ${res.status}`);
    if (b?.status !== 'acknowledged') return fail(`after the answer the issue is "${String(b?.status)}"`);
    if (typeof b.firstResponseAt !== 'string' || typeof b.responseSeconds !== 'number') return fail('the answered issue lacks firstResponseAt or responseSeconds');
    return pass(`acknowledged by the publisher; responseSeconds ${b.responseSeconds}`);
  },
};

export const close: Check = {
  id: 'issues.close',
  title: 'The Target closes the issue it raised (PATCH status closed)',
  group: 'issues',
  requirement: `${REQ_TSS} OpenAPI updateDataIssue: "The consumer that raised the issue may only set closed".`,
  async run(ctx) {
    const r = raisedIssue(ctx);
    if (!r) return skip('no issue was raised (see issues.raise)');
    const res = await ctx.api(ctx.consumer, 'PATCH', r.path, { body: { status: 'closed', comment: 'Conformance kit probe closed.' }, label: 'close' });
    const b = res.json as { status?: unknown } | undefined;
    if (res.status !== 200) return fail(`PATCH {status: closed} answered ${res.status}`);
    if (b?.status !== 'closed') return fail(`after closing, the issue is "${String(b?.status)}"`);
    const again = await ctx.api(ctx.consumer, 'GET', r.path, { label: 'read after close' });
    if ((again.json as { status?: unknown } | undefined)?.status !== 'closed') return fail(`the closed issue reads back as ${String((again.json as { status?: unknown } | undefined)?.status)}`);
    return pass(`issue ${r.id} closed and reads back closed`);
  },
};

export const ISSUES_CHECKS: Check[] = [raise, readBack, answer, close];
