// A whole weekend cutover, rehearsed end to end on one machine in a few minutes: the Source's DTM
// with a synthetic practice, the Target's sync client with its own store, a migration registered,
// the initial extract, a compressed week of live activity followed by the client, readiness
// confirmed two weeks ahead, the Friday 17:00 freeze, drain, verification by digest, go-live. Time
// is simulated (one injected clock shared by both sides), so no one waits for a real Friday.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { cutoverWindow, fetchAccessToken, type Role } from '@dtm/shared';
import { ManualClock, addClient, addGrant, generatePractice, loadConfig, playWorkingWeek, publishPractice, startServer, createLogger } from '@dtm/server';
import { buildEvidence, getMigration, loadClientConfig, openSession, renderEvidenceHtml, runCutover, verify, type DtmClient, type Store } from '@dtm/client';
import { validateResource } from '@dtm/shared';

export interface RehearsalOptions {
  patients: number;
  /** Live activity: changes per simulated working day. */
  ticksPerDay: number;
  dir: string;
  log: (line: string) => void;
  /** Also time the old way: a full final extract into an empty Target, then the same verification. */
  baseline?: boolean;
}

export interface RehearsalResult {
  pass: boolean;
  verdict: string;
  evidenceHtml: string;
  evidenceJson: string;
  resources: number;
  /** Wall-clock seconds from freeze to verified target-complete. */
  dataPhaseSeconds: number | null;
  /** With `baseline`: seconds for a full extract into an empty Target plus verification. */
  baselineSeconds: number | null;
  initialExtractSeconds: number;
}

const ODS = 'A12345';
const HOUR = 3600_000;
const DAY = 24 * HOUR;
const CLIENTS: Record<Role, string> = { publisher: 'source-publisher', consumer: 'target-sync' };

