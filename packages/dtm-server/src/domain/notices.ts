// The CSMP appendix letters, rendered from a migration's record (Catalogue Solution Migration Process
// v1.0, Appendices 3 to 8). Each keeps its appendix's letterhead instruction, addressee, title,
// capitalised-terms sentence, confirmation sentence and Practice Name / ODS Code table, with the
// blanks the DTM can fill filled from the record: the date (Europe/London), the parties (the Source
// and Target suppliers' DTM clients), the practice, and for Appendix 5 the Business Go-Live Date.
// What the DTM does not hold (the addressee's and signatory's names) stays a blank to complete.
//
// A letter records an event, so it is available once the migration has been through it. With a
// continuous feed the weekend cutover maps onto the CSMP steps like this:
//
//   App. 3 Technical Readiness Confirmation  readiness-confirmed (roadmap item: the Target confirms in
//                                            writing at least 2 weeks before cutover; CSMP Step 6)
//   App. 4 Data Acceptance Notice            target-complete: the data the Service Recipient accepts as
//                                            "complete and accurate" is the final data, and the digest
//                                            proved the Target's copy complete (CSMP Step 9)
//   App. 5 Business Go-Live Date Confirmation readiness-confirmed: the plan is fixed once syncing
//                                            starts, and confirmed with readiness
//   App. 6 Technical Go-Live Notice          target-complete (CSMP Step 10)
//   App. 7 Business Go-Live Notice           business-go-live (CSMP Steps 10 and 11)
//   App. 8 Migration Acceptance Notice       accepted (CSMP Step 13)
//
// Only the record's facts go in: no resource data, and not the clients' free-text notes (a letter
// goes to third parties; a note could say anything).
import {
  MIGRATION_NOTICES, formatLondonDate, formatLondonDateTime,
  type DigestTotals, type Migration, type MigrationNotice, type MigrationState,
} from '@dtm/shared';

export const NOTICE_EVENT: Record<MigrationNotice, MigrationState> = {
  'technical-readiness-confirmation': 'readiness-confirmed',
  'data-acceptance': 'target-complete',
  'business-go-live-date-confirmation': 'readiness-confirmed',
  'technical-go-live': 'target-complete',
  'business-go-live': 'business-go-live',
  'migration-acceptance': 'accepted',
};

export interface NoticeContext {
  migration: Migration;
  /** Client display names by id (the DTM knows suppliers by their clients). */
  clientNames: Map<string, string>;
  /** The server's digest totals the Target matched at target-complete. */
  completion: DigestTotals | null;
}

type Block =
  | { kind: 'instruction'; text: string }
  | { kind: 'title'; text: string }
  | { kind: 'heading'; text: string }
  | { kind: 'para'; text: string }
  | { kind: 'table'; head: string[]; rows: string[][] };

const BLANK = '[          ]';

/** When the migration went through a state, or null. */
export function eventAt(m: Migration, state: MigrationState): Date | null {
  const h = m.history.find((e) => e.to === state);
  return h ? new Date(h.at) : null;
}

function party(ctx: NoticeContext, role: 'Source' | 'Target'): string {
  const id = role === 'Source' ? ctx.migration.sourceClientId : ctx.migration.targetClientId;
  const name = ctx.clientNames.get(id);
  return `${name ? `${name} ` : ''}(DTM client ${id})`;
}

const practiceLabel = (m: Migration) => `${m.practiceName ?? '[practice name not registered]'} (ODS code ${m.practice})`;

interface Letter {
  letterhead: string;
  addressee: string;
  title: string;
  /** Appendix 3 names the parties to the Agreement; the others do not. */
  terms: string;
  confirmation: string;
  evidence: string[];
}

const TERMS_WITH_PARTIES = 'Capitalised terms in this letter shall have the meanings ascribed to them in the Digital Services Catalogue Agreement entered into by you and NHS England (the Agreement).';
const TERMS = 'Capitalised terms in this letter shall have the meanings ascribed to them in the Digital Services Catalogue Agreement (the Agreement).';
const RECIPIENT_LETTERHEAD = '[TO BE ISSUED ON SERVICE RECIPIENT/ICB LETTERHEAD]';

