// The change listener against a real PostgreSQL: a notification that arrives between a reader's read
// and its wait must still wake it at once (the generation the reader took before reading), not at the
// next re-check.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/db.ts';
import { createLogger } from '../logger.ts';
import { ChangeNotifier } from './notifications.ts';

let db: TestDatabase;
let notifier: ChangeNotifier;
let sender: pg.Client;
beforeAll(async () => {
  db = await createTestDatabase('dtm_notify');
  notifier = new ChangeNotifier(db.url, createLogger('silent'));
  await notifier.start();
  sender = new pg.Client({ connectionString: db.url });
  await sender.connect();
});
afterAll(async () => {
  await sender?.end();
  await notifier?.close();
  await db?.drop();
});

async function announce(ods: string): Promise<void> {
  const before = notifier.generation(ods);
  await sender.query("SELECT pg_notify('dtm_changes', $1)", [ods]);
  for (let i = 0; i < 200 && notifier.generation(ods) === before; i++) await new Promise((r) => setTimeout(r, 5));
  expect(notifier.generation(ods)).toBe(before + 1);
}

const timed = async (p: Promise<boolean>) => {
  const t0 = performance.now();
  const woke = await p;
  return { woke, ms: performance.now() - t0 };
};

describe('ChangeNotifier', () => {
  it('wakes a reader at once for a change announced after its read but before its wait', async () => {
    const seen = notifier.generation('N10001'); // taken before the (empty) read
    await announce('N10001'); // the change commits and is announced while the reader is between read and wait
    const r = await timed(notifier.waitForChange('N10001', 5000, new AbortController().signal, seen));
    expect(r.woke).toBe(true);
    expect(r.ms).toBeLessThan(100);
  });

  it('waits for the next change when nothing was announced since the read, and counts per practice', async () => {
    const seen = notifier.generation('N10002');
    await announce('N10003'); // another practice's change does not wake this reader
    const waiting = timed(notifier.waitForChange('N10002', 5000, new AbortController().signal, seen));
    await new Promise((r) => setTimeout(r, 150));
    await announce('N10002');
    const r = await waiting;
    expect(r.woke).toBe(true);
    expect(r.ms).toBeGreaterThanOrEqual(140);
    expect(r.ms).toBeLessThan(2000);
  });

  it('times out (false) without a change', async () => {
    const r = await timed(notifier.waitForChange('N10004', 200, new AbortController().signal, notifier.generation('N10004')));
    expect(r.woke).toBe(false);
    expect(r.ms).toBeGreaterThanOrEqual(190);
  });

  it('counts announced changes to access (server migration 0005), and answers null while not listening', async () => {
    const before = notifier.accessGeneration();
    expect(before).not.toBeNull();
    await sender.query("SELECT pg_notify('dtm_access', 'client_grant')");
    for (let i = 0; i < 200 && notifier.accessGeneration() === before; i++) await new Promise((r) => setTimeout(r, 5));
    expect(notifier.accessGeneration()).toBe(before! + 1);
    // Its connection lost: nothing is announced while it reconnects (about 1 s), so the count moves on.
    const listener = await sender.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE application_name = 'dtm-server-listen' AND datname = current_database()");
    expect(listener.rows).toHaveLength(1);
    const beforeLoss = notifier.accessGeneration()!;
    await sender.query('SELECT pg_terminate_backend($1)', [listener.rows[0]!.pid]);
    let sawNull = false;
    for (let i = 0; i < 400 && !((notifier.accessGeneration() ?? 0) > beforeLoss); i++) {
      if (notifier.accessGeneration() === null) sawNull = true;
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(sawNull).toBe(true);
    expect(notifier.accessGeneration()).toBe(beforeLoss + 1);
    const other = new ChangeNotifier(db.url, createLogger('silent'));
    expect(other.accessGeneration()).toBeNull(); // not started: nothing announced could be heard
    await other.start();
    expect(other.accessGeneration()).not.toBeNull();
    await other.close();
    expect(other.accessGeneration()).toBeNull();
  });
});
