// The self-contained HTML report: inline CSS and SVG, no script, no external asset, so it can be
// attached to an assurance record and opened anywhere. Evidence is what the HTTP helper kept: methods,
// paths, statuses, timings and bodies reduced to ids and counts.
import { percentile } from '../stats.ts';
import type { CheckResult, Exchange, Report, Status, Timing } from '../types.ts';

/** Exchanges shown per check; the rest are in conformance.json. */
const MAX_EVIDENCE = 40;
/** Points drawn in the latency chart (evenly thinned beyond this). */
const MAX_POINTS = 4000;

export function htmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

const e = (v: unknown) => htmlEscape(String(v ?? ''));

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;margin:0;color:#1f2937;background:#f9fafb}
header{background:#005eb8;color:#fff;padding:20px 32px}header h1{margin:0 0 4px;font-size:22px}header p{margin:2px 0;opacity:.95}
main{padding:20px 32px;max-width:1400px}
.tiles{display:flex;gap:12px;margin:8px 0 20px}.tile{background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:10px 18px;min-width:90px}
.tile b{display:block;font-size:26px}.pass b{color:#047857}.fail b{color:#b91c1c}.warn b{color:#b45309}.skip b{color:#6b7280}
table{border-collapse:collapse;width:100%;background:#fff;margin:8px 0 16px}th,td{border:1px solid #e5e7eb;padding:5px 8px;text-align:left;vertical-align:top}
th{background:#f3f4f6;font-weight:600}
.badge{display:inline-block;border-radius:4px;padding:1px 7px;font-size:12px;font-weight:700;color:#fff}
.b-pass{background:#047857}.b-fail{background:#b91c1c}.b-warn{background:#b45309}.b-skip{background:#6b7280}
code,pre{font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}pre{margin:0;white-space:pre-wrap;word-break:break-word;max-height:240px;overflow:auto}
details{background:#fff;border:1px solid #e5e7eb;border-radius:8px;margin:8px 0;padding:8px 14px}summary{cursor:pointer;font-weight:600}
.req{color:#374151;border-left:3px solid #005eb8;padding-left:10px;margin:8px 0}.muted{color:#6b7280}
.chart{background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:8px}
.note{background:#eff6ff;border:1px solid #bfdbfe;padding:8px 12px;border-radius:6px}
`;

function chart(timings: Timing[], results: CheckResult[]): string {
  if (timings.length === 0) return '<p class="muted">No requests were made.</p>';
  const W = 960;
  const H = 280;
  const L = 56;
  const B = 36;
  const T = 14;
  const R = 14;
  const step = Math.max(1, Math.ceil(timings.length / MAX_POINTS));
  const pts = timings.filter((_, i) => i % step === 0);
  const tMax = Math.max(1, ...timings.map((t) => t.t + t.ms));
  const msMax = Math.max(10, ...timings.map((t) => t.ms));
  const yTop = 10 ** Math.ceil(Math.log10(msMax));
  const x = (t: number) => L + ((W - L - R) * t) / tMax;
  const y = (ms: number) => T + (H - T - B) * (1 - Math.log10(Math.max(1, ms)) / Math.log10(yTop));
  const colour = (t: Timing) =>
    t.status === null || t.status >= 500 ? '#dc2626' : t.status >= 400 ? '#d97706' : t.kind === 'probe' ? '#2563eb' : '#6b7280';
  const out: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="Request latency over the run">`];
  for (let v = 1; v <= yTop; v *= 10) {
    out.push(`<line x1="${L}" x2="${W - R}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#e5e7eb"/>`);
    out.push(`<text x="${L - 6}" y="${(y(v) + 4).toFixed(1)}" font-size="11" text-anchor="end" fill="#6b7280">${v >= 1000 ? `${v / 1000} s` : `${v} ms`}</text>`);
  }
  const ticks = 8;
  for (let i = 0; i <= ticks; i++) {
    const t = (tMax * i) / ticks;
    out.push(`<text x="${x(t).toFixed(1)}" y="${H - B + 16}" font-size="11" text-anchor="middle" fill="#6b7280">${(t / 1000).toFixed(t < 10_000 ? 1 : 0)} s</text>`);
  }
  out.push(`<line x1="${L}" x2="${L}" y1="${T}" y2="${H - B}" stroke="#9ca3af"/><line x1="${L}" x2="${W - R}" y1="${H - B}" y2="${H - B}" stroke="#9ca3af"/>`);
  for (const p of pts) out.push(`<circle cx="${x(p.t).toFixed(1)}" cy="${y(p.ms).toFixed(1)}" r="2.2" fill="${colour(p)}" fill-opacity="0.75"/>`);
  const probe = timings.filter((t) => t.kind === 'probe' && t.status !== null).map((t) => t.ms);
  const probeResult = results.find((r) => r.id === 'freshness.availability-probe');
  if (probe.length) {
    for (const [i, [p, dash]] of ([[50, '4 3'], [95, '6 3'], [99, '2 2']] as const).entries()) {
      const v = percentile(probe, p)!;
      out.push(`<line x1="${L}" x2="${W - R}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#1d4ed8" stroke-dasharray="${dash}"/>`);
      out.push(`<text x="${W - R - 4 - i * 120}" y="${(y(v) - 3).toFixed(1)}" font-size="11" text-anchor="end" fill="#1d4ed8">probe p${p} ${v} ms</text>`);
    }
  }
  out.push(`<text x="${L}" y="${H - 4}" font-size="11" fill="#6b7280">time since the start of the run; latency on a log scale</text>`);
  out.push('</svg>');
  const legend = `<p class="muted"><span style="color:#6b7280">●</span> check requests &nbsp; <span style="color:#2563eb">●</span> availability probe &nbsp; <span style="color:#d97706">●</span> 4xx &nbsp; <span style="color:#dc2626">●</span> 5xx or no response${probeResult ? ` &nbsp;|&nbsp; probe: ${e(probeResult.reason)}` : ''}</p>`;
  return `<div class="chart">${out.join('')}${legend}</div>`;
}

const badge = (s: Status) => `<span class="badge b-${s}">${s.toUpperCase()}</span>`;

function exchangeRow(x: Exchange): string {
  const json = (v: unknown) => (v === undefined ? '' : `<pre>${e(JSON.stringify(v, null, 1))}</pre>`);
  const headers = x.headers && Object.keys(x.headers).length ? `<pre>${e(Object.entries(x.headers).map(([k, v]) => `${k}: ${v}`).join('\n'))}</pre>` : '';
  return `<tr><td>${x.id}</td><td>${e(x.label ?? '')}</td><td><code>${e(x.method)} ${e(x.path)}</code></td><td>${x.status ?? `<b>none</b> ${e(x.error ?? '')}`}</td><td>${x.ms}</td><td>${json(x.request)}</td><td>${headers}${json(x.response)}</td></tr>`;
}

function checkSection(r: CheckResult, exchanges: Exchange[]): string {
  const own = r.exchangeIds.map((id) => exchanges[id - 1]).filter((x): x is Exchange => !!x);
  const metrics = Object.entries(r.metrics);
  return `<details id="${e(r.id)}"${r.status === 'fail' ? ' open' : ''}>
<summary>${badge(r.status)} <code>${e(r.id)}</code> ${e(r.title)}</summary>
<p class="req"><b>Requirement.</b> ${e(r.requirement)}</p>
<p><b>Result.</b> ${e(r.reason)} <span class="muted">(${r.ms} ms)</span></p>
${r.details.length ? `<ul>${r.details.map((d) => `<li>${e(d)}</li>`).join('')}</ul>` : ''}
${metrics.length ? `<table><tr>${metrics.map(([k]) => `<th>${e(k)}</th>`).join('')}</tr><tr>${metrics.map(([, v]) => `<td>${e(v)}</td>`).join('')}</tr></table>` : ''}
${own.length ? `<table><tr><th>#</th><th>step</th><th>request</th><th>status</th><th>ms</th><th>request body (redacted)</th><th>response (redacted)</th></tr>${own.slice(0, MAX_EVIDENCE).map(exchangeRow).join('')}</table>${own.length > MAX_EVIDENCE ? `<p class="muted">${own.length - MAX_EVIDENCE} more exchanges in conformance.json.</p>` : ''}` : '<p class="muted">No request kept as evidence.</p>'}
</details>`;
}

export function htmlReport(r: Report): string {
  const t = r.target;
  const secs = ((Date.parse(r.finishedAt) - Date.parse(r.startedAt)) / 1000).toFixed(1);
  const overall = r.totals.fail ? 'NOT CONFORMANT' : 'CONFORMANT (no failures)';
  const rows = r.results.map((x) => {
    const req = x.exchange ? `<code>${e(x.exchange.method)} ${e(x.exchange.path.split('?')[0])} → ${x.exchange.status ?? 'none'}</code>` : '';
    return `<tr><td>${badge(x.status)}</td><td><a href="#${e(x.id)}"><code>${e(x.id)}</code></a></td><td>${e(x.title)}</td><td>${e(x.reason)}</td><td>${req}</td></tr>`;
  });
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>DTM conformance: ${e(t.practice)} at ${e(t.baseUrl)}</title><style>${CSS}</style></head>
<body><header><h1>DTM conformance report: ${e(overall)}</h1>
<p>${e(t.baseUrl)} &middot; practice ${e(t.practice)} &middot; consumer ${e(t.clientId)}${t.publisherClientId ? ` &middot; publisher ${e(t.publisherClientId)}` : ' &middot; no publisher credentials (write checks skipped)'}${t.rateClientId ? ` &middot; rate client ${e(t.rateClientId)}` : ''}</p>
<p>${e(r.startedAt)} to ${e(r.finishedAt)} (${secs} s) &middot; ${e(r.kit.name)} ${e(r.kit.version)} &middot; groups: ${e(r.selection.groups.join(', '))} &middot; probe ${r.selection.durationSeconds} s${r.selection.sample ? ` &middot; validation sample ${r.selection.sample}` : ''}</p></header>
<main>
<div class="tiles">${(['pass', 'fail', 'warn', 'skip'] as const).map((s) => `<div class="tile ${s}"><b>${r.totals[s]}</b>${s === 'pass' ? 'passed' : s === 'fail' ? 'failed' : s === 'warn' ? 'warnings' : 'skipped'}</div>`).join('')}</div>
<p class="note">Evidence is redacted: request and response bodies are reduced to ids, versions, counts, statuses and error codes. No resource body, NHS number, name, access token or client assertion is kept in this report.</p>
<h2>Checks</h2>
<table><tr><th>result</th><th>check</th><th>what</th><th>why</th><th>request that showed it</th></tr>${rows.join('')}</table>
<h2>Latency</h2>
${chart(r.timings, r.results)}
<h2>Evidence</h2>
${r.results.map((x) => checkSection(x, r.exchanges)).join('\n')}
</main></body></html>
`;
}
