// The evidence pack as one self-contained HTML page: inline CSS and hand-drawn inline SVG, no script,
// nothing fetched, so it can be attached to an assurance record and opened offline years later.
// Times are shown in Europe/London (the cutover window is a local-time promise: Friday 17:00 to
// Monday 08:00) with the zone abbreviation, so a window across a clock change reads correctly.
import type { DigestView, Evidence } from './evidence-types.ts';
import { barChart, bytes, cutoverChart, duration, esc, int, lineChart, london } from './svg.ts';

export { esc } from './svg.ts';

const NOT_IN_RUN = '<p class="muted">Not part of this run.</p>';
const ok = (good: boolean, yes = 'Yes', no = 'No') => `<span class="${good ? 'ok' : 'bad'}">${good ? '✓' : '✗'} ${esc(good ? yes : no)}</span>`;

function table(headers: string[], rows: string[][], opts: { numeric?: number[]; caption?: string; foot?: string[]; flag?: boolean[] } = {}): string {
  const num = new Set(opts.numeric ?? []);
  const td = (cells: string[], tag: 'td' | 'th') => cells.map((c, i) => `<${tag}${num.has(i) ? ' class="num"' : ''}${tag === 'th' ? ' scope="col"' : ''}>${c}</${tag}>`).join('');
  return `<table>${opts.caption ? `<caption>${opts.caption}</caption>` : ''}<thead><tr>${td(headers.map(esc), 'th')}</tr></thead>` +
    `<tbody>${rows.map((r, i) => `<tr${opts.flag?.[i] ? ' class="flag"' : ''}>${td(r, 'td')}</tr>`).join('')}</tbody>` +
    `${opts.foot ? `<tfoot><tr>${td(opts.foot, 'td')}</tr></tfoot>` : ''}</table>`;
}

function section(id: string, title: string, body: string): string {
  return `<section aria-labelledby="${id}"><h2 id="${id}">${esc(title)}</h2>${body}</section>`;
}

function facts(items: [string, string, ('ok' | 'bad' | '')?][]): string {
  return `<dl class="facts">${items.map(([k, v, tone]) => `<div class="${tone ?? ''}"><dt>${esc(k)}</dt><dd>${v}</dd></div>`).join('')}</dl>`;
}

function percent(part: number, whole: number): string {
  if (whole <= 0) return '—';
  const p = Math.floor((part / whole) * 10000) / 100; // never rounds up to 100 % while something failed
  return `${p.toFixed(2)} %`;
}

function shortDigest(d: string | undefined): string {
  if (!d) return '—';
  const hex = d.slice(d.lastIndexOf(':') + 1);
  return `<code title="${esc(d)}">${esc(hex.slice(0, 12))}</code>`;
}

function summary(e: Evidence): string {
  const f = e.freshness;
  const stale = f.samples.flatMap((s) => (s.stalenessSeconds === null ? [] : [s.stalenessSeconds]));
  const maxStale = stale.length ? Math.max(...stale) : null;
  const open = e.issues.filter((i) => i.responseSeconds === null).length;
  const x = e.initialExtract;
  const c = e.cutover;
  const cards: [string, string, ('ok' | 'bad' | '')?][] = [
    ['Target holds what Source held', e.digest ? ok(e.digest.match, 'Digests equal', 'Digests differ') : 'Not part of this run', e.digest ? (e.digest.match ? 'ok' : 'bad') : ''],
    ['Resources extracted', x ? int(x.resources) : '—'],
    ['Validation pass rate', x ? percent(x.validation.passed, x.validation.checked) : '—'],
    ['Max DTM staleness (12 h limit)', maxStale === null ? '—' : duration(maxStale), maxStale === null ? '' : maxStale > f.stalenessLimitSeconds ? 'bad' : 'ok'],
    ['Consumption over 6 h limit', int(f.consumption.overLimit), f.consumption.overLimit ? 'bad' : 'ok'],
    ['Data issues unanswered', `${int(open)} of ${int(e.issues.length)}`, open ? 'bad' : 'ok'],
    ['Cutover data phase', c ? duration(c.dataPhaseSeconds) : 'Not part of this run', c?.withinWindow === true ? 'ok' : c?.withinWindow === false ? 'bad' : ''],
    ['Binaries verified', `${int(e.binaries.verified)} of ${int(e.binaries.expected)}`, e.binaries.failed || e.binaries.verified < e.binaries.expected ? 'bad' : 'ok'],
  ];
  return `<section aria-labelledby="glance"><h2 id="glance" class="sr-only">At a glance</h2>${facts(cards).replace('class="facts"', 'class="facts cards"')}</section>`;
}