function letterFor(notice: MigrationNotice, ctx: NoticeContext): Letter {
  const m = ctx.migration;
  const source = party(ctx, 'Source');
  const target = party(ctx, 'Target');
  const toTarget = `To: the Target Solution Supplier, ${target}`;
  const at = (s: MigrationState) => eventAt(m, s);
  const completeAt = at('target-complete');
  const completion = ctx.completion && completeAt
    ? `On ${formatLondonDateTime(completeAt)} the Target's digest of its copy matched the DTM's at the final watermark: ${ctx.completion.live} records and ${ctx.completion.deleted} deletions (digest ${ctx.completion.digest}).`
    : null;
  switch (notice) {
    case 'technical-readiness-confirmation': {
      const confirmed = at('readiness-confirmed')!;
      const lead = Math.floor((Date.parse(m.plannedCutoverStart) - confirmed.getTime()) / 86_400_000);
      return {
        letterhead: RECIPIENT_LETTERHEAD,
        addressee: `To: the Source Solution Supplier, ${source}`,
        title: 'Technical Readiness Confirmation',
        terms: TERMS_WITH_PARTIES,
        confirmation: 'This letter is formal confirmation that Technical Readiness has been met in respect of the proposed Catalogue Solution Migration for the following practice(s):',
        evidence: [
          `The Target Solution Supplier, ${target}, confirmed readiness through the DTM on ${formatLondonDateTime(confirmed)}, ${lead} days before the planned cutover start of ${formatLondonDateTime(new Date(m.plannedCutoverStart))} (readiness deadline ${formatLondonDateTime(new Date(m.readinessDeadline))}).`,
        ],
      };
    }
    case 'data-acceptance':
      return {
        letterhead: RECIPIENT_LETTERHEAD,
        addressee: toTarget,
        title: 'Data Acceptance Notice',
        terms: TERMS,
        confirmation: 'This letter is formal confirmation that we accept the transformed data relating to the following practice(s) as being complete and accurate.',
        evidence: [
          `The Source froze the practice on ${formatLondonDateTime(new Date(m.frozenAt!))}; nothing was published after the final watermark.`,
          ...(completion ? [completion] : []),
        ],
      };
    case 'business-go-live-date-confirmation':
      return {
        letterhead: RECIPIENT_LETTERHEAD,
        addressee: toTarget,
        title: 'Business Go-Live Date Confirmation',
        terms: TERMS,
        confirmation: `This letter is formal confirmation that the Business Go-Live Date in respect of the proposed migration of the Catalogue Solution for the following practice(s) is ${formatLondonDate(new Date(m.plannedGoLive))}:`,
        evidence: [
          `Planned weekend cutover: from ${formatLondonDateTime(new Date(m.plannedCutoverStart))}, the Target Solution operational by ${formatLondonDateTime(new Date(m.plannedGoLive))}.`,
        ],
      };
    case 'technical-go-live': {
      const t = m.timing;
      return {
        letterhead: '[TO BE ISSUED ON TARGET SOLUTION SUPPLIER/NMETSS LETTERHEAD]',
        addressee: `To: the Service Recipient, ${practiceLabel(m)}`,
        title: 'Technical Go-Live Notice',
        terms: TERMS,
        confirmation: 'This letter is formal confirmation that Technical Go-Live has been triggered in respect of the proposed migration of the Catalogue Solution for the following practices and the Target Solution is configured and ready for live use by the Service Recipient(s):',
        evidence: [
          `Technical Go-Live: ${formatLondonDateTime(at('target-complete')!)} (planned: by ${formatLondonDateTime(new Date(m.plannedGoLive))}).`,
          ...(t.cutOverPeriodHours !== null
            ? [`Cut-Over Period: from the freeze at ${formatLondonDateTime(new Date(m.frozenAt!))}, ${t.cutOverPeriodHours} hours, ${t.cutOverPeriodWorkingDays} working days; ${t.coreHoursTouched ? `overlapping core working hours by ${t.coreHoursOverlapHours} hours` : 'outside core working hours'}.`]
            : []),
          ...(completion ? [completion] : []),
        ],
      };
    }
    case 'business-go-live':
      return {
        letterhead: RECIPIENT_LETTERHEAD,
        addressee: toTarget,
        title: 'Business Go-Live Notice',
        terms: TERMS,
        confirmation: 'This letter is formal confirmation of our instruction to you to proceed to Business Go-Live in respect of the proposed migration of the Catalogue Solution for the following practice(s):',
        evidence: [`Business Go-Live recorded in the DTM on ${formatLondonDateTime(at('business-go-live')!)}; the run-off period of ${m.runOffDays} days runs to ${m.runOffEndsAt ? formatLondonDateTime(new Date(m.runOffEndsAt)) : BLANK}.`],
      };
    case 'migration-acceptance':
      return {
        letterhead: RECIPIENT_LETTERHEAD,
        addressee: `${toTarget}; copy to the Source Solution Supplier, ${source}`,
        title: 'Migration Acceptance Notice',
        terms: TERMS,
        confirmation: 'This letter is formal confirmation that we accept that you have completed the migration of the Catalogue Solution for the following practice(s)',
        evidence: [`Migration acceptance recorded in the DTM on ${formatLondonDateTime(at('accepted')!)}.`],
      };
  }
}

