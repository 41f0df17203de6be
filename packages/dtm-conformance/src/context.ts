// What every check runs against: the DTM's base URL and practice, the clients' credentials, an HTTP
// helper that records evidence, tokens on demand, and shared, memoised observations (the discovery
// document, the OpenAPI document, the status at the start of the run, one full read of the feed).
import { randomUUID } from 'node:crypto';
import { SignJWT, type CryptoKey } from 'jose';
import { FEED_LIMITS, SMART_CONFIGURATION_PATH, TOKEN_PATH, createClientAssertion, importPrivateKey, tokenRequestBody, validateResource } from '@dtm/shared';
import { Http, type HttpResponse, type RequestOptions } from './http.ts';
import { scanOpenApi, type SpecSummary } from './openapi-scan.ts';
import type { Group } from './types.ts';

export interface Credential {
  role: 'consumer' | 'publisher' | 'rate';
  clientId: string;
  /** Private key text: a JWK (JSON) or PKCS#8 PEM. */
  privateKey: string;
}

export interface RunOptions {
  baseUrl: string;
  practice: string;
  consumer: { clientId: string; privateKey: string };
  /** Write checks (ingest) run only with these, against a test practice. */
  publisher?: { clientId: string; privateKey: string } | undefined;
  /** A consumer with tight agreed terms for the rate check (else the main consumer is used). */
  rate?: { clientId: string; privateKey: string } | undefined;
  /** A practice the consumer is known not to be granted (for the 403 check). */
  otherPractice?: string | undefined;
  /** Groups or check ids to run; default all. */
  only?: string[] | undefined;
  /** Length of the availability probe. Default 10 s. */
  durationSeconds?: number | undefined;
  /** Validate at most this many resources (a random sample) instead of all. */
  sample?: number | undefined;
  /** Run the optional cutover (migration) checks. */
  cutover?: boolean | undefined;
  /** Per-request timeout (long-polls get their wait on top). Default 30 s. */
  timeoutMs?: number | undefined;
  /** Page size of the full read. Default the contract's default (1000). */
  pageSize?: number | undefined;
}

/** A change as received: nothing about it is trusted until checked. */
export interface WireChange {
  cursor?: unknown;
  op?: unknown;
  resourceType?: unknown;
  id?: unknown;
  versionId?: unknown;
  lastUpdated?: unknown;
  availableAt?: unknown;
  resource?: unknown;
}

export interface WirePage {
  changes: WireChange[];
  nextCursor: string | null;
  upToDate: boolean;
  watermark?: Record<string, unknown>;
}

export interface WireStatus {
  watermark?: { sourceAsOf?: string | null; lastUpdatedAt?: string | null; highWaterCursor?: string | null; serverTime?: string };
  staleness?: { seconds?: number | null; limitSeconds?: number; withinLimit?: boolean };
  availability?: { limitSeconds?: number; changesMeasured?: number; changesOverLimit?: number; maxDelaySeconds?: number | null };
  counts?: { resourceType: string; live: number; deleted: number }[];
}

export const keyOf = (c: { resourceType?: unknown; id?: unknown }): string => `${String(c.resourceType)}/${String(c.id)}`;

export function asPage(json: unknown): WirePage | null {
  const o = json as Partial<WirePage> | null;
  if (!o || typeof o !== 'object' || !Array.isArray(o.changes) || typeof o.upToDate !== 'boolean') return null;
  if (o.nextCursor !== null && o.nextCursor !== undefined && typeof o.nextCursor !== 'string') return null;
  return { changes: o.changes as WireChange[], nextCursor: o.nextCursor ?? null, upToDate: o.upToDate, ...(o.watermark ? { watermark: o.watermark } : {}) };
}

/** Version ids are decimal integer strings; compare them as numbers. */
export const versionNumber = (v: unknown): number => (typeof v === 'string' && /^[1-9][0-9]*$/.test(v) ? Number(v) : NaN);

