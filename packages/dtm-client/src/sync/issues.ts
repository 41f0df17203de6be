// Tells the Source about data issues (roadmap item: the TSS notifies the SSS of issues it finds in
// time for cutover): one issue per validation rule and resource type, listing the affected
// resources, not thousands of duplicates. When every quarantined resource of an issue has been
// replaced by a version that passes, the client closes it.
import type { DtmClient } from '../client.ts';
import type { Store } from '../store/store.ts';

export interface RaisedIssue {
  id: string;
  status: string;
}

export async function reportDataIssues(
  o: { client: DtmClient; store: Store; practice: string; now: () => Date },
  onIssue: (e: { rule: string; resourceType: string; resources: number; issueId: string | null }) => void,
): Promise<void> {
  // Validation failures (quarantined records), warnings, and references that do not resolve within the practice.
  const groups = [...(await o.store.quarantineGroups(o.practice)), ...(await o.store.noticeGroups(o.practice)), ...(await o.store.unresolvedReferenceGroups(o.practice))];
  const raised = new Map((await o.store.raisedIssues(o.practice)).map((r) => [r.clientReference, r]));
  const current = new Set<string>();
  for (const g of groups) {
    const clientReference = `${g.rule}|${g.resourceType}`;
    current.add(clientReference);
    const issue = (await o.client.send('POST', `/v1/practices/${o.practice}/issues`, {
      body: {
        severity: g.severity as 'error' | 'warning',
        rule: g.rule,
        // The validator's message names the rule and element, never a value from the record.
        message: `${g.resources.length} ${g.resourceType} resource(s) ${g.severity === 'error' ? 'fail' : 'are noted under'} ${g.rule}: ${g.message}`,
        resources: g.resources.slice(0, 10_000).map((r) => ({ resourceType: r.resourceType, id: r.id, versionId: r.versionId, ...(r.pointer?.startsWith('/') ? { pointer: r.pointer } : {}) })),
        clientReference,
      },
    })) as RaisedIssue;
    await o.store.recordIssue(o.practice, clientReference, issue.id, g.resources.length, issue.status, o.now());
    onIssue({ rule: g.rule, resourceType: g.resourceType, resources: g.resources.length, issueId: issue.id });
  }
  for (const [ref, r] of raised) {
    if (current.has(ref) || r.status === 'closed') continue;
    const closed = (await o.client.send('PATCH', `/v1/practices/${o.practice}/issues/${r.issueId}`, {
      body: { status: 'closed', comment: 'Every affected resource now has a version without this issue.' },
    })) as RaisedIssue;
    await o.store.recordIssue(o.practice, ref, r.issueId, 0, closed.status, o.now());
  }
}
