import { describe, expect, it } from 'vitest';
import { oneWriterAtATime } from './practice-writes.ts';

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('oneWriterAtATime', () => {
  it('runs one practice\'s writers one at a time, in arrival order, and others alongside', async () => {
    const log: string[] = [];
    let running = 0;
    let most = 0;
    const writer = (ods: string, name: string, fail = false) => oneWriterAtATime(ods, async () => {
      running++;
      most = Math.max(most, running);
      log.push(`${name} start`);
      await tick();
      log.push(`${name} end`);
      running--;
      if (fail) throw new Error(`${name} failed`);
      return name;
    });
    const results = await Promise.allSettled([writer('A', 'a1'), writer('A', 'a2', true), writer('A', 'a3'), writer('B', 'b1')]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    const a = log.filter((l) => l.startsWith('a'));
    // A failed writer does not hold the queue up.
    expect(a).toEqual(['a1 start', 'a1 end', 'a2 start', 'a2 end', 'a3 start', 'a3 end']);
    expect(most).toBe(2); // B ran alongside A
  });
});
