// The migration state machine, every (from, role, to) combination: the forward path in order, abort
// from anywhere before acceptance, 403 for the wrong role, 409 for everything else.
import { describe, expect, it } from 'vitest';
import type { MigrationState, Role } from '@dtm/shared';
import { FROZEN_STATES, MIGRATION_STATES, decideTransition, isFrozen, nextStates, planIsOpen, roleMayMoveTo } from './migration-states.ts';

const ALLOWED: [MigrationState, Role, MigrationState][] = [
  ['registered', 'consumer', 'syncing'],
  ['syncing', 'consumer', 'readiness-confirmed'],
  ['readiness-confirmed', 'publisher', 'cutover-started'],
  ['cutover-started', 'publisher', 'source-frozen'],
  ['source-frozen', 'consumer', 'target-complete'],
  ['target-complete', 'publisher', 'business-go-live'],
  ['business-go-live', 'publisher', 'run-off'],
  ['run-off', 'publisher', 'accepted'],
  ...MIGRATION_STATES.filter((s) => s !== 'accepted' && s !== 'aborted')
    .flatMap((s) => (['publisher', 'consumer'] as const).map((r): [MigrationState, Role, MigrationState] => [s, r, 'aborted'])),
];

describe('decideTransition', () => {
  it('allows exactly the moves in the diagram', () => {
    const allowed: string[] = [];
    for (const from of MIGRATION_STATES) {
      for (const role of ['publisher', 'consumer'] as const) {
        for (const to of MIGRATION_STATES) if (decideTransition(from, role, to).allowed) allowed.push(`${from} ${role} ${to}`);
      }
    }
    expect(allowed.sort()).toEqual(ALLOWED.map((a) => a.join(' ')).sort());
  });

  it('refuses the wrong role as wrong-role (403) and a move from the wrong state as illegal (409)', () => {
    expect(decideTransition('readiness-confirmed', 'consumer', 'cutover-started')).toEqual({ allowed: false, refusal: 'wrong-role' });
    expect(decideTransition('source-frozen', 'publisher', 'target-complete')).toEqual({ allowed: false, refusal: 'wrong-role' });
    expect(decideTransition('registered', 'publisher', 'source-frozen')).toEqual({ allowed: false, refusal: 'illegal-transition' });
    expect(decideTransition('accepted', 'publisher', 'aborted')).toEqual({ allowed: false, refusal: 'illegal-transition' });
    expect(decideTransition('aborted', 'consumer', 'aborted')).toEqual({ allowed: false, refusal: 'illegal-transition' });
    expect(decideTransition('registered', 'publisher', 'registered')).toEqual({ allowed: false, refusal: 'illegal-transition' });
    expect(decideTransition('registered', 'consumer', 'registered')).toEqual({ allowed: false, refusal: 'wrong-role' });
  });

  it('names who moves into each state', () => {
    const by = (role: Role) => MIGRATION_STATES.filter((s) => roleMayMoveTo(role, s));
    expect(by('publisher')).toEqual(['registered', 'cutover-started', 'source-frozen', 'business-go-live', 'run-off', 'accepted', 'aborted']);
    expect(by('consumer')).toEqual(['syncing', 'readiness-confirmed', 'target-complete', 'aborted']);
  });
});

describe('what a state means', () => {
  it('freezes from source-frozen on, except after an abort', () => {
    expect(MIGRATION_STATES.filter(isFrozen)).toEqual([...FROZEN_STATES]);
    expect(isFrozen('cutover-started')).toBe(false);
    expect(isFrozen('aborted')).toBe(false);
    expect(isFrozen('accepted')).toBe(true);
  });

  it('keeps the plan open only while registered, and ends at accepted or aborted', () => {
    expect(MIGRATION_STATES.filter(planIsOpen)).toEqual(['registered']);
    expect(nextStates('accepted')).toEqual([]);
    expect(nextStates('aborted')).toEqual([]);
    expect(nextStates('run-off')).toEqual(['accepted', 'aborted']);
  });
});
