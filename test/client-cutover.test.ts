// The Target's side of the weekend cutover against a real DTM: after the Source freezes the practice
// the client drains to the final watermark, proves by digest that it holds exactly what the Source
// holds, and confirms target-complete. When a change is withheld from the Target the mismatch is found,
// named down to the resource id, and blocks the confirmation.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cutoverWindow, validateResource } from '@dtm/shared';
import { ManualClock } from '../packages/dtm-server/src/clock.ts';
import { startTestServer, type TestServer } from './support/server.ts';
import { clientFixture, type ClientFixture } from './support/client.ts';
import { ingest, upsert, del } from './support/dtm.ts';
import { openSession, type Session } from '../packages/dtm-client/src/session.ts';
import { runCutover, getMigration } from '../packages/dtm-client/src/cutover.ts';

const window = cutoverWindow('2026-12-18');
const clock = new ManualClock(new Date(window.start.getTime() - 20 * 86_400_000));
let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ clock });
});
afterAll(async () => s?.stop());

async function prepare(ods: string, o: { beforeFreeze?: (session: Session) => Promise<void>; documents?: boolean } = {}): Promise<{ fx: ClientFixture; session: Session }> {
  clock.set(new Date(window.start.getTime() - 20 * 86_400_000));
  const at = () => clock.now().toISOString();
  await ingest(s, ods, [upsert('Patient', 'p1', { gender: 'female' }), upsert('Patient', 'p2'), upsert('Observation', 'o1', { status: 'final', code: { text: 'x' } }),
    ...(o.documents ? [upsert('DocumentReference', 'd1', { status: 'current', content: [{ attachment: { contentType: 'text/plain', url: 'Binary/late-doc' } }] })] : [])], { sourceAsOf: at() });
  const reg = await s.fetch(`/v1/ingest/practices/${ods}/migration`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ targetClientId: 'test-consumer', plannedCutoverStart: window.start.toISOString() }) });
  expect(reg.status).toBe(201);
  const fx = await clientFixture(s, ods);
  const session = await openSession(fx.config, validateResource, { now: () => clock.now() });
  await session.syncer.sync();
  const move = async (to: string) => {
    const res = await s.fetch(`/v1/practices/${ods}/migration/transitions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ to }) }, to === 'readiness-confirmed' ? 'consumer' : 'publisher');
    expect(res.status, await res.clone().text()).toBe(200);
  };
  await move('readiness-confirmed');
  clock.set(window.start);
  await move('cutover-started');
  await ingest(s, ods, [upsert('Patient', 'p3'), del('Observation', 'o1')], { sourceAsOf: at() }); // the last changes
  await o.beforeFreeze?.(session);
  await move('source-frozen');
  return { fx, session };
}

describe('dtm-client cutover', () => {
  it('drains to the final watermark, matches every digest and confirms target-complete', async () => {
    const { fx, session } = await prepare('X10001');
    try {
      const steps: string[] = [];
      const r = await runCutover({ client: session.client, store: session.opened.store, syncer: session.syncer, practice: 'X10001', binaryDir: fx.config.binaryDir, pollMs: 50, now: () => clock.now(), onStep: (st) => steps.push(st) });
      expect(r.verify.match).toBe(true);
      expect(r.confirmedAt).not.toBeNull();
      expect(steps).toEqual(['frozen', 'drained', 'verified', 'target-complete']);
      expect(r.verify.client.total).toMatchObject({ live: 3, deleted: 1 });
      expect((await getMigration(session.client, 'X10001')).state).toBe('target-complete');
    } finally {
      await session.close();
      await fx.targetDb.drop();
    }
  });

  it('gives a document still waiting out its retry one more attempt at once, and confirms', async () => {
    const content = Buffer.from('stored by the Source after the Target first asked for it');
    // The Target's first sync finds the Binary missing (404): it waits before trying again.
    const { fx, session } = await prepare('X10003', {
      documents: true,
      beforeFreeze: async (session) => {
        await session.syncer.sync(); // asks again just before the freeze: still missing, so it waits again
        const res = await s.fetch('/v1/ingest/practices/X10003/binaries/late-doc', {
          method: 'PUT', headers: { 'content-type': 'text/plain', 'repr-digest': `sha-256=:${createHash('sha256').update(content).digest('base64')}:` }, body: content,
        });
        expect(res.status).toBe(201);
      },
    });
    try {
      const row = await session.opened.store.pool.query<{ state: string; waiting: boolean }>(
        "SELECT state, retry_after > $1 AS waiting FROM dtm_binary WHERE practice = 'X10003' AND id = 'late-doc'", [clock.now()]);
      expect(row.rows[0]).toEqual({ state: 'pending', waiting: true }); // in its backoff when the cutover starts
      const r = await runCutover({ client: session.client, store: session.opened.store, syncer: session.syncer, practice: 'X10003', binaryDir: fx.config.binaryDir, pollMs: 50, now: () => clock.now() });
      expect(r.verify.binaries).toMatchObject({ verified: 1, pending: 0, failed: 0 });
      expect(r.confirmedAt).not.toBeNull();
    } finally {
      await session.close();
      await fx.targetDb.drop();
    }
  });

  it('finds a withheld change, names it, and does not confirm', async () => {
    const { fx, session } = await prepare('X10002');
    try {
      await session.syncer.sync();
      // Lose one record from the Target's store, as a faulty apply would.
      await session.opened.store.pool.query("DELETE FROM dtm_resource WHERE practice = 'X10002' AND id = 'p2'");
      const r = await runCutover({ client: session.client, store: session.opened.store, syncer: session.syncer, practice: 'X10002', binaryDir: fx.config.binaryDir, pollMs: 50, now: () => clock.now() });
      expect(r.verify.match).toBe(false);
      expect(r.confirmedAt).toBeNull();
      expect(r.verify.differences).toEqual([{ resourceType: 'Patient', missingInTarget: ['p2'], extraInTarget: [], versionDiffers: [] }]);
      expect((await getMigration(session.client, 'X10002')).state).toBe('source-frozen');
      // The server refuses a digest that does not match its own, too.
      const res = await s.fetch('/v1/practices/X10002/migration/transitions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ to: 'target-complete', digest: r.verify.client }) }, 'consumer');
      expect(res.status).toBe(409);
    } finally {
      await session.close();
      await fx.targetDb.drop();
    }
  });
});