/** The Friday at least three weeks after `from`, as its London date. */
function cutoverFriday(from: Date): string {
  const d = new Date(from.getTime() + 21 * DAY);
  while (d.getUTCDay() !== 5) d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

export async function rehearse(o: RehearsalOptions): Promise<RehearsalResult> {
  const t = (msg: string) => o.log(msg);
  await rm(o.dir, { recursive: true, force: true });
  await mkdir(o.dir, { recursive: true });
  const window = cutoverWindow(cutoverFriday(new Date()));
  // Simulated time starts on the Monday 19 days before the cutover Friday, 09:00 UTC.
  const clock = new ManualClock(new Date(window.start.getTime() - 18 * DAY - 8 * HOUR));
  const timeline: { at: string; step: string; detail: string }[] = [];
  const step = (name: string, detail: string) => {
    timeline.push({ at: clock.now().toISOString(), step: name, detail });
    t(`${clock.now().toISOString().slice(0, 16).replace('T', ' ')}Z  ${name.padEnd(20)} ${detail}`);
  };

  // Always its own embedded PostgreSQL under the rehearsal directory, made afresh each run.
  // Tokens last the whole simulated month: the clock jumps hours at a time, faster than any client
  // could refresh a five-minute token against it.
  const config = loadConfig({ DTM_DATA_DIR: path.join(o.dir, 'source'), DTM_PORT: '0', DTM_LOG_LEVEL: 'error', DTM_ACCESS_TOKEN_TTL_SECONDS: '2592000' });
  const server = await startServer(config, { clock, logger: createLogger('error') });
  const deps = { pool: server.pool, clock };
  try {
    // Clients and grants: the migration period is the grant window.
    const keys = {} as Record<Role, string>;
    for (const role of ['publisher', 'consumer'] as const) {
      const { privateJwk } = await addClient(deps, { id: CLIENTS[role], name: role === 'publisher' ? 'Source supplier DTM publisher' : 'Target supplier sync client', role, generateKey: true });
      keys[role] = JSON.stringify(privateJwk);
      await writeFile(path.join(o.dir, `${CLIENTS[role]}.private.jwk.json`), keys[role], { mode: 0o600 });
      await addGrant(deps, { clientId: CLIENTS[role], practice: ODS, validFrom: new Date(clock.now().getTime() - DAY), validUntil: new Date(window.goLive.getTime() + 60 * DAY), sessionsPerDay: 1000, requestsPerMinute: 100_000 });
    }
    const tokenUrl = `${server.url}/oauth2/token`;
    let publisherToken: string | null = null;
    const publisherHeaders = async () => {
      publisherToken ??= (await fetchAccessToken({ tokenUrl, clientId: CLIENTS.publisher, privateKey: keys.publisher, now: clock.now() })).access_token;
      return { authorization: `Bearer ${publisherToken}` };
    };
    const api = async (method: string, p: string, body?: unknown) => {
      const res = await fetch(`${server.url}${p}`, { method, headers: { ...(await publisherHeaders()), ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
      const json = (await res.json()) as unknown;
      if (!res.ok) throw new Error(`${method} ${p} answered ${res.status}: ${JSON.stringify(json)}`);
      return json;
    };

    // The Source publishes the practice and registers the migration.
    const practice = generatePractice({ ods: ODS, name: 'Rehearsal Surgery (synthetic)', patients: o.patients, seed: 2026 });
    let started = Date.now();
    await publishPractice(server.url, practice, { headers: await publisherHeaders(), sourceAsOf: clock.now(), batchSize: 2000 });
    step('published', `${practice.resources.length} resources and ${practice.binaries.length} documents for ${o.patients} patients (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    await api('PUT', `/v1/ingest/practices/${ODS}/migration`, { targetClientId: CLIENTS.consumer, plannedCutoverStart: window.start.toISOString() });
    step('registered', `cutover planned ${window.start.toISOString()} to ${window.goLive.toISOString()} (Friday 17:00 to Monday 08:00, Europe/London)`);

    // The Target's sync client on its own database.
    const targetUrl = await targetDatabase(server.database.connectionString);
    const clientConfig = loadClientConfig({
      server: server.url, 'client-id': CLIENTS.consumer, 'private-key': path.join(o.dir, `${CLIENTS.consumer}.private.jwk.json`), practice: ODS,
      'target-database-url': targetUrl, 'data-dir': path.join(o.dir, 'target'), progress: 'none', 'page-size': '2000', wait: '5',
    }, {});
    const session = await openSession(clientConfig, validateResource, { now: () => clock.now() });
    try {
      started = Date.now();
      const initial = await session.syncer.sync();
      const initialSeconds = (Date.now() - started) / 1000;
      step('initial extract', `${initial.applied} resources applied and validated (${initial.quarantined} quarantined), ${initial.binariesVerified} binaries verified, in ${initialSeconds.toFixed(1)} s`);

      clock.advance(2 * HOUR);
      await session.client.send('POST', `/v1/practices/${ODS}/migration/transitions`, { body: { to: 'readiness-confirmed', note: 'Satisfied with the data via the DTM; a weekend cutover can be done.' } });
      step('readiness confirmed', 'the Target confirms in writing, more than 14 days before cutover');

      // A compressed working week of live activity, the client following with long-polls.
      const samples: { at: string; stalenessSeconds: number | null; consumptionDelaySeconds: number | null }[] = [];
      const following = session.syncer.follow();
      const weekStart = new Date(window.start.getTime() - 4 * DAY - 9 * HOUR); // Monday 08:00 of cutover week
      let lastHour = clock.now().getTime();
      let ticks = 0;
      for (const tick of playWorkingWeek(practice, { start: weekStart, seed: 7, days: 5, ticksPerDay: o.ticksPerDay })) {
        // Friday's work stops at 17:00: the cutover starts then.
        if (tick.at.getTime() >= window.start.getTime() - 60_000) break;
        // Overnight and idle hours: the Source keeps saying it is current (heartbeats), hour by hour.
        // Simulated time only moves on once the follower has applied what was published, as real time
        // would have let it: the consumption delays in the evidence are then the client's, not the jump's.
        if (lastHour + HOUR < tick.at.getTime()) await caughtUp(session);
        while (lastHour + HOUR < tick.at.getTime()) {
          lastHour += HOUR;
          clock.set(new Date(lastHour));
          await api('POST', `/v1/ingest/practices/${ODS}/heartbeat`, { sourceAsOf: clock.now().toISOString() });
          if (new Date(lastHour).getUTCHours() % 6 === 0) samples.push(await sample(session, clock));
        }
        clock.set(tick.at);
        for (const b of tick.binaries) {
          const res = await fetch(`${server.url}/v1/ingest/practices/${ODS}/binaries/${b.id}`, { method: 'PUT', headers: { ...(await publisherHeaders()), 'content-type': b.contentType }, body: b.content });
          if (!res.ok) throw new Error(`binary upload answered ${res.status}`);
        }
        await api('POST', `/v1/ingest/practices/${ODS}/changes`, { sourceAsOf: tick.at.toISOString(), items: tick.items });
        if (++ticks % 25 === 0) samples.push(await sample(session, clock));
      }
      step('live week', `${ticks} batches of live changes published Monday to Friday while the client followed`);

      // Friday 17:00: the Source publishes its last changes and freezes the practice.
      clock.set(window.start);
      await api('POST', `/v1/ingest/practices/${ODS}/heartbeat`, { sourceAsOf: clock.now().toISOString() });
      await api('POST', `/v1/practices/${ODS}/migration/transitions`, { to: 'cutover-started', note: 'Practice stops using the Source at 17:00' });
      step('cutover started', 'the practice stops using the Source system');
      clock.advance(5 * 60_000);
      await api('POST', `/v1/practices/${ODS}/migration/transitions`, { to: 'source-frozen', note: 'Last changes published; practice frozen' });
      const frozenReal = Date.now();
      step('source frozen', 'ingest refused from now; final watermark published');
      session.syncer.stop();
      await following;

      const cut = await openSession(clientConfig, validateResource, { now: () => clock.now() });
      let cutover;
      try {
        cutover = await runCutover({ client: cut.client, store: cut.opened.store, syncer: cut.syncer, practice: ODS, binaryDir: clientConfig.binaryDir, pollMs: 200, now: () => clock.now(), onStep: (s, d) => step(s, d) });
        const dataPhaseSeconds = (Date.now() - frozenReal) / 1000;
        clock.advance(Math.ceil(dataPhaseSeconds) * 1000);
        if (cutover.confirmedAt) {
          clock.set(window.goLive);
          await api('POST', `/v1/practices/${ODS}/migration/transitions`, { to: 'business-go-live', note: 'Practice live on the Target system' });
          step('business go-live', 'Monday 08:00: the practice works on the Target system');
        }
        const migration = await getMigration(cut.client, ODS);
        const evidence = await buildEvidence({
          client: cut.client, store: cut.opened.store, practice: ODS, practiceName: practice.name, serverUrl: server.url,
          verify: cutover.verify, migration, timeline, samples,
          initialExtractSeconds: initialSeconds,
          cutover: { plannedStart: window.start, plannedGoLive: window.goLive, frozenAt: migration.frozenAt, finalWatermark: migration.finalWatermark, drainedAt: cutover.drainedAt, verifiedAt: cutover.verifiedAt, targetCompleteAt: cutover.confirmedAt, dataPhaseSeconds },
        });
        const evidenceJson = path.join(o.dir, 'evidence.json');
        const evidenceHtml = path.join(o.dir, 'evidence.html');
        await writeFile(evidenceJson, JSON.stringify(evidence, null, 2));
        await writeFile(evidenceHtml, renderEvidenceHtml(evidence));
        const baselineSeconds = o.baseline ? await fullExtractBaseline(clientConfig, server.database.connectionString, clock, step) : null;
        return {
          pass: evidence.verdict.pass, verdict: evidence.verdict.text, evidenceHtml, evidenceJson,
          resources: cutover.verify.client.total.live + cutover.verify.client.total.deleted, dataPhaseSeconds, baselineSeconds, initialExtractSeconds: initialSeconds,
        };
      } finally {
        await cut.close();
      }
    } finally {
      await session.close();
    }
  } finally {
    await server.close();
  }
}

/** The old way, for comparison: an empty Target takes everything after the freeze, then verifies. */
async function fullExtractBaseline(clientConfig: ReturnType<typeof loadClientConfig>, dtmUrl: string, clock: ManualClock, step: (name: string, detail: string) => void): Promise<number> {
  const url = await targetDatabase(dtmUrl, 'dtm_rehearsal_baseline');
  const baselineConfig = { ...clientConfig, targetDatabaseUrl: url, dataDir: `${clientConfig.dataDir}-baseline`, binaryDir: `${clientConfig.dataDir}-baseline/binaries` };
  const session = await openSession(baselineConfig, validateResource, { now: () => clock.now() });
  try {
    const started = Date.now();
    await session.syncer.sync();
    const v = await verify(session.client, session.opened.store, ODS, baselineConfig.binaryDir);
    const seconds = (Date.now() - started) / 1000;
    step('baseline', `full final extract into an empty Target and verification: ${seconds.toFixed(1)} s (${v.match ? 'match' : 'MISMATCH'})`);
    if (!v.match) throw new Error('the baseline extract does not match the Source');
    return seconds;
  } finally {
    await session.close();
  }
}

/** Waits (up to 10 s) until the Target's checkpoint is the DTM's high-water cursor. */
async function caughtUp(session: { client: DtmClient; opened: { store: Store } }): Promise<void> {
  const until = Date.now() + 10_000;
  while (Date.now() < until) {
    const [st, cp] = await Promise.all([session.client.status(ODS), session.opened.store.checkpoint(ODS)]);
    if (st.watermark.highWaterCursor === cp?.cursor) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Both clocks at one moment: the DTM's staleness (12 h rule) and the client's latest consumption delay (6 h rule). */
async function sample(session: { client: DtmClient; opened: { store: Store } }, clock: ManualClock) {
  const st = await session.client.status(ODS);
  return { at: clock.now().toISOString(), stalenessSeconds: st.staleness.seconds, consumptionDelaySeconds: await session.opened.store.latestConsumptionDelaySeconds(ODS) };
}

/** A `dtm_target` database beside the DTM's own, for the Target's staging store. */
async function targetDatabase(dtmUrl: string, name = 'dtm_rehearsal_target'): Promise<string> {
  const admin = new URL(dtmUrl);
  admin.pathname = '/postgres';
  const c = new pg.Client({ connectionString: admin.toString() });
  await c.connect();
  try {
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${name}`);
  } finally {
    await c.end();
  }
  admin.pathname = `/${name}`;
  return admin.toString();
}
