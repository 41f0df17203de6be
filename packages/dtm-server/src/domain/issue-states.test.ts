import { describe, expect, it } from 'vitest';
import type { DataIssueStatus, Role } from '@dtm/shared';
import { decideUpdate, isAnswer, reopensOnRaise, roleMaySet } from './issue-states.ts';

const STATUSES: DataIssueStatus[] = ['open', 'acknowledged', 'resolved', 'wont-fix', 'closed'];
const SETTABLE: DataIssueStatus[] = ['acknowledged', 'resolved', 'wont-fix', 'closed'];

// The diagram in issue-states.ts as a table: [from, role, to] that are allowed. Everything else is refused.
const ALLOWED = new Set([
  'open publisher acknowledged', 'open publisher resolved', 'open publisher wont-fix', 'open consumer closed',
  'acknowledged publisher acknowledged', 'acknowledged publisher resolved', 'acknowledged publisher wont-fix', 'acknowledged consumer closed',
  'resolved consumer closed',
  'wont-fix consumer closed',
]);

describe('data issue states', () => {
  it('allows exactly the moves in the diagram', () => {
    for (const from of STATUSES) {
      for (const role of ['publisher', 'consumer'] as Role[]) {
        for (const to of SETTABLE) {
          const d = decideUpdate(from, role, to);
          expect(d.allowed, `${from} ${role} ${to}`).toBe(ALLOWED.has(`${from} ${role} ${to}`));
        }
      }
    }
  });

  it('refuses a status the role may never set as wrong-role (403), whatever the current status', () => {
    for (const from of STATUSES) {
      expect(decideUpdate(from, 'consumer', 'resolved')).toEqual({ allowed: false, refusal: 'wrong-role' });
      expect(decideUpdate(from, 'publisher', 'closed')).toEqual({ allowed: false, refusal: 'wrong-role' });
    }
    expect(decideUpdate('open', 'publisher', 'open')).toEqual({ allowed: false, refusal: 'wrong-role' });
    expect(decideUpdate('closed', 'consumer', 'open')).toEqual({ allowed: false, refusal: 'wrong-role' });
  });

  it('refuses a move the role may make elsewhere as illegal-transition (409)', () => {
    expect(decideUpdate('closed', 'publisher', 'resolved')).toEqual({ allowed: false, refusal: 'illegal-transition' });
    expect(decideUpdate('resolved', 'publisher', 'acknowledged')).toEqual({ allowed: false, refusal: 'illegal-transition' });
    expect(decideUpdate('wont-fix', 'publisher', 'resolved')).toEqual({ allowed: false, refusal: 'illegal-transition' });
    expect(decideUpdate('closed', 'consumer', 'closed')).toEqual({ allowed: false, refusal: 'illegal-transition' });
  });

  it('knows which role sets what, which changes are answers, and that only closed reopens on a raise', () => {
    expect(SETTABLE.filter((s) => roleMaySet('publisher', s))).toEqual(['acknowledged', 'resolved', 'wont-fix']);
    expect(SETTABLE.filter((s) => roleMaySet('consumer', s))).toEqual(['closed']);
    expect(isAnswer('publisher', 'acknowledged')).toBe(true);
    expect(isAnswer('consumer', 'closed')).toBe(false);
    expect(STATUSES.filter(reopensOnRaise)).toEqual(['closed']);
  });
});
