import { describe, expect, it } from 'vitest';
import { AccessCache, MAX_AGE_MS } from './access-cache.ts';

/** Announcements as ChangeNotifier counts them: null while not listening. */
function announcer() {
  let generation: number | null = 0;
  return { accessGeneration: () => generation, announce: () => void (generation = generation! + 1), stopListening: () => void (generation = null) };
}

function counting<T>(value: T) {
  const fn = async () => {
    fn.calls++;
    return value;
  };
  fn.calls = 0;
  return fn;
}

describe('AccessCache', () => {
  it('answers a repeated lookup from what it holds until a change is announced', async () => {
    const a = announcer();
    const cache = new AccessCache(a);
    const load = counting({ clientId: 'c1' });
    expect(await cache.get('token x', load)).toEqual({ clientId: 'c1' });
    expect(await cache.get('token x', load)).toEqual({ clientId: 'c1' });
    expect(load.calls).toBe(1);
    a.announce();
    await cache.get('token x', load);
    expect(load.calls).toBe(2);
  });

  it('never keeps a refusal (null): a grant given later applies at once', async () => {
    const cache = new AccessCache(announcer());
    const load = counting(null);
    await cache.get('grant g', load);
    await cache.get('grant g', load);
    expect(load.calls).toBe(2);
  });

  it('does not keep an answer when a change was announced during its lookup', async () => {
    const a = announcer();
    const cache = new AccessCache(a);
    let calls = 0;
    const load = async () => {
      calls++;
      if (calls === 1) a.announce(); // a revocation commits while this lookup runs
      return { clientId: 'c1' };
    };
    await cache.get('token x', load);
    await cache.get('token x', load);
    expect(calls).toBe(2);
  });

  it('keeps nothing while not listening', async () => {
    const a = announcer();
    a.stopListening();
    const cache = new AccessCache(a);
    const load = counting({ clientId: 'c1' });
    await cache.get('token x', load);
    await cache.get('token x', load);
    expect(load.calls).toBe(2);
  });

  it(`looks up again after ${MAX_AGE_MS / 1000} s even without an announcement`, async () => {
    let now = 1_000_000;
    const cache = new AccessCache(announcer(), () => now);
    const load = counting({ clientId: 'c1' });
    await cache.get('token x', load);
    now += MAX_AGE_MS - 1;
    await cache.get('token x', load);
    expect(load.calls).toBe(1);
    now += 1;
    await cache.get('token x', load);
    expect(load.calls).toBe(2);
  });

  it('holds at most maxEntries, dropping the oldest', async () => {
    const cache = new AccessCache(announcer(), Date.now, { maxEntries: 2 });
    const loads = ['a', 'b', 'c'].map((k) => [k, counting({ k })] as const);
    for (const [k, load] of loads) await cache.get(k, load);
    for (const [k, load] of [...loads].reverse()) await cache.get(k, load);
    // 'a' went when 'c' came; 'c' and 'b' were still held; looking 'a' up again loaded it.
    expect(loads.map(([, load]) => load.calls)).toEqual([2, 1, 1]);
  });
});