export interface ValidationGroup {
  rule: string;
  resourceType: string;
  severity: 'error' | 'warning';
  count: number;
  ids: string[];
}

/** One full read of the feed from no cursor (the initial extract), kept as ids and versions only. */
export interface Extract {
  ok: boolean;
  /** Why the read stopped early, if it did. */
  error?: string;
  errorExchange?: number;
  pages: number;
  changes: number;
  upserts: number;
  deletes: number;
  /** Latest op and version per `Type/id`. */
  latest: Map<string, { op: string; versionId: string }>;
  /** nextCursor after each page, and how many changes had been read by then. */
  pageEnds: { cursor: string | null; read: number; exchange: number }[];
  /** Cursors of the first page's changes (for a cursor inside a page). */
  firstPageCursors: string[];
  duplicatesWithinPage: { count: number; examples: string[] };
  duplicatesAcrossPages: { count: number; examples: string[] };
  shapeProblems: { count: number; examples: string[] };
  tombstones: { count: number; withBody: number; examples: string[] };
  binaryIds: string[];
  endCursor: string | null;
  ms: number;
  validation: { checked: number; sampled: boolean; failed: number; groups: Map<string, ValidationGroup> } | null;
}

const MAX_EXAMPLES = 10;

function addExample(list: { count: number; examples: string[] }, example: string): void {
  list.count++;
  if (list.examples.length < MAX_EXAMPLES) list.examples.push(example);
}

/** Problems with one change's shape against the contract (`Change` schema). Empty when it is fine. */
export function changeShapeProblems(c: WireChange): string[] {
  const p: string[] = [];
  const ref = keyOf(c);
  if (typeof c.cursor !== 'string' || !/^[A-Za-z0-9_-]{1,200}$/.test(c.cursor)) p.push(`${ref}: cursor missing or not an opaque token`);
  if (c.op !== 'upsert' && c.op !== 'delete') p.push(`${ref}: op is neither upsert nor delete`);
  if (typeof c.resourceType !== 'string' || typeof c.id !== 'string') p.push(`${ref}: resourceType or id missing`);
  if (!Number.isFinite(versionNumber(c.versionId))) p.push(`${ref}: versionId is not a positive integer string`);
  if (typeof c.lastUpdated !== 'string' || Number.isNaN(Date.parse(c.lastUpdated))) p.push(`${ref}: lastUpdated missing`);
  if (typeof c.availableAt !== 'string' || Number.isNaN(Date.parse(c.availableAt))) p.push(`${ref}: availableAt missing`);
  if (c.op === 'upsert') {
    const r = c.resource as { resourceType?: unknown; id?: unknown; meta?: { versionId?: unknown } } | undefined;
    if (!r || typeof r !== 'object') p.push(`${ref}: upsert without its resource`);
    else {
      if (r.resourceType !== c.resourceType || r.id !== c.id) p.push(`${ref}: resource's type or id differs from the change's`);
      if (r.meta?.versionId !== undefined && r.meta.versionId !== c.versionId) p.push(`${ref}: meta.versionId differs from the change's versionId`);
    }
  }
  return p;
}

export class CheckContext {
  readonly opts: RunOptions;
  readonly http: Http;
  readonly ods: string;
  readonly consumer: Credential;
  readonly publisher: Credential | undefined;
  readonly rateClient: Credential | undefined;
  readonly groups: Set<Group>;
  /** Short random id naming this run's probe resources, issues and binaries. */
  readonly runId = randomUUID().replace(/-/g, '').slice(0, 8);
  /** Values one check leaves for a later one (e.g. the raised issue's id). */
  readonly state = new Map<string, unknown>();
  /** The practice's status before the kit wrote anything. */
  initialStatus: { status: WireStatus | null; exchange: number } | null = null;

  readonly #tokens = new Map<string, { token: string; expiresAt: number }>();
  readonly #keys = new Map<string, Promise<{ key: CryptoKey; alg: string; kid: string | undefined }>>();
  #smart: Promise<{ json: Record<string, unknown> | null; res: HttpResponse | null }> | null = null;
  #spec: Promise<{ spec: SpecSummary | null; res: HttpResponse | null }> | null = null;
  #extract: Promise<Extract> | null = null;

