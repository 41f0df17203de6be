// dtm-client issues list|show|raise: the data-issues channel by hand.
import { readFile } from 'node:fs/promises';
import type { ClientConfig } from './config.ts';
import { ClientConfigError } from './config.ts';
import { DtmClient } from './client.ts';

interface IssueView {
  id: string;
  status: string;
  severity: string;
  rule: string;
  message: string;
  raisedAt: string;
  resources: { resourceType: string; id: string }[];
  responses?: { by: string; status: string; comment?: string; at: string }[];
  responseSeconds?: number | null;
}

export async function runIssuesCommand(config: ClientConfig, args: string[], flags: Record<string, string | undefined>, resources: string[], json: boolean): Promise<number> {
  const client = new DtmClient({ baseUrl: config.serverUrl, clientId: config.clientId, privateKey: await readFile(config.privateKeyFile, 'utf8') });
  const base = `/v1/practices/${config.practice}/issues`;
  const out = (v: unknown, text: string) => process.stdout.write(json ? JSON.stringify(v, null, 2) + '\n' : text);
  try {
    switch (args[0]) {
      case 'list': {
        const issues: IssueView[] = [];
        for (let after: number | null = 0; after !== null; ) {
          const q = new URLSearchParams({ limit: '1000', ...(after ? { after: String(after) } : {}), ...(flags.status ? { status: flags.status } : {}) });
          const page = (await client.send('GET', `${base}?${q}`)) as { issues: IssueView[]; next: number | null };
          issues.push(...page.issues);
          after = page.next;
        }
        out({ issues }, issues.map((i) => `${i.id}  ${i.status.padEnd(12)} ${i.severity.padEnd(8)} ${i.rule}  ${i.resources.length} resource(s)  raised ${i.raisedAt}`).join('\n') + (issues.length ? '\n' : 'no issues\n'));
        return 0;
      }
      case 'show': {
        if (!args[1]) throw new ClientConfigError('issues show needs an issue id');
        const i = (await client.send('GET', `${base}/${encodeURIComponent(args[1])}`)) as IssueView;
        out(i, [`${i.id} (${i.status}, ${i.severity}) ${i.rule}`, `  ${i.message}`, `  raised ${i.raisedAt}; response time ${i.responseSeconds ?? '-'} s`,
          ...i.resources.slice(0, 50).map((r) => `  - ${r.resourceType}/${r.id}`), ...(i.resources.length > 50 ? [`  ... and ${i.resources.length - 50} more`] : []),
          ...(i.responses ?? []).map((r) => `  ${r.at} ${r.by}: ${r.status}${r.comment ? ` "${r.comment}"` : ''}`)].join('\n') + '\n');
        return 0;
      }
      case 'raise': {
        if (!flags.rule || !flags.message || resources.length === 0) throw new ClientConfigError('issues raise needs --rule, --message and at least one --resource Type/id');
        const parsed = resources.map((r) => {
          const m = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/.exec(r);
          if (!m) throw new ClientConfigError(`--resource must look like Patient/abc, got "${r}"`);
          return { resourceType: m[1]!, id: m[2]! };
        });
        const i = (await client.send('POST', base, { body: { severity: flags.severity ?? 'error', rule: flags.rule, message: flags.message, resources: parsed } })) as IssueView;
        out(i, `raised ${i.id}\n`);
        return 0;
      }
      default:
        throw new ClientConfigError('issues: list, show ID, or raise');
    }
  } finally {
    await client.close();
  }
}