function initialExtract(e: Evidence): string {
  const x = e.initialExtract;
  if (!x) return section('extract', 'Initial extract', NOT_IN_RUN);
  const v = x.validation;
  const left = facts([
    ['Resources', int(x.resources)],
    ['Resource types', int(x.byType.length)],
    ['Size', bytes(x.bytes)],
    ['Duration', duration(x.seconds)],
    ['Validation pass rate', `${percent(v.passed, v.checked)} <span class="muted">(${int(v.passed)} of ${int(v.checked)})</span>`, v.passed === v.checked ? 'ok' : ''],
    ['Quarantined', int(v.quarantined), v.quarantined ? 'bad' : 'ok'],
  ]);
  const rules = v.byRule.length
    ? table(['Rule', 'Resource type', 'Resources'], [...v.byRule].sort((a, b) => b.resources - a.resources)
      .map((r) => [`<code>${esc(r.rule)}</code>`, esc(r.resourceType), int(r.resources)]), { numeric: [2], caption: 'Quarantined by rule' })
    : '<p class="muted">Nothing quarantined.</p>';
  const chart = barChart(x.byType.map((t) => ({ label: t.resourceType, value: t.count })), 'Resources by type');
  return section('extract', 'Initial extract', `<div class="cols"><div>${left}${rules}</div><figure>${chart}<figcaption>Resources by type</figcaption></figure></div>`);
}

function freshness(e: Evidence): string {
  const f = e.freshness;
  const c = f.consumption;
  const pts = (k: 'stalenessSeconds' | 'consumptionDelaySeconds') =>
    f.samples.map((s) => ({ t: Date.parse(s.at), v: s[k] === null ? null : s[k] / 3600 }));
  const staleOver = f.samples.filter((s) => s.stalenessSeconds !== null && s.stalenessSeconds > f.stalenessLimitSeconds).length;
  const charts = f.samples.length === 0 ? '<p class="muted">No freshness samples in this run.</p>' : `<div class="cols">` +
    `<figure>${lineChart({ title: 'DTM staleness (hours since the Source extract)', points: pts('stalenessSeconds'), limit: f.stalenessLimitSeconds / 3600, color: '#005eb8' })}` +
    `<figcaption><span class="key" style="background:#005eb8"></span>DTM staleness · <span class="key dash"></span>${esc(duration(f.stalenessLimitSeconds))} limit</figcaption></figure>` +
    `<figure>${lineChart({ title: 'Consumption delay (hours from available to applied)', points: pts('consumptionDelaySeconds'), limit: f.consumptionLimitSeconds / 3600, color: '#6b3fa0' })}` +
    `<figcaption><span class="key" style="background:#6b3fa0"></span>Consumption delay · <span class="key dash"></span>${esc(duration(f.consumptionLimitSeconds))} limit</figcaption></figure></div>`;
  const list = facts([
    ['Samples', `${int(f.samples.length)}${f.samples.length ? ` <span class="muted">(${esc(london(f.samples[0]!.at))} to ${esc(london(f.samples[f.samples.length - 1]!.at))})</span>` : ''}`],
    [`Staleness samples over ${duration(f.stalenessLimitSeconds)}`, int(staleOver), staleOver ? 'bad' : 'ok'],
    ['Changes consumed', int(c.changes)],
    ['Consumption p50', c.p50AtMostSeconds === null ? '—' : `at most ${esc(duration(c.p50AtMostSeconds))}`],
    ['Consumption p95', c.p95AtMostSeconds === null ? '—' : `at most ${esc(duration(c.p95AtMostSeconds))}`],
    ['Consumption max', duration(c.maxDelaySeconds), c.maxDelaySeconds !== null && c.maxDelaySeconds > f.consumptionLimitSeconds ? 'bad' : ''],
    [`Changes over the ${duration(f.consumptionLimitSeconds)} limit`, int(c.overLimit), c.overLimit ? 'bad' : 'ok'],
  ]);
  return section('freshness', 'Freshness', charts + list);
}

