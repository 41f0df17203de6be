// The Source side of the freshness benchmark: a practice's working day of changes (playWorkingWeek,
// one day) published through the ingest API on a compressed clock, one batch per tick, as the live
// Source system would, and every change recorded with the version the server gave it and the instants
// it was sent and answered (process.hrtime.bigint(), the same clock as the follower's).
//
// Timing. Clinicians and admin staff act independently of each other, so the ticks are a Poisson
// process: exponential gaps with a fixed mean, from a seeded generator (the same schedule every
// run), which also brings the near-coincident arrivals that catch a follower mid-apply. On top of
// that, a few bursts: `burstSize` ticks sent back to back (a clinic's session saved at once, a batch
// of lab results), the most the follower meets at once from one practice. The Source publishes one
// batch at a time per practice (the server serialises a practice's writers anyway), so a tick whose
// instant comes while the previous batch is still in flight is sent when that one is answered; the
// lag is recorded.
import { createHash } from 'node:crypto';
import { isUpsertItem, type IngestItem, type IngestResult } from '@dtm/shared';
import { playWorkingWeek } from '../packages/dtm-server/src/seed/activity.ts';
import { createRng, deriveSeed } from '../packages/dtm-server/src/seed/random.ts';
import type { SyntheticPractice } from '../packages/dtm-server/src/seed/synthetic-practice.ts';

export interface ActivityPlan {
  ticks: number;
  /** Mean gap between ticks in real time, ms (exponential gaps). */
  meanGapMs: number;
  bursts: number;
  burstSize: number;
  seed: number;
}

/** One published change: a resource version, and when the Source sent it and the server answered. */
export interface TrackedChange {
  key: string;
  /** The version this change made (the server's numbering: 1 on creation, +1 on every change). */
  version: number;
  op: 'upsert' | 'delete';
  burst: boolean;
  tick: number;
  /** hrtime ms: the POST /changes request began. */
  sentAt: number;
  /** hrtime ms: its answer (HTTP 200 and the result) was read: committed, available to readers. */
  answeredAt: number | null;
  /** hrtime ms: the follower committed a version >= this one to the Target store. */
  appliedAt: number | null;
}

export interface TrackedBinary {
  id: string;
  bytes: number;
  /** hrtime ms: the POST /changes carrying its DocumentReference was answered. */
  referencedAt: number | null;
  verifiedAt: number | null;
}

export interface PublishedActivity {
  changes: TrackedChange[];
  binaries: TrackedBinary[];
  /** Per tick: POST /changes request to answer, ms. */
  ingestMs: number[];
  /** Per binary: PUT request to answer, ms. */
  binaryPutMs: number[];
  /** Per tick: how late it was sent after its scheduled instant (previous batch still in flight), ms. */
  sendLagMs: number[];
  /** First send to last answer, seconds. */
  seconds: number;
  /** Simulated span of the ticks (first to last tick instant), hours. */
  simulatedHours: number;
}

export const hrMs = () => Number(process.hrtime.bigint()) / 1e6;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Scheduled {
  items: IngestItem[];
  binaries: SyntheticPractice['binaries'];
  /** Real-time offset from the start, ms. */
  offsetMs: number;
  burst: boolean;
  at: Date;
}

/** The day's ticks with their real-time offsets: exponential gaps, and `bursts` runs of back-to-back ticks spread evenly. */
export function schedule(practice: SyntheticPractice, plan: ActivityPlan, dayStart: Date): Scheduled[] {
  const rng = createRng(deriveSeed(plan.seed, 'freshness:gaps'));
  const ticks = [...playWorkingWeek(practice, { seed: plan.seed, start: dayStart, days: 1, ticksPerDay: plan.ticks })];
  const burstStarts = new Set(Array.from({ length: plan.bursts }, (_, i) => Math.floor(((i + 1) * ticks.length) / (plan.bursts + 1))));
  const out: Scheduled[] = [];
  let offset = 0;
  let inBurst = 0;
  ticks.forEach((t, i) => {
    if (burstStarts.has(i)) inBurst = plan.burstSize;
    const burst = inBurst > 0;
    // The first tick of a burst still waits its gap; the rest follow it at once.
    if (!(burst && inBurst < plan.burstSize)) offset += -plan.meanGapMs * Math.log(1 - rng.next());
    if (burst) inBurst--;
    out.push({ items: t.items, binaries: t.binaries, offsetMs: offset, burst, at: t.at });
  });
  return out;
}

