// The agreed retrieval terms of a consumer's grant (roadmap item: the Target retrieves at least
// weekly; more than one retrieval within 24 h only as agreed with the Source). Pure decisions.

export const DAY_MS = 24 * 60 * 60 * 1000;
/** Roadmap item: the Target retrieves once per week as a minimum. */
export const OVERDUE_AFTER_MS = 7 * DAY_MS;

export type SessionDecision =
  | { action: 'continue'; sessionId: number }
  | { action: 'start' }
  | { action: 'refuse'; retryAfterSeconds: number };

/**
 * A request continues the latest session if it comes within `gapMs` of that session's last
 * request; otherwise it starts a new one, allowed only while fewer than `perDay` sessions started
 * in the last 24 h. Refused: retry when the oldest of those sessions is 24 h old.
 */
export function decideSession(
  latest: { id: number; last_at: Date } | null,
  startsInLast24h: Date[],
  perDay: number,
  gapMs: number,
  now: Date,
): SessionDecision {
  if (latest && now.getTime() - latest.last_at.getTime() <= gapMs) return { action: 'continue', sessionId: latest.id };
  if (startsInLast24h.length < perDay) return { action: 'start' };
  const oldest = Math.min(...startsInLast24h.map((d) => d.getTime()));
  return { action: 'refuse', retryAfterSeconds: Math.max(1, Math.ceil((oldest + DAY_MS - now.getTime()) / 1000)) };
}

export type GrantWindow = 'active' | 'not-yet-valid' | 'expired';

export function grantWindow(g: { valid_from: Date | null; valid_until: Date | null }, now: Date): GrantWindow {
  if (g.valid_from && now < g.valid_from) return 'not-yet-valid';
  if (g.valid_until && now >= g.valid_until) return 'expired';
  return 'active';
}
