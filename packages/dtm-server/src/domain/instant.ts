// RFC 3339 instants, checked for real calendar values: the schema's date-time format accepts
// "2026-02-30T00:00:00Z", which PostgreSQL then refuses; that must be the caller's 400, not our 500.
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

export function isRealInstant(s: string): boolean {
  const m = RFC3339.exec(s);
  if (!m) return false;
  const [y, mo, d, h, mi, se] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const probe = new Date(Date.UTC(y, mo - 1, d, h, mi, se));
  return probe.getUTCFullYear() === y && probe.getUTCMonth() === mo - 1 && probe.getUTCDate() === d &&
    h < 24 && mi < 60 && se < 60 && (m[8]!.length === 1 || (Number(m[8]!.slice(1, 3)) < 24 && Number(m[8]!.slice(4)) < 60));
}