async function send(url: string, init: RequestInit, what: string): Promise<Response> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(60_000) });
  if (!res.ok) throw new Error(`${what} answered HTTP ${res.status}: ${(await res.text()).slice(0, 500)}`);
  return res;
}

const keyOf = (item: IngestItem) => (isUpsertItem(item) ? `${item.resource.resourceType}/${item.resource.id}` : `${item.resourceType}/${item.id}`);

/**
 * Publishes the schedule. `versions` holds each resource's current version on the server (all 1
 * after the initial publish) and is kept up to date; `track` receives each change before it is sent,
 * so the follower's report of it can never arrive before the bench knows of it.
 */
export async function publishActivity(
  baseUrl: string,
  ods: string,
  headers: Record<string, string>,
  ticks: Scheduled[],
  versions: Map<string, { version: number; deleted: boolean }>,
  track: (c: TrackedChange) => void,
  onBinary: (b: TrackedBinary) => void,
): Promise<PublishedActivity> {
  const base = `${baseUrl}/v1/ingest/practices/${ods}`;
  const result: PublishedActivity = { changes: [], binaries: [], ingestMs: [], binaryPutMs: [], sendLagMs: [], seconds: 0, simulatedHours: 0 };
  const t0 = hrMs();
  for (const [n, tick] of ticks.entries()) {
    const due = t0 + tick.offsetMs;
    const wait = due - hrMs();
    if (wait > 0) await sleep(wait);
    result.sendLagMs.push(Math.max(0, hrMs() - due));
    const bins: TrackedBinary[] = [];
    for (const b of tick.binaries) {
      const p0 = hrMs();
      await (await send(`${base}/binaries/${b.id}`, {
        method: 'PUT',
        headers: { ...headers, 'content-type': b.contentType, 'repr-digest': `sha-256=:${createHash('sha256').update(b.content).digest('base64')}:` },
        body: b.content,
      }, `binary ${n}`)).arrayBuffer();
      result.binaryPutMs.push(hrMs() - p0);
      const tb: TrackedBinary = { id: b.id, bytes: b.content.length, referencedAt: null, verifiedAt: null };
      bins.push(tb);
      result.binaries.push(tb);
      onBinary(tb);
    }
    // The Source says when each change was made: now, on this compressed clock (the simulated instants
    // lie hours ahead or behind and would only skew the server's 6-hour figures).
    const nowIso = new Date().toISOString();
    const items = tick.items.map((i) => ({ ...i, sourceUpdatedAt: nowIso }));
    const sentAt = hrMs();
    const changes: TrackedChange[] = items.map((item) => {
      const key = keyOf(item);
      const prev = versions.get(key);
      if (item.op === 'delete' && (!prev || prev.deleted)) throw new Error(`tick ${n}: a delete of ${key}, which the server does not hold live`);
      const version = (prev?.version ?? 0) + 1;
      versions.set(key, { version, deleted: item.op === 'delete' });
      return { key, version, op: item.op, burst: tick.burst, tick: n, sentAt, answeredAt: null, appliedAt: null };
    });
    changes.forEach(track);
    const body = JSON.stringify({ sourceAsOf: nowIso, items });
    const res = await send(`${base}/changes`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json', 'idempotency-key': `freshness-${ods}-${n}-${createHash('sha256').update(body).digest('hex').slice(0, 16)}` },
      body,
    }, `ingest batch ${n}`);
    const r = (await res.json()) as IngestResult;
    const answeredAt = hrMs();
    result.ingestMs.push(answeredAt - sentAt);
    // Every item must have made a new version, or the versions the bench expects are wrong.
    if (r.created + r.updated + r.deleted !== items.length || r.unchanged !== 0) {
      throw new Error(`ingest batch ${n}: ${items.length} items gave ${r.created} created, ${r.updated} updated, ${r.deleted} deleted, ${r.unchanged} unchanged`);
    }
    for (const c of changes) c.answeredAt = answeredAt;
    for (const b of bins) b.referencedAt = answeredAt;
    result.changes.push(...changes);
  }
  result.seconds = (hrMs() - t0) / 1000;
  const first = ticks[0]?.at.getTime() ?? 0;
  result.simulatedHours = ((ticks.at(-1)?.at.getTime() ?? first) - first) / 3_600_000;
  return result;
}
