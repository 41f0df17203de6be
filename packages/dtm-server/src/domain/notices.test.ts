// The CSMP letters as pure functions: available only after their event, every value escaped in both
// formats, nothing but the record's facts.
import { describe, expect, it } from 'vitest';
import type { Migration } from '@dtm/shared';
import { noticeBlocks, renderHtml, renderMarkdown } from './notices.ts';

const migration = (over: Partial<Migration> = {}): Migration => ({
  id: '9b2e4c1a-7f3d-4e8b-a6c5-0d1f2e3a4b5c', practice: 'A12345', practiceName: 'Dr [Who](javascript:x) | <b>&</b>',
  sourceClientId: 'source-publisher', targetClientId: 'target-sync', state: 'readiness-confirmed', registeredAt: '2026-10-01T09:00:00.000Z',
  plannedCutoverStart: '2026-11-27T17:00:00.000Z', plannedGoLive: '2026-11-30T08:00:00.000Z', readinessDeadline: '2026-11-13T17:00:00.000Z',
  runOffDays: 30, runOffEndsAt: null, finalWatermark: null, frozenAt: null, targetCompleteAt: null,
  history: [
    { from: null, to: 'registered', by: 'source-publisher', role: 'publisher', at: '2026-10-01T09:00:00.000Z', note: null },
    { from: 'registered', to: 'syncing', by: 'target-sync', role: 'consumer', at: '2026-10-02T09:00:00.000Z', note: 'secret note' },
    { from: 'syncing', to: 'readiness-confirmed', by: 'target-sync', role: 'consumer', at: '2026-11-02T10:00:00.000Z', note: null },
  ],
  extractIterations: [], warnings: [],
  timing: { cutOverPeriodHours: null, cutOverPeriodWorkingDays: null, cutOverPeriodOverThreeWorkingDays: null, coreHoursOverlapHours: null, coreHoursTouched: null, window: null, running: false },
  ...over,
});
const ctx = (m: Migration) => ({ migration: m, clientNames: new Map([['source-publisher', 'Source Co'], ['target-sync', 'Target Co']]), completion: null });

describe('noticeBlocks', () => {
  it('is null until the migration has made the move the letter records', () => {
    expect(noticeBlocks('technical-go-live', ctx(migration()))).toBeNull();
    expect(noticeBlocks('migration-acceptance', ctx(migration()))).toBeNull();
    expect(noticeBlocks('technical-readiness-confirmation', ctx(migration()))).not.toBeNull();
  });

  it('says so when the migration was aborted after the event', () => {
    const aborted = migration({
      state: 'aborted',
      history: [...migration().history, { from: 'readiness-confirmed', to: 'aborted', by: 'source-publisher', role: 'publisher', at: '2026-11-20T12:00:00.000Z', note: null }],
    });
    expect(renderMarkdown(noticeBlocks('technical-readiness-confirmation', ctx(aborted))!)).toContain('This migration was later aborted, on Friday 20 November 2026, 12:00 GMT');
  });
});

describe('rendering', () => {
  const blocks = noticeBlocks('business-go-live-date-confirmation', ctx(migration()))!;

  it('escapes Markdown in values so a name cannot become a link or break the table', () => {
    const md = renderMarkdown(blocks);
    expect(md).toContain('| Dr \\[Who\\](javascript:x) \\| \\<b\\>&\\</b\\> | A12345 |');
    expect(md).toContain('is Monday 30 November 2026:');
    expect(md).toContain('To: the Target Solution Supplier, Target Co (DTM client target-sync)');
    expect(md).not.toContain('secret note');
  });

  it('escapes HTML and keeps the page self-contained', () => {
    const html = renderHtml(blocks, 'business-go-live-date-confirmation - A12345');
    expect(html).toContain('<td>Dr [Who](javascript:x) | &lt;b&gt;&amp;&lt;/b&gt;</td>');
    expect(html).not.toMatch(/<b>|<script|src=|href=|secret note/);
    expect(html).toMatch(/<style>[\s\S]*<\/style>/);
  });
});