/** The letter as blocks, or null when the migration has not reached the letter's event. */
export function noticeBlocks(notice: MigrationNotice, ctx: NoticeContext): Block[] | null {
  const m = ctx.migration;
  const when = eventAt(m, NOTICE_EVENT[notice]);
  if (!when) return null;
  const l = letterFor(notice, ctx);
  const aborted = eventAt(m, 'aborted');
  return [
    { kind: 'instruction', text: l.letterhead },
    { kind: 'para', text: formatLondonDate(when) },
    { kind: 'para', text: l.addressee },
    { kind: 'para', text: `Dear ${BLANK}` },
    { kind: 'title', text: l.title },
    { kind: 'para', text: l.terms },
    { kind: 'para', text: l.confirmation },
    { kind: 'table', head: ['Practice Name', 'ODS Code'], rows: [[m.practiceName ?? '[practice name not registered]', m.practice]] },
    { kind: 'para', text: 'Kind regards.' },
    { kind: 'para', text: BLANK },
    { kind: 'heading', text: `From the DTM record (CSMP Appendix ${MIGRATION_NOTICES[notice]})` },
    ...l.evidence.map((text): Block => ({ kind: 'para', text })),
    ...(aborted ? [{ kind: 'para', text: `This migration was later aborted, on ${formatLondonDateTime(aborted)}: the Source Solution remains the primary Solution.` } as Block] : []),
    {
      kind: 'table',
      head: ['Migration', 'Practice', 'Source Solution Supplier', 'Target Solution Supplier', 'Planned cutover start', 'Planned go-live'],
      rows: [[m.id, practiceLabel(m), party(ctx, 'Source'), party(ctx, 'Target'), formatLondonDateTime(new Date(m.plannedCutoverStart)), formatLondonDateTime(new Date(m.plannedGoLive))]],
    },
    {
      kind: 'table',
      head: ['State', 'From', 'Recorded by', 'Role', 'When (Europe/London)'],
      rows: m.history.map((h) => [h.to, h.from ?? '', h.by, h.role, formatLondonDateTime(new Date(h.at))]),
    },
  ];
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

// Markdown punctuation that could turn a value into markup (a name with `*` or `|`, a link).
const escapeMd = (s: string) => s.replace(/[\\`*_{}[\]<>|~#!]/g, (c) => `\\${c}`).replace(/\r?\n/g, ' ');

export function renderMarkdown(blocks: Block[]): string {
  const out: string[] = [];
  for (const b of blocks) {
    switch (b.kind) {
      case 'instruction': out.push(`_${escapeMd(b.text)}_`); break;
      case 'title': out.push(`## ${escapeMd(b.text)}`); break;
      case 'heading': out.push('---', `### ${escapeMd(b.text)}`); break;
      case 'para': out.push(escapeMd(b.text)); break;
      case 'table':
        out.push([
          `| ${b.head.map(escapeMd).join(' | ')} |`,
          `| ${b.head.map(() => '---').join(' | ')} |`,
          ...b.rows.map((r) => `| ${r.map(escapeMd).join(' | ')} |`),
        ].join('\n'));
        break;
    }
  }
  return `${out.join('\n\n')}\n`;
}

const STYLE = `
body { font-family: Arial, Helvetica, sans-serif; color: #212b32; background: #f0f4f5; margin: 0; }
article { max-width: 46rem; margin: 2rem auto; background: #fff; padding: 2.5rem 3rem; line-height: 1.5; }
.instruction { color: #4c6272; font-style: italic; font-size: .9rem; }
h1 { font-size: 1.4rem; margin: 1.5rem 0 1rem; }
h2 { font-size: 1rem; margin-top: 2.5rem; padding-top: 1rem; border-top: 1px solid #d8dde0; color: #4c6272; }
table { border-collapse: collapse; width: 100%; margin: 1rem 0; font-size: .9rem; }
th, td { border: 1px solid #d8dde0; padding: .4rem .6rem; text-align: left; vertical-align: top; }
th { background: #f0f4f5; }
@media print { body { background: #fff; } article { margin: 0; padding: 0; } }
`.trim();

/** One self-contained page: inline CSS, no scripts, every value escaped. */
export function renderHtml(blocks: Block[], title: string): string {
  const body = blocks.map((b) => {
    switch (b.kind) {
      case 'instruction': return `<p class="instruction">${escapeHtml(b.text)}</p>`;
      case 'title': return `<h1>${escapeHtml(b.text)}</h1>`;
      case 'heading': return `<h2>${escapeHtml(b.text)}</h2>`;
      case 'para': return `<p>${escapeHtml(b.text)}</p>`;
      case 'table':
        return `<table><thead><tr>${b.head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${
          b.rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
    }
  }).join('\n');
  return `<!doctype html>\n<html lang="en-GB">\n<head>\n<meta charset="utf-8">\n<title>${escapeHtml(title)}</title>\n<style>\n${STYLE}\n</style>\n</head>\n<body>\n<article>\n${body}\n</article>\n</body>\n</html>\n`;
}