function issues(e: Evidence): string {
  if (e.issues.length === 0) return section('issues', 'Data issues', '<p class="muted">No data issues were raised.</p>');
  const rows = e.issues.map((i) => [
    `<code>${esc(i.rule)}</code><br><span class="muted">${esc(i.id)}</span>`, `<span class="tag sev-${esc(i.severity.toLowerCase())}">${esc(i.severity)}</span>`, esc(i.status),
    int(i.resources), esc(london(i.raisedAt)), i.responseSeconds === null ? '<span class="bad">✗ No response</span>' : esc(duration(i.responseSeconds)),
  ]);
  return section('issues', 'Data issues', table(['Rule', 'Severity', 'Status', 'Resources', 'Raised', 'Response time'], rows, { numeric: [3] }));
}

function cutover(e: Evidence): string {
  const c = e.cutover;
  if (!c) return section('cutover', 'Cutover', NOT_IN_RUN);
  const markers = [
    { name: 'Frozen', at: c.frozenAt }, { name: 'Drained', at: c.drainedAt },
    { name: 'Verified', at: c.verifiedAt }, { name: 'Target complete', at: c.targetCompleteAt },
  ];
  const chart = cutoverChart({ start: c.plannedStart, end: c.plannedGoLive }, markers, c.withinWindow !== false && c.targetCompleteAt !== null);
  const list = facts([
    ['Within window', c.withinWindow === null ? '—' : ok(c.withinWindow), c.withinWindow === null ? '' : c.withinWindow ? 'ok' : 'bad'],
    ['Data phase (freeze to target complete)', duration(c.dataPhaseSeconds)],
    ['Planned window', `${esc(london(c.plannedStart))} → ${esc(london(c.plannedGoLive))}`],
    ['Final watermark', c.finalWatermark === null ? '—' : `<code>${esc(c.finalWatermark)}</code>`],
    ...markers.map((m): [string, string, ('ok' | 'bad' | '')?] => [m.name, m.at === null ? 'Not reached' : esc(london(m.at, 'seconds')), m.at === null ? 'bad' : '']),
  ]);
  return section('cutover', 'Cutover', `<figure class="wide">${chart}<figcaption>Planned window in Europe/London time; the shaded strip is the data phase, enlarged below.</figcaption></figure>${list}`);
}

function ids(label: string, list: string[]): string {
  if (list.length === 0) return '';
  const shown = list.slice(0, 50).map((id) => `<code>${esc(id)}</code>`).join(' ');
  const more = list.length > 50 ? ` <span class="muted">and ${int(list.length - 50)} more</span>` : '';
  return `<div><dt>${esc(label)} (${int(list.length)})</dt><dd class="ids">${shown}${more}</dd></div>`;
}

function digest(e: Evidence): string {
  const d = e.digest;
  if (!d) return section('proof', 'Proof of completeness', NOT_IN_RUN);
  const banner = `<div class="banner small ${d.match ? 'pass' : 'fail'}" role="status">${d.match ? '✓ Digests match: the Target holds exactly what the Source held' : '✗ Digests differ: the Target does not hold what the Source held'}</div>`;
  const byType = (v: DigestView | null) => new Map((v?.types ?? []).map((t) => [t.resourceType, t]));
  const server = byType(d.server);
  const client = byType(d.client);
  const names = [...new Set([...server.keys(), ...client.keys()])].sort();
  const cmp = (s: number | undefined, c: number | undefined) => s === undefined || s === c ? (c === undefined ? '—' : int(c)) : `<span class="bad">${int(s)} → ${c === undefined ? '—' : int(c)}</span>`;
  type Count = DigestView['total'] | undefined;
  const equal = (s: Count, c: Count) => d.server !== null && s !== undefined && c !== undefined && s.digest === c.digest && s.live === c.live && s.deleted === c.deleted;
  const row = (name: string, s: Count, c: Count) => {
    const same = equal(s, c);
    return [esc(name), cmp(s?.live, c?.live), cmp(s?.deleted, c?.deleted), shortDigest(s?.digest), shortDigest(c?.digest), d.server === null ? '—' : ok(same, 'match', 'differs')];
  };
  const rows = names.map((n) => row(n, server.get(n), client.get(n)));
  const flag = names.map((n) => d.server !== null && !equal(server.get(n), client.get(n)));
  const foot = row('All types', d.server?.total, d.client.total).map((c) => `<strong>${c}</strong>`);
  const note = d.server === null ? '<p class="muted">No Source digest was recorded in this run; only the Target side is shown.</p>' : '';
  const tbl = table(['Resource type', 'Live', 'Deleted', 'Source digest', 'Target digest', 'Match'], rows, { numeric: [1, 2], foot, flag, caption: `Counts show Source → Target where they differ. Cursor: ${d.client.cursor === null ? '—' : `<code>${esc(d.client.cursor)}</code>`}` });
  const diffs = d.differences.filter((x) => x.missingInTarget.length + x.extraInTarget.length + x.versionDiffers.length > 0);
  const diffHtml = diffs.length === 0 ? '<p>No differences.</p>' : diffs.map((x) =>
    `<h3>${esc(x.resourceType)}</h3><dl class="diff">${ids('Missing in Target', x.missingInTarget)}${ids('Extra in Target', x.extraInTarget)}${ids('Version differs', x.versionDiffers)}</dl>`).join('');
  return section('proof', 'Proof of completeness', `${banner}${note}${tbl}<h3 class="sub">Differences</h3>${diffHtml}`);
}