  constructor(opts: RunOptions, groups: Set<Group>) {
    this.opts = opts;
    this.http = new Http(opts.baseUrl, opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {});
    this.ods = opts.practice;
    this.groups = groups;
    this.consumer = { role: 'consumer', ...opts.consumer };
    this.publisher = opts.publisher ? { role: 'publisher', ...opts.publisher } : undefined;
    this.rateClient = opts.rate ? { role: 'rate', ...opts.rate } : undefined;
  }

  get practicePath(): string {
    return `/v1/practices/${this.ods}`;
  }

  get ingestPath(): string {
    return `/v1/ingest/practices/${this.ods}`;
  }

  // ---- discovery and the contract ----

  smartConfiguration(): Promise<{ json: Record<string, unknown> | null; res: HttpResponse | null }> {
    this.#smart ??= this.http.request('GET', SMART_CONFIGURATION_PATH, { label: 'discovery' }).then(
      (res) => ({ res, json: res.status === 200 && res.json && typeof res.json === 'object' ? (res.json as Record<string, unknown>) : null }),
      () => ({ res: null, json: null }),
    );
    return this.#smart;
  }

  /** The token endpoint: from discovery, else `<base>/oauth2/token`. */
  async tokenUrl(): Promise<string> {
    const { json } = await this.smartConfiguration();
    const t = json?.token_endpoint;
    return typeof t === 'string' && /^https?:\/\//.test(t) ? t : `${this.http.baseUrl}${TOKEN_PATH}`;
  }

  openApi(): Promise<{ spec: SpecSummary | null; res: HttpResponse | null }> {
    this.#spec ??= this.http.request('GET', '/openapi.yaml', { headers: { accept: 'application/yaml, application/json, text/yaml, */*' }, label: 'contract' }).then(
      (res) => ({ res, spec: res.status === 200 ? scanOpenApi(res.body.toString('utf8')) : null }),
      () => ({ res: null, spec: null }),
    );
    return this.#spec;
  }

  // ---- credentials ----

  key(cred: Credential): Promise<{ key: CryptoKey; alg: string; kid: string | undefined }> {
    let k = this.#keys.get(cred.role);
    if (!k) {
      k = importPrivateKey(cred.privateKey);
      this.#keys.set(cred.role, k);
    }
    return k;
  }

  /** A correctly made client assertion for the credential. */
  async assertion(cred: Credential, o: { lifetimeSeconds?: number; jti?: string } = {}): Promise<string> {
    const { key, alg, kid } = await this.key(cred);
    return createClientAssertion({ clientId: cred.clientId, tokenUrl: await this.tokenUrl(), key, alg, ...(kid ? { kid } : {}), ...o });
  }

  /** An assertion with any claims and header, signed with the credential's key (for the refusal checks). */
  async forgedAssertion(cred: Credential, claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}, signWith?: CryptoKey): Promise<string> {
    const { key, alg, kid } = await this.key(cred);
    const now = Math.floor(Date.now() / 1000);
    const base = { iss: cred.clientId, sub: cred.clientId, aud: await this.tokenUrl(), iat: now, exp: now + 60, jti: randomUUID() };
    return new SignJWT({ ...base, ...claims }).setProtectedHeader({ alg, typ: 'JWT', ...(kid ? { kid } : {}), ...header }).sign(signWith ?? key);
  }

  /** POST a token request form (recorded; the assertion is reduced to its header and claim names). */
  async postToken(form: URLSearchParams, label?: string): Promise<HttpResponse> {
    return this.http.request('POST', await this.tokenUrl(), { body: form, ...(label ? { label } : {}) });
  }

  /** A valid access token for the credential, fetched once and renewed 30 s before it expires. */
  async token(cred: Credential, fresh = false): Promise<string> {
    const held = this.#tokens.get(cred.role);
    if (!fresh && held && held.expiresAt - Date.now() > 30_000) return held.token;
    const res = await this.postToken(tokenRequestBody(await this.assertion(cred)), `token (${cred.role})`);
    const body = res.json as { access_token?: unknown; expires_in?: unknown } | undefined;
    if (res.status !== 200 || typeof body?.access_token !== 'string') {
      throw new TokenError(`the ${cred.role} client (${cred.clientId}) could not get a token: POST ${TOKEN_PATH} → ${res.status}`, res.exchange);
    }
    const expiresIn = typeof body.expires_in === 'number' ? body.expires_in : 300;
    this.#tokens.set(cred.role, { token: body.access_token, expiresAt: Date.now() + expiresIn * 1000 });
    return body.access_token;
  }

  /** A request as the credential's client; a 401 gets one fresh token and one retry. */
  async api(cred: Credential, method: string, path: string, o: Omit<RequestOptions, 'bearer'> = {}): Promise<HttpResponse> {
    const res = await this.http.request(method, path, { ...o, bearer: await this.token(cred) });
    if (res.status !== 401) return res;
    return this.http.request(method, path, { ...o, bearer: await this.token(cred, true) });
  }

  // ---- the feed ----

  async page(cred: Credential, q: { since?: string | null; limit?: number; wait?: number }, o: Omit<RequestOptions, 'bearer' | 'query'> = {}): Promise<{ res: HttpResponse; page: WirePage | null }> {
    const timeoutMs = (this.opts.timeoutMs ?? 30_000) + (q.wait ?? 0) * 1000;
    const res = await this.api(cred, 'GET', `${this.practicePath}/changes`, {
      ...o,
      timeoutMs,
      query: { since: q.since ?? undefined, limit: q.limit, wait: q.wait },
    });
    return { res, page: res.status === 200 ? asPage(res.json) : null };
  }

  /**
   * Reads from `since` until `upToDate`, calling `onChange` for each change. Throws FeedError when a
   * page is refused or malformed, or when the cursor stops moving while not up to date.
   */
  async readToEnd(since: string | null, o: { limit?: number; maxPages?: number; record?: boolean; onChange?: (c: WireChange) => void } = {}): Promise<{ cursor: string | null; pages: number; changes: number; lastExchange: number }> {
    let cursor = since;
    let pages = 0;
    let changes = 0;
    const maxPages = o.maxPages ?? 100_000;
    for (;;) {
      const { res, page } = await this.page(this.consumer, { since: cursor, ...(o.limit ? { limit: o.limit } : {}) }, o.record === false ? { record: false } : {});
      const lastExchange = res.exchange;
      if (!page) throw new FeedError(`GET ${this.practicePath}/changes answered ${res.status}${res.status === 200 ? ' with a body that is not a change page' : ''}`, res.exchange);
      pages++;
      changes += page.changes.length;
      for (const c of page.changes) o.onChange?.(c);
      const next = page.nextCursor ?? cursor;
      if (page.upToDate) return { cursor: next, pages, changes, lastExchange };
      if (next === cursor) throw new FeedError('the feed is not up to date but its nextCursor did not move', res.exchange);
      if (pages >= maxPages) throw new FeedError(`still not up to date after ${pages} pages`, res.exchange);
      cursor = next;
    }
  }

  /** The cursor at the current end of the feed (from the full read or the high-water cursor, then read on). */
  async endCursor(): Promise<string | null> {
    let from: string | null = null;
    if (this.#extract) {
      const e = await this.#extract;
      if (e.ok) from = e.endCursor;
    }
    if (from === null) {
      const st = await this.fetchStatus(this.consumer, { label: 'high-water cursor' });
      from = st.status?.watermark?.highWaterCursor ?? null;
    }
    return (await this.readToEnd(from, { record: false })).cursor;
  }

  async fetchStatus(cred: Credential = this.consumer, o: Omit<RequestOptions, 'bearer'> = {}): Promise<{ status: WireStatus | null; res: HttpResponse }> {
    const res = await this.api(cred, 'GET', `${this.practicePath}/status`, o);
    const ok = res.status === 200 && res.json && typeof res.json === 'object';
    return { status: ok ? (res.json as WireStatus) : null, res };
  }

  /** One full read of the feed, done once and shared by the feed and validity checks. */
  extract(): Promise<Extract> {
    this.#extract ??= this.#readExtract();
    return this.#extract;
  }

  async #readExtract(): Promise<Extract> {
    const started = Date.now();
    const validate = this.groups.has('validity');
    const sampleSize = this.opts.sample;
    const e: Extract = {
      ok: true, pages: 0, changes: 0, upserts: 0, deletes: 0, latest: new Map(), pageEnds: [], firstPageCursors: [],
      duplicatesWithinPage: { count: 0, examples: [] }, duplicatesAcrossPages: { count: 0, examples: [] },
      shapeProblems: { count: 0, examples: [] }, tombstones: { count: 0, withBody: 0, examples: [] }, binaryIds: [],
      endCursor: null, ms: 0,
      validation: validate ? { checked: 0, sampled: sampleSize !== undefined, failed: 0, groups: new Map() } : null,
    };
    const reservoir: unknown[] = [];
    let upsertsSeen = 0;
    const check = (resource: unknown) => {
      const v = e.validation!;
      v.checked++;
      let failed = false;
      const r = resource as { resourceType?: unknown; id?: unknown };
      const counted = new Set<string>();
      for (const issue of validateResource(resource)) {
        if (issue.severity === 'error') failed = true;
        const type = typeof r.resourceType === 'string' ? r.resourceType : '?';
        const k = `${issue.severity} ${issue.rule} ${type}`;
        let g = v.groups.get(k);
        if (!g) v.groups.set(k, (g = { rule: issue.rule, resourceType: type, severity: issue.severity, count: 0, ids: [] }));
        if (counted.has(k)) continue;
        counted.add(k);
        g.count++;
        if (g.ids.length < 20) g.ids.push(typeof r.id === 'string' ? r.id : '?');
      }
      if (failed) v.failed++;
    };
    let cursor: string | null = null;
    const limit = this.opts.pageSize ?? FEED_LIMITS.defaultLimit;
    const seenPages = new Map<string, number>();
    try {
      for (;;) {
        const { res, page } = await this.page(this.consumer, { since: cursor, limit }, { label: e.pages === 0 ? 'initial extract' : undefined });
        if (!page) {
          e.ok = false;
          e.error = `GET ${this.practicePath}/changes${cursor ? '?since=…' : ''} answered ${res.status}${res.status === 200 ? ' with a body that is not a change page' : ''}`;
          e.errorExchange = res.exchange;
          break;
        }
        const inPage = new Set<string>();
        for (const c of page.changes) {
          const key = keyOf(c);
          for (const p of changeShapeProblems(c)) addExample(e.shapeProblems, p);
          if (inPage.has(key)) addExample(e.duplicatesWithinPage, `${key} (page ${e.pages + 1})`);
          else if (seenPages.has(key)) addExample(e.duplicatesAcrossPages, `${key} (pages ${seenPages.get(key)! + 1} and ${e.pages + 1})`);
          inPage.add(key);
          seenPages.set(key, e.pages);
          e.latest.set(key, { op: String(c.op), versionId: String(c.versionId) });
          if (e.pages === 0 && typeof c.cursor === 'string') e.firstPageCursors.push(c.cursor);
          e.changes++;
          if (c.op === 'delete') {
            e.deletes++;
            e.tombstones.count++;
            if (c.resource !== undefined && c.resource !== null) e.tombstones.withBody++;
            if (e.tombstones.examples.length < MAX_EXAMPLES) e.tombstones.examples.push(`${key} v${String(c.versionId)}`);
          } else if (c.op === 'upsert') {
            e.upserts++;
            this.#noteBinaries(c.resource, e);
            if (e.validation) {
              if (sampleSize === undefined) check(c.resource);
              else {
                // Reservoir sampling: every upsert has the same chance of being checked.
                upsertsSeen++;
                if (reservoir.length < sampleSize) reservoir.push(c.resource);
                else {
                  const j = Math.floor(Math.random() * upsertsSeen);
                  if (j < sampleSize) reservoir[j] = c.resource;
                }
              }
            }
          }
        }
        e.pages++;
        const next: string | null = page.nextCursor ?? cursor;
        e.pageEnds.push({ cursor: next, read: e.changes, exchange: res.exchange });
        if (page.upToDate) {
          e.endCursor = next;
          break;
        }
        if (next === cursor) {
          e.ok = false;
          e.error = 'the feed is not up to date but its nextCursor did not move';
          e.errorExchange = res.exchange;
          break;
        }
        cursor = next;
      }
    } catch (err) {
      e.ok = false;
      e.error = (err as Error).message;
    }
    for (const r of reservoir) check(r);
    e.ms = Date.now() - started;
    return e;
  }

  #noteBinaries(resource: unknown, e: Extract): void {
    if (e.binaryIds.length >= 5) return;
    const r = resource as { resourceType?: unknown; content?: { attachment?: { url?: unknown } }[] } | undefined;
    if (r?.resourceType !== 'DocumentReference' || !Array.isArray(r.content)) return;
    for (const c of r.content) {
      const m = typeof c?.attachment?.url === 'string' ? /^Binary\/([A-Za-z0-9\-.]{1,64})$/.exec(c.attachment.url) : null;
      if (m && !e.binaryIds.includes(m[1]!)) e.binaryIds.push(m[1]!);
    }
  }

  // ---- writes (publisher credentials, test practice) ----

  /** An id for one of this run's probe resources (FHIR id rules). */
  probeId(suffix: string): string {
    return `dtmc-${this.runId}-${suffix}`;
  }

  /** A small, valid FHIR R4 resource the kit writes and reads back; `rev` is carried in its title. */
  probeResource(id: string, rev: number): Record<string, unknown> {
    return { resourceType: 'List', id, status: 'current', mode: 'working', title: `dtm-conformance probe rev ${rev}` };
  }

  static revOf(resource: unknown): number | null {
    const t = (resource as { title?: unknown } | undefined)?.title;
    const m = typeof t === 'string' ? /rev (\d+)$/.exec(t) : null;
    return m ? Number(m[1]) : null;
  }

  /**
   * The `sourceAsOf` the kit's probe batches carry: the value the DTM already reported, so the kit's
   * writes never make the practice look fresher than its real Source made it (now, if it has none).
   */
  sourceAsOfForWrites(): string {
    return this.initialStatus?.status?.watermark?.sourceAsOf ?? new Date().toISOString();
  }

  async publish(items: Record<string, unknown>[], o: { label?: string; record?: boolean } = {}): Promise<HttpResponse> {
    if (!this.publisher) throw new Error('publish needs publisher credentials');
    return this.api(this.publisher, 'POST', `${this.ingestPath}/changes`, {
      body: { sourceAsOf: this.sourceAsOfForWrites(), items },
      headers: { 'idempotency-key': randomUUID() },
      ...o,
    });
  }

  async close(): Promise<void> {
    await this.http.close();
  }
}

/** The feed could not be read to the end. */
export class FeedError extends Error {
  override readonly name = 'FeedError';
  readonly exchange: number;
  constructor(message: string, exchange: number) {
    super(message);
    this.exchange = exchange;
  }
}

export class TokenError extends Error {
  override readonly name = 'TokenError';
  readonly exchange: number;
  constructor(message: string, exchange: number) {
    super(message);
    this.exchange = exchange;
  }
}

export const upsertItem = (resource: Record<string, unknown>) => ({ op: 'upsert', resource });
export const deleteItem = (resourceType: string, id: string) => ({ op: 'delete', resourceType, id });
