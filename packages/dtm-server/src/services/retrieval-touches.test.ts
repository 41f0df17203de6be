import { describe, expect, it } from 'vitest';
import { RetrievalTouches, TOUCH_WINDOW_MS } from './retrieval-touches.ts';

function recorder() {
  const writes: { clientId: string; practice: string; count: number; at: string }[] = [];
  const write = async (clientId: string, practice: string, count: number, at: Date) => {
    writes.push({ clientId, practice, count, at: at.toISOString() });
  };
  return { writes, write };
}

const t = (ms: number) => new Date(Date.UTC(2026, 10, 22, 12, 0, 0) + ms);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('RetrievalTouches', () => {
  it('counts requests within the window after a write, per client and practice, and hands the count to the next write', () => {
    const { writes, write } = recorder();
    const touches = new RetrievalTouches(write, 900);
    expect(touches.absorb('c1', 'A12345', t(0))).toBe(false); // nothing written yet: the session must be decided
    touches.written('c1', 'A12345', t(0));
    expect(touches.absorb('c1', 'A12345', t(10))).toBe(true);
    expect(touches.absorb('c1', 'A12345', t(TOUCH_WINDOW_MS - 1))).toBe(true);
    expect(touches.absorb('c1', 'B12345', t(20))).toBe(false); // another practice's session
    expect(touches.absorb('c2', 'A12345', t(20))).toBe(false); // another client's
    expect(touches.absorb('c1', 'A12345', t(TOUCH_WINDOW_MS))).toBe(false); // past the window: write again
    expect(touches.take('c1', 'A12345')).toBe(2); // ...adding the two counted here
    expect(touches.take('c1', 'A12345')).toBe(0);
    expect(writes).toEqual([]); // taken, so no timer writes them as well
  });

  it('keeps what it counted when a request that wrote earlier, in parallel, reports back late', async () => {
    const { writes, write } = recorder();
    const touches = new RetrievalTouches(write, 900);
    // R1 and R2 both found nothing recent and wrote; R2 answered first, then R3 and R4 were counted.
    touches.written('c1', 'A12345', t(2));
    touches.absorb('c1', 'A12345', t(3));
    touches.absorb('c1', 'A12345', t(4));
    touches.written('c1', 'A12345', t(1)); // R1's write answers now
    await touches.flushAll();
    expect(writes).toEqual([{ clientId: 'c1', practice: 'A12345', count: 2, at: t(4).toISOString() }]);
  });

  it('counts nothing more once stopping: a request then writes its own', async () => {
    const touches = new RetrievalTouches(recorder().write, 900);
    touches.written('c1', 'A12345', t(0));
    await touches.flushAll();
    expect(touches.absorb('c1', 'A12345', t(1))).toBe(false);
  });

  it('does not count a request whose time is before the last write (a clock set back)', () => {
    const touches = new RetrievalTouches(recorder().write, 900);
    touches.written('c1', 'A12345', t(5000));
    expect(touches.absorb('c1', 'A12345', t(4000))).toBe(false);
  });

  it('keeps the window a tenth of a short session gap, so a counted request never belongs to a new session', () => {
    const touches = new RetrievalTouches(recorder().write, 1);
    touches.written('c1', 'A12345', t(0));
    expect(touches.absorb('c1', 'A12345', t(99))).toBe(true);
    expect(touches.absorb('c1', 'A12345', t(100))).toBe(false);
  });

  it('writes a count no later request picked up when its window ends, with the time of the last request', async () => {
    const { writes, write } = recorder();
    const touches = new RetrievalTouches(write, 1); // a 100 ms window
    touches.written('c1', 'A12345', t(0));
    touches.absorb('c1', 'A12345', t(30));
    touches.absorb('c1', 'A12345', t(60));
    expect(writes).toEqual([]);
    await sleep(250);
    expect(writes).toEqual([{ clientId: 'c1', practice: 'A12345', count: 2, at: t(60).toISOString() }]);
    expect(touches.absorb('c1', 'A12345', t(70))).toBe(false); // written: the next request writes again
  });

  it('writes every count still held when the server stops', async () => {
    const { writes, write } = recorder();
    const touches = new RetrievalTouches(write, 900);
    touches.written('c1', 'A12345', t(0));
    touches.written('c2', 'B12345', t(0));
    touches.absorb('c1', 'A12345', t(1));
    await touches.flushAll();
    expect(writes).toEqual([{ clientId: 'c1', practice: 'A12345', count: 1, at: t(1).toISOString() }]);
  });

  it('survives a write that fails', async () => {
    const touches = new RetrievalTouches(async () => { throw new Error('database gone'); }, 900);
    touches.written('c1', 'A12345', t(0));
    touches.absorb('c1', 'A12345', t(1));
    await expect(touches.flushAll()).resolves.toBeUndefined();
  });
});