function binaries(e: Evidence): string {
  const b = e.binaries;
  return section('binaries', 'Binaries', facts([
    ['Expected', int(b.expected)], ['Verified', int(b.verified), b.verified === b.expected ? 'ok' : 'bad'],
    ['Failed', int(b.failed), b.failed ? 'bad' : 'ok'], ['Size', bytes(b.bytes)],
  ]).replace('class="facts"', 'class="facts cards"'));
}

function migration(e: Evidence): string {
  const m = e.migration;
  if (!m) return section('migration', 'Migration', NOT_IN_RUN);
  const rows = m.history.map((h) => [`${h.from === null ? '<span class="muted">—</span>' : esc(h.from)} → <strong>${esc(h.to)}</strong>`, esc(h.by), esc(h.role), esc(london(h.at)), h.note === null ? '' : esc(h.note)]);
  const warnings = m.warnings.length === 0 ? '<p class="muted">No warnings.</p>'
    : `<ul class="warnings">${m.warnings.map((w) => `<li><code>${esc(w.code)}</code> ${esc(w.message)}</li>`).join('')}</ul>`;
  return section('migration', 'Migration', `<p>Current state: <span class="tag">${esc(m.state)}</span></p>` +
    table(['State change', 'By', 'Role', 'At', 'Note'], rows, { caption: 'State history' }) + `<h3 class="sub">Warnings</h3>${warnings}`);
}

function timeline(e: Evidence): string {
  if (e.timeline.length === 0) return section('timeline', 'Rehearsal timeline', NOT_IN_RUN);
  const items = [...e.timeline].sort((a, b) => Date.parse(a.at) - Date.parse(b.at))
    .map((t) => `<li><time datetime="${esc(t.at)}">${esc(london(t.at, 'stamp'))}</time><strong>${esc(t.step)}</strong> <span class="muted">${esc(t.detail)}</span></li>`);
  return section('timeline', 'Rehearsal timeline', `<ol class="timeline">${items.join('')}</ol>`);
}

