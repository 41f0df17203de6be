// How current a practice's DTM data is, in the contract's terms (roadmap item: data no more than
// 12 h behind the live source; a way for both sides to know when DTM data was last updated).
import { STALENESS_LIMIT_SECONDS, type PracticeStatus, type PracticeSummary, type Watermark } from '@dtm/shared';
import type { PracticeRow } from '../repo/practices.ts';

export function toWatermark(p: PracticeRow, highWaterCursor: string | null, now: Date): Watermark {
  return {
    practice: p.ods,
    sourceAsOf: p.source_as_of?.toISOString() ?? null,
    lastUpdatedAt: p.last_updated_at?.toISOString() ?? null,
    highWaterCursor,
    serverTime: now.toISOString(),
  };
}

export function staleness(sourceAsOf: Date | null, now: Date): PracticeStatus['staleness'] {
  const seconds = sourceAsOf ? Math.max(0, (now.getTime() - sourceAsOf.getTime()) / 1000) : null;
  return { seconds, limitSeconds: STALENESS_LIMIT_SECONDS, withinLimit: seconds !== null && seconds <= STALENESS_LIMIT_SECONDS };
}

export function toSummary(p: PracticeRow, now: Date): PracticeSummary {
  return {
    practice: p.ods,
    name: p.name,
    sourceAsOf: p.source_as_of?.toISOString() ?? null,
    lastUpdatedAt: p.last_updated_at?.toISOString() ?? null,
    staleness: staleness(p.source_as_of, now),
  };
}
