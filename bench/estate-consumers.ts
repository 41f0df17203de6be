// Bench scenario `estate`, its Targets: consumer clients registered with the server's own admin
// functions (in-process: 50 clients through the CLI would be 150 child processes), each granted one
// practice and holding a real bearer token, reading the feed over HTTP through two server processes
// in turn, and checking they got exactly their practice's resources.
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { fetchAccessToken } from '@dtm/shared';
import { addClient, addGrant, systemClock } from '../packages/dtm-server/src/index.ts';
import type { MeasuredPractice } from './estate-load.ts';

// The client's default page size (packages/dtm-client), as the issue asks.
export const PAGE_LIMIT = 1000;

export interface Consumer extends MeasuredPractice {
  clientId: string;
  privateKey: string;
  headers: Record<string, string>;
  expectedIds: Set<string>;
}

/** The ids estate-load.ts (RESOURCE_ID_SQL) gives practice `ods`'s resources 1..rows. */
export function expectedIds(ods: string, rows: number): Set<string> {
  const ids = new Set<string>();
  const tail = createHash('md5').update(ods).digest('hex').slice(0, 24);
  for (let k = 1; k <= rows; k++) {
    const h = k.toString(16).padStart(8, '0') + tail;
    ids.add(`${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`);
  }
  return ids;
}

/** One consumer client per measured practice, granted that practice alone, with terms the bench never meets. */
export async function registerConsumers(databaseUrl: string, measured: MeasuredPractice[]): Promise<Consumer[]> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2, application_name: 'dtm-bench-estate-admin' });
  try {
    const deps = { pool, clock: systemClock };
    const out: Consumer[] = [];
    for (const m of measured) {
      const clientId = `estate-target-${m.ods.toLowerCase()}`;
      const { privateJwk } = await addClient(deps, { id: clientId, name: `estate bench Target for ${m.ods}`, role: 'consumer', generateKey: true });
      await addGrant(deps, { clientId, practice: m.ods, sessionsPerDay: 1000, requestsPerMinute: 1_000_000 });
      out.push({ ...m, clientId, privateKey: JSON.stringify(privateJwk), headers: {}, expectedIds: expectedIds(m.ods, m.rows) });
    }
    return out;
  } finally {
    await pool.end();
  }
}

/** A fresh access token for every consumer, from one server's token endpoint (tokens live in the shared database). */
export async function fetchTokens(serverUrl: string, consumers: Consumer[]): Promise<'bearer' | 'none'> {
  const probe = await fetch(`${serverUrl}/.well-known/smart-configuration`, { signal: AbortSignal.timeout(10_000) });
  await probe.arrayBuffer();
  if (probe.status === 404) return 'none';
  if (probe.status !== 200) throw new Error(`GET /.well-known/smart-configuration answered HTTP ${probe.status}`);
  for (const c of consumers) {
    const t = await fetchAccessToken({ tokenUrl: `${serverUrl}/oauth2/token`, clientId: c.clientId, privateKey: c.privateKey });
    c.headers = { authorization: `Bearer ${t.access_token}` };
  }
  return 'bearer';
}

export interface PageSample {
  ms: number;
  rows: number;
  bytes: number;
  server: number;
  large: boolean;
}

interface FeedPage {
  changes: { op: string; resourceType: string; id: string }[];
  nextCursor: string | null;
  upToDate: boolean;
}

const decoder = new TextDecoder();

/**
 * Reads the consumer's whole feed from the beginning, as an initial extract does, sending page k to
 * server (start + k) mod servers: a cursor from one process must work on the other. The latency of a
 * page is from the request to the last byte of the body (JSON.parse and checks come after). Fails
 * unless it got exactly its practice's resources: the count, no id twice, every id expected.
 */
export async function readWholeFeed(c: Consumer, servers: string[], start: number, record: (p: PageSample) => void): Promise<number> {
  let since: string | null = null;
  let count = 0;
  const seen = new Set<string>();
  for (let k = 0; ; k++) {
    const server = (start + k) % servers.length;
    const q = new URLSearchParams({ limit: String(PAGE_LIMIT) });
    if (since !== null) q.set('since', since);
    const t0 = performance.now();
    // identity: compression is the bandwidth scenario's subject; here it would only add CPU on loopback.
    const res = await fetch(`${servers[server]}/v1/practices/${c.ods}/changes?${q}`, { headers: { ...c.headers, 'accept-encoding': 'identity' } });
    const body = new Uint8Array(await res.arrayBuffer());
    const ms = performance.now() - t0;
    const text = decoder.decode(body);
    if (res.status !== 200) {
      const title = (() => {
        try {
          return (JSON.parse(text) as { title?: string }).title ?? '';
        } catch {
          return '';
        }
      })();
      throw new Error(`consumer ${c.clientId}: GET changes on server ${server + 1} answered HTTP ${res.status} ${title}`);
    }
    const page = JSON.parse(text) as FeedPage;
    record({ ms, rows: page.changes.length, bytes: body.byteLength, server, large: c.large });
    for (const ch of page.changes) {
      if (ch.op !== 'upsert' || ch.resourceType !== 'Observation' || !c.expectedIds.has(ch.id) || seen.has(ch.id)) {
        throw new Error(`consumer ${c.clientId}: change ${count + 1} of practice ${c.ods} is not one of its resources, or came twice`);
      }
      seen.add(ch.id);
      count++;
    }
    since = page.nextCursor;
    if (page.upToDate) break;
    if (page.changes.length === 0) throw new Error(`consumer ${c.clientId}: an empty page that is not up to date`);
  }
  if (count !== c.rows) throw new Error(`consumer ${c.clientId}: read ${count} changes of practice ${c.ods}, expected exactly ${c.rows}`);
  return count;
}

export interface WindowResult {
  pages: PageSample[];
  passes: number;
  rows: number;
  wallSeconds: number;
}

/**
 * Every consumer reads its whole feed again and again until `seconds` have passed (finishing the pass
 * it is in): a closed loop of `consumers.length` Targets at once. With seconds = 0, one pass each.
 */
export async function readConcurrently(consumers: Consumer[], servers: string[], seconds: number): Promise<WindowResult> {
  const pages: PageSample[] = [];
  let passes = 0;
  let rows = 0;
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  await Promise.all(
    consumers.map(async (c, k) => {
      do {
        const got = await readWholeFeed(c, servers, k, (p) => pages.push(p));
        rows += got;
        passes++;
      } while (performance.now() < deadline);
    }),
  );
  return { pages, passes, rows, wallSeconds: (performance.now() - t0) / 1000 };
}