const CSS = `
*{box-sizing:border-box}body{margin:0;background:#f0f4f5;color:#212b32;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif}
main{max-width:1180px;margin:0 auto;padding:20px 24px 48px}h1{font-size:24px;margin:0 0 4px}h2{font-size:20px;margin:0 0 12px;padding-bottom:6px;border-bottom:2px solid #d8dde0}
h3{font-size:16px;margin:14px 0 6px}section{background:#fff;border:1px solid #d8dde0;border-radius:6px;padding:16px 20px;margin:16px 0}
.banner{border-radius:6px;padding:16px 20px;color:#fff;font-size:19px;font-weight:600;display:flex;gap:14px;align-items:center}
.banner .badge{background:#fff;border-radius:4px;padding:4px 12px;font-size:22px;font-weight:800;white-space:nowrap}.pass{background:#007f3b}.pass .badge{color:#007f3b}
.fail{background:#d5281b}.fail .badge{color:#b3200f}.banner.small{font-size:16px;padding:10px 14px;margin-bottom:12px}
.meta{color:#4c6272;margin:10px 0 0}.meta b{color:#212b32}.muted,.muted-t{color:#4c6272;fill:#4c6272}.sr-only{position:absolute;left:-9999px}
.facts{display:grid;grid-template-columns:repeat(auto-fill,minmax(250px,1fr));gap:6px 18px;margin:8px 0 12px}.facts>div{border-left:4px solid #d8dde0;padding:2px 10px}
.facts dt{color:#4c6272;font-size:13px}.facts dd{margin:0;font-weight:600;font-variant-numeric:tabular-nums}.facts>div.ok{border-color:#007f3b;color:inherit}.facts>div.bad{border-color:#d5281b;color:inherit;font-weight:inherit}.facts>div.bad dd{color:#b3200f}
.cards{grid-template-columns:repeat(4,1fr);gap:10px}.cards>div{background:#fff;border:1px solid #d8dde0;border-left-width:6px;border-radius:4px;padding:8px 12px}.cards dd{font-size:20px}
section .cards>div{background:#f8fafa}.ok{color:#006630}.bad{color:#b3200f;font-weight:600}
table{border-collapse:collapse;width:100%;margin:8px 0;font-variant-numeric:tabular-nums}caption{text-align:left;font-weight:600;padding:4px 0;caption-side:top}
th,td{text-align:left;padding:5px 8px;border-bottom:1px solid #d8dde0;vertical-align:top}th{background:#f0f4f5;font-size:13px}.num{text-align:right}tfoot td{border-top:2px solid #aeb7bd}
code{font:13px/1.3 ui-monospace,"SFMono-Regular",Menlo,Consolas,monospace;background:#f0f4f5;padding:1px 4px;border-radius:3px;color:#212b32}
.cols{display:grid;grid-template-columns:1fr 1fr;gap:20px}figure{margin:0}figcaption{color:#4c6272;font-size:13px;margin-top:4px}
svg text{font:12px system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;fill:#212b32}svg .strong{font-weight:700}svg .val{fill:#4c6272}
.bar{fill:#005eb8}.grid{stroke:#e8edee}.axis{stroke:#4c6272}.limit{stroke:#d5281b;stroke-width:2;stroke-dasharray:6 4}svg .limit-label{fill:#b3200f;font-weight:700}
.over{fill:#d5281b;opacity:.07}.window{fill:#e8edee;stroke:#aeb7bd}.zoom{fill:#005eb8;opacity:.08}
.key{display:inline-block;width:18px;height:4px;vertical-align:middle;margin-right:4px}.key.dash{background:repeating-linear-gradient(90deg,#d5281b 0 6px,transparent 6px 10px)}
.tag{display:inline-block;padding:0 8px;border-radius:10px;background:#e8edee;font-size:13px;font-weight:600}.sev-error,.sev-fatal{background:#fbe2df;color:#8a1a0c}.sev-warning{background:#fff1c2;color:#5c4400}
.flag td{background:#fbe2df}svg .missing{fill:#b3200f;font-weight:700}.diff>div{margin:4px 0}.diff dt{font-weight:600}.ids{margin:2px 0 0;line-height:1.9}.warnings{padding-left:20px}
.timeline{list-style:none;padding:0;margin:0;border-left:3px solid #005eb8}.timeline li{position:relative;padding:4px 0 8px 18px}
.timeline li:before{content:"";position:absolute;left:-8px;top:10px;width:11px;height:11px;border-radius:50%;background:#fff;border:2px solid #005eb8}
.timeline time{display:inline-block;min-width:250px;color:#4c6272;font-variant-numeric:tabular-nums}
@media (max-width:800px){.cols{grid-template-columns:1fr}.cards{grid-template-columns:1fr 1fr}}@media print{body{background:#fff}section{break-inside:avoid}}
`;

/** The evidence pack as a single self-contained HTML page. */
export function renderEvidenceHtml(e: Evidence): string {
  const who = `${e.practice.name ?? 'Unnamed practice'} (${e.practice.ods})`;
  const header = `<header><h1>Migration evidence: ${esc(who)}</h1>` +
    `<div class="banner ${e.verdict.pass ? 'pass' : 'fail'}" role="status"><span class="badge">${e.verdict.pass ? '✓ PASS' : '✗ FAIL'}</span><span>${esc(e.verdict.text)}</span></div>` +
    `<p class="meta">Practice <b>${esc(e.practice.ods)}</b> · ${esc(e.practice.name ?? '—')} · Source DTM server <b>${esc(e.server)}</b> · ` +
    `Generated <b>${esc(london(e.generatedAt, 'full'))}</b> <span>(${esc(e.generatedAt)})</span> · All times Europe/London</p></header>`;
  const body = [summary(e), initialExtract(e), freshness(e), issues(e), cutover(e), digest(e), binaries(e), migration(e), timeline(e)].join('\n');
  return `<!DOCTYPE html>\n<html lang="en-GB"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<title>${esc(`${e.verdict.pass ? 'PASS' : 'FAIL'} · Migration evidence · ${who}`)}</title><style>${CSS}</style></head>` +
    `<body><main>${header}\n${body}\n<footer class="muted">${esc(e.schema)} · counts, ids, times and digests only; no resource bodies.</footer></main></body></html>\n`;
}
