// Helpers for the evidence page (html.ts): escaping, Europe/London times, durations, and the inline
// SVG charts drawn by hand (no libraries, nothing fetched). Every string that reaches the page goes
// through esc(); numbers are formatted here so the charts and the tables read the same.

const TZ = 'Europe/London';

/** Escapes text for HTML element content and quoted attribute values (SVG included). */
export function esc(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

const formats = new Map<string, Intl.DateTimeFormat>();
function dtf(key: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  let f = formats.get(key);
  if (!f) formats.set(key, (f = new Intl.DateTimeFormat('en-GB', { timeZone: TZ, ...options })));
  return f;
}
const STYLES: Record<'stamp' | 'full' | 'day' | 'time' | 'seconds', Intl.DateTimeFormatOptions> = {
  stamp: { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23', timeZoneName: 'short' },
  full: { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'short' },
  day: { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'short' },
  time: { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'short' },
  seconds: { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23', timeZoneName: 'short' },
};

/** An ISO instant as Europe/London local time ("Fri 24 Oct, 17:00 BST"); unparseable input is shown as given. */
export function london(iso: string | number | null, style: keyof typeof STYLES = 'day'): string {
  if (iso === null) return '—';
  const ms = typeof iso === 'number' ? iso : Date.parse(iso);
  if (!Number.isFinite(ms)) return String(iso);
  return dtf(style, STYLES[style]).format(ms).replace(/^(\w{3}),/, '$1');
}

/** Europe/London wall-clock parts of an instant, for axis ticks. */
function londonParts(ms: number): { hour: number; minute: number; weekday: string; day: string } {
  const parts = dtf('parts', { weekday: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(ms);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return { hour: Number(get('hour')), minute: Number(get('minute')), weekday: get('weekday'), day: get('day') };
}

export const int = (n: number): string => Math.round(n).toLocaleString('en-GB');

export function duration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '—';
  const s = Math.round(Math.abs(seconds));
  const [d, h, m, r] = [Math.floor(s / 86400), Math.floor((s % 86400) / 3600), Math.floor((s % 3600) / 60), s % 60];
  const text = d ? `${d} d${h ? ` ${h} h` : ''}` : h ? `${h} h${m ? ` ${m} min` : ''}` : m ? `${m} min${r ? ` ${r} s` : ''}` : `${r} s`;
  return seconds < 0 ? `−${text}` : text;
}

export function bytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let i = 0;
  let v = n;
  while (v >= 1000 && i < units.length - 1) { v /= 1000; i++; }
  return `${i === 0 ? v : v.toFixed(v < 10 ? 2 : 1)} ${units[i]}`;
}

const n1 = (x: number) => (Math.round(x * 10) / 10).toString();
const svgOpen = (w: number, h: number, label: string) =>
  `<svg role="img" aria-label="${esc(label)}" viewBox="0 0 ${w} ${h}" width="100%" preserveAspectRatio="xMinYMin meet"><title>${esc(label)}</title>`;

/** Horizontal bars, largest first, values at the bar ends. */
export function barChart(items: { label: string; value: number }[], title: string, width = 560): string {
  if (items.length === 0) return '<p class="muted">No resources.</p>';
  const rows = [...items].sort((a, b) => b.value - a.value);
  const max = Math.max(1, ...rows.map((r) => r.value));
  const [labelW, valueW, rowH, top] = [150, 64, 20, 4];
  const barW = width - labelW - valueW;
  const h = top + rows.length * rowH + 4;
  const summary = `${title}: ${rows.map((r) => `${r.label} ${int(r.value)}`).join(', ')}`;
  const bars = rows.map((r, i) => {
    const y = top + i * rowH;
    const w = Math.max(1, (r.value / max) * barW);
    return `<text x="${labelW - 8}" y="${y + 14}" text-anchor="end">${esc(r.label)}</text>` +
      `<rect x="${labelW}" y="${y + 3}" width="${n1(w)}" height="${rowH - 6}" rx="2" class="bar"/>` +
      `<text x="${n1(labelW + w + 6)}" y="${y + 14}" class="val">${int(r.value)}</text>`;
  });
  return `${svgOpen(width, h, summary)}${bars.join('')}</svg>`;
}

function niceStep(max: number, ticks: number, steps: number[]): number {
  return steps.find((s) => max / s <= ticks) ?? Math.ceil(max / ticks);
}

/** One series over time, hours on the y axis, a dashed red limit line and the area over it shaded. */
export function lineChart(o: { title: string; points: { t: number; v: number | null }[]; limit: number; color: string; width?: number; height?: number }): string {
  const [W, H, L, R, T, B] = [o.width ?? 540, o.height ?? 230, 40, 14, 14, 40];
  const pts = o.points.filter((p) => Number.isFinite(p.t)).sort((a, b) => a.t - b.t);
  const values = pts.flatMap((p) => (p.v === null ? [] : [p.v]));
  if (values.length === 0) return `<p class="muted">${esc(o.title)}: no samples.</p>`;
  const t0 = pts[0]!.t - (pts.length === 1 ? 3600_000 : 0);
  const t1 = Math.max(pts[pts.length - 1]!.t, t0 + 3600_000);
  const peak = Math.max(...values);
  const step = niceStep(Math.max(o.limit * 1.2, peak * 1.1), 6, [0.5, 1, 2, 3, 4, 6, 12, 24, 48]);
  const yMax = Math.ceil(Math.max(o.limit * 1.2, peak * 1.1) / step) * step;
  const x = (t: number) => L + ((t - t0) / (t1 - t0)) * (W - L - R);
  const y = (v: number) => T + (1 - v / yMax) * (H - T - B);
  const parts: string[] = [];
  parts.push(`<rect x="${L}" y="${T}" width="${W - L - R}" height="${n1(y(o.limit) - T)}" class="over"/>`);
  for (let v = 0; v <= yMax + 1e-9; v += step) {
    parts.push(`<line x1="${L}" x2="${W - R}" y1="${n1(y(v))}" y2="${n1(y(v))}" class="grid"/><text x="${L - 6}" y="${n1(y(v) + 4)}" text-anchor="end">${n1(v)}</text>`);
  }
  // A tick at each Europe/London midnight, labelled with the day that starts there.
  for (let t = Math.ceil(t0 / 3600_000) * 3600_000; t <= t1; t += 3600_000) {
    const p = londonParts(t);
    if (p.hour !== 0 || p.minute !== 0) continue;
    parts.push(`<line x1="${n1(x(t))}" x2="${n1(x(t))}" y1="${T}" y2="${H - B + 4}" class="grid"/><text x="${n1(x(t) + 3)}" y="${H - B + 16}">${esc(`${p.weekday} ${p.day}`)}</text>`);
  }
  let d = '';
  let pen = false;
  for (const p of pts) {
    if (p.v === null) { pen = false; continue; }
    d += `${pen ? 'L' : 'M'}${n1(x(p.t))} ${n1(y(p.v))}`;
    pen = true;
  }
  parts.push(`<path d="${d}" fill="none" stroke="${o.color}" stroke-width="2" stroke-linejoin="round"/>`);
  for (const p of pts) {
    if (p.v === null) continue;
    const over = p.v > o.limit;
    parts.push(`<circle cx="${n1(x(p.t))}" cy="${n1(y(p.v))}" r="${over ? 4 : 2.2}" fill="${over ? '#d5281b' : o.color}"/>`);
  }
  parts.push(`<line x1="${L}" x2="${W - R}" y1="${n1(y(o.limit))}" y2="${n1(y(o.limit))}" class="limit"/>`);
  parts.push(`<text x="${W - R - 4}" y="${n1(y(o.limit) - 5)}" text-anchor="end" class="limit-label">${n1(o.limit)} h limit</text>`);
  parts.push(`<line x1="${L}" x2="${W - R}" y1="${H - B}" y2="${H - B}" class="axis"/><text x="${L}" y="${H - 6}" class="muted-t">hours · Europe/London days</text>`);
  const over = values.filter((v) => v > o.limit).length;
  const label = `${o.title} from ${london(t0)} to ${london(t1)}: peak ${n1(peak)} h against a ${n1(o.limit)} h limit; ${over} of ${values.length} samples over the limit.`;
  return `${svgOpen(W, H, label)}${parts.join('')}</svg>`;
}

export interface Marker { name: string; at: string | null }

/** The planned window (Europe/London ticks) with the data phase shaded, and a zoomed strip of the markers. */
export function cutoverChart(window: { start: string | null; end: string | null }, markers: Marker[], ok: boolean, width = 1100): string {
  const W = width;
  const [L, R] = [20, 20];
  const s = window.start === null ? NaN : Date.parse(window.start);
  const e = window.end === null ? NaN : Date.parse(window.end);
  const ms = markers.flatMap((m) => { const t = m.at === null ? NaN : Date.parse(m.at); return Number.isFinite(t) ? [{ ...m, t }] : []; });
  const hasWindow = Number.isFinite(s) && Number.isFinite(e) && e > s;
  if (!hasWindow && ms.length === 0) return '<p class="muted">No planned window or cutover times recorded.</p>';
  const parts: string[] = [];
  const phaseColour = ok ? '#007f3b' : '#d5281b';
  const first = ms.length ? Math.min(...ms.map((m) => m.t)) : NaN;
  const last = ms.length ? Math.max(...ms.map((m) => m.t)) : NaN;
  let y0 = 0;
  if (hasWindow) {
    const x = (t: number) => L + (Math.min(Math.max(t, s), e) - s) / (e - s) * (W - L - R);
    parts.push(`<text x="${L}" y="16" class="strong">${esc(london(window.start))} · window opens</text>`);
    parts.push(`<text x="${W - R}" y="16" text-anchor="end" class="strong">go-live · ${esc(london(window.end))}</text>`);
    parts.push(`<rect x="${L}" y="28" width="${W - L - R}" height="22" rx="3" class="window"/>`);
    for (let t = Math.ceil(s / 3600_000) * 3600_000; t < e; t += 3600_000) {
      const p = londonParts(t);
      if (p.minute !== 0 || p.hour % 6 !== 0) continue;
      parts.push(`<line x1="${n1(x(t))}" x2="${n1(x(t))}" y1="28" y2="${p.hour === 0 ? 60 : 55}" class="${p.hour === 0 ? 'axis' : 'grid'}"/>`);
      parts.push(`<text x="${n1(x(t))}" y="70" text-anchor="middle"${p.hour === 0 ? ' class="strong"' : ''}>${p.hour === 0 ? esc(`${p.weekday} ${p.day}`) : `${String(p.hour).padStart(2, '0')}:00`}</text>`);
    }
    if (ms.length) {
      const bx0 = x(first);
      const bx1 = Math.max(x(last), bx0 + 4);
      parts.push(`<rect x="${n1(bx0)}" y="26" width="${n1(bx1 - bx0)}" height="26" fill="${phaseColour}"/>`);
      parts.push(`<polygon points="${n1(bx0)},52 ${n1(bx1)},52 ${W - R},104 ${L},104" class="zoom"/>`);
    }
    y0 = 104;
  }
  if (ms.length) {
    const span = Math.max(last - first, 60_000);
    const a = first - span * 0.08;
    const b = first + span * 1.08;
    const x = (t: number) => L + ((t - a) / (b - a)) * (W - L - R);
    const axisY = y0 + 56;
    parts.push(`<rect x="${n1(x(first))}" y="${axisY - 5}" width="${n1(Math.max(2, x(last) - x(first)))}" height="10" rx="2" fill="${phaseColour}" opacity="0.85"/>`);
    parts.push(`<line x1="${L}" x2="${W - R}" y1="${axisY}" y2="${axisY}" class="axis"/>`);
    ms.sort((p, q) => p.t - q.t).forEach((m, i) => {
      const cx = x(m.t);
      const up = i % 2 === 0;
      const anchor = cx < L + 60 ? 'start' : cx > W - R - 60 ? 'end' : 'middle';
      const outside = hasWindow && (m.t < s || m.t > e);
      parts.push(`<line x1="${n1(cx)}" x2="${n1(cx)}" y1="${up ? axisY - 22 : axisY}" y2="${up ? axisY : axisY + 22}" class="axis"/>`);
      parts.push(`<circle cx="${n1(cx)}" cy="${axisY}" r="6" fill="${outside ? '#d5281b' : '#fff'}" stroke="#212b32" stroke-width="2"/>`);
      const ty = up ? axisY - 40 : axisY + 38;
      parts.push(`<text x="${n1(cx)}" y="${ty}" text-anchor="${anchor}" class="strong">${esc(m.name)}</text>`);
      parts.push(`<text x="${n1(cx)}" y="${ty + 14}" text-anchor="${anchor}">${esc(london(m.t, 'seconds'))} · +${esc(duration((m.t - first) / 1000))}</text>`);
    });
    const missing = markers.filter((m) => m.at === null).map((m) => m.name);
    if (missing.length) parts.push(`<text x="${W - R}" y="${axisY - 12}" text-anchor="end" class="missing">Not reached: ${esc(missing.join(', '))}</text>`);
    y0 = axisY + 60;
  }
  const label = `Cutover timeline${hasWindow ? ` from ${london(window.start)} to ${london(window.end)}` : ''}: ${ms.map((m) => `${m.name} at ${london(m.t, 'seconds')}`).join(', ') || 'no cutover steps recorded'}.`;
  return `${svgOpen(W, y0 + 4, label)}${parts.join('')}</svg>`;
}
