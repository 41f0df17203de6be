// The request URL as it goes into the log line. Query values the DTM itself issues or that are plain
// numbers, instants and statuses stay; any other value is masked: the issues list's `rule` is the
// client's own text (never logged: it may describe patient data), and an unknown parameter may be
// anything.
const LOGGABLE_QUERY = new Set(['since', 'limit', 'wait', 'after', 'status']);

export function loggableUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const parts = [...new URLSearchParams(url.slice(q + 1))].map(([k, v]) =>
    `${encodeURIComponent(k)}=${LOGGABLE_QUERY.has(k) ? encodeURIComponent(v) : '~'}`);
  return `${url.slice(0, q)}?${parts.join('&')}`;
}
