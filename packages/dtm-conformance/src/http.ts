// The kit's only way to talk to a DTM: undici with keep-alive and timeouts. Every exchange is timed;
// unless told otherwise it is also kept as evidence (redacted, see redact.ts) under the running check.
import { Agent, request, type Dispatcher } from 'undici';
import { summarizeRequest, summarizeResponse } from './redact.ts';
import type { Exchange, Timing } from './types.ts';

/** Response headers worth keeping as evidence. */
const EVIDENCE_HEADERS = ['content-type', 'content-encoding', 'vary', 'retry-after', 'repr-digest', 'digest', 'content-range', 'content-length', 'etag', 'location', 'www-authenticate', 'cache-control'];

export interface RequestOptions {
  /** A bearer token, sent as `Authorization: Bearer …` (never recorded). */
  bearer?: string;
  /** A raw Authorization header value, for the malformed-header checks (never recorded). */
  authorization?: string;
  query?: Record<string, string | number | undefined | null>;
  headers?: Record<string, string>;
  /** A plain object is sent as JSON, URLSearchParams as a form, a Buffer as is. */
  body?: unknown;
  timeoutMs?: number;
  /** Keep as evidence (default true); false still times it. */
  record?: boolean;
  label?: string;
  kind?: Timing['kind'];
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  ms: number;
  /** Parsed JSON body, or undefined when the body is not JSON. */
  json: unknown;
  /** The evidence id, or -1 when not recorded. */
  exchange: number;
}

/** A request that got no response at all (connection refused, reset, timed out). */
export class NoResponseError extends Error {
  override readonly name = 'NoResponseError';
  readonly method: string;
  readonly path: string;
  readonly exchange: number;
  constructor(method: string, path: string, exchange: number, cause: string) {
    super(`${method} ${path}: no response (${cause})`);
    this.method = method;
    this.path = path;
    this.exchange = exchange;
  }
}

function headerMap(h: Dispatcher.ResponseData['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

export class Http {
  readonly baseUrl: string;
  readonly exchanges: Exchange[] = [];
  readonly timings: Timing[] = [];
  /** Which check the exchanges belong to (set by the runner). */
  currentCheck = 'setup';
  readonly #agent: Agent;
  readonly #t0 = Date.now();
  readonly #defaultTimeoutMs: number;

  constructor(baseUrl: string, opts: { timeoutMs?: number } = {}) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.#defaultTimeoutMs = opts.timeoutMs ?? 30_000;
    this.#agent = new Agent({ keepAliveTimeout: 10_000, connect: { timeout: 10_000 }, headersTimeout: 120_000, bodyTimeout: 120_000, connections: 64 });
  }

  /** Path shown in evidence: relative to the base URL when it is on it. */
  #shown(url: string): string {
    return url.startsWith(this.baseUrl) ? url.slice(this.baseUrl.length) || '/' : url;
  }

  async request(method: string, pathOrUrl: string, o: RequestOptions = {}): Promise<HttpResponse> {
    let url = /^https?:\/\//.test(pathOrUrl) ? pathOrUrl : `${this.baseUrl}${pathOrUrl}`;
    if (o.query) {
      const q = new URLSearchParams();
      for (const [k, v] of Object.entries(o.query)) if (v !== undefined && v !== null) q.set(k, String(v));
      const s = q.toString();
      if (s) url += (url.includes('?') ? '&' : '?') + s;
    }
    const headers: Record<string, string> = { accept: 'application/json', ...o.headers };
    if (o.bearer !== undefined) headers.authorization = `Bearer ${o.bearer}`;
    if (o.authorization !== undefined) headers.authorization = o.authorization;
    let body: string | Buffer | undefined;
    if (o.body instanceof URLSearchParams) {
      body = o.body.toString();
      headers['content-type'] ??= 'application/x-www-form-urlencoded';
    } else if (Buffer.isBuffer(o.body)) {
      body = o.body;
      headers['content-type'] ??= 'application/octet-stream';
    } else if (o.body !== undefined) {
      body = JSON.stringify(o.body);
      headers['content-type'] ??= 'application/json';
    }
    const timeoutMs = o.timeoutMs ?? this.#defaultTimeoutMs;
    const started = Date.now();
    const record = o.record !== false;
    const ex: Exchange = {
      id: record ? this.exchanges.length + 1 : -1,
      checkId: this.currentCheck,
      ...(o.label ? { label: o.label } : {}),
      method,
      path: this.#shown(url),
      status: null,
      startedAt: new Date(started).toISOString(),
      ms: 0,
      ...(o.body !== undefined ? { request: summarizeRequest(o.body) } : {}),
    };
    if (record) this.exchanges.push(ex);
    const timing: Timing = { t: started - this.#t0, ms: 0, status: null, kind: o.kind ?? 'check' };
    this.timings.push(timing);
    try {
      const res = await request(url, {
        method: method as Dispatcher.HttpMethod,
        headers,
        dispatcher: this.#agent,
        signal: AbortSignal.timeout(timeoutMs),
        ...(body !== undefined ? { body } : {}),
      });
      const buf = Buffer.from(await res.body.arrayBuffer());
      const ms = Date.now() - started;
      const h = headerMap(res.headers);
      let json: unknown;
      if (/json/i.test(h['content-type'] ?? '') || /^\s*[{[]/.test(buf.subarray(0, 1).toString())) {
        try {
          json = JSON.parse(buf.toString('utf8'));
        } catch {
          json = undefined;
        }
      }
      Object.assign(ex, { status: res.statusCode, ms });
      timing.ms = ms;
      timing.status = res.statusCode;
      if (record) {
        const kept: Record<string, string> = {};
        for (const name of EVIDENCE_HEADERS) if (h[name] !== undefined) kept[name] = h[name].slice(0, 200);
        ex.headers = kept;
        ex.response = json !== undefined ? summarizeResponse(json) : buf.length ? { bytes: buf.length } : undefined;
      }
      return { status: res.statusCode, headers: h, body: buf, ms, json, exchange: ex.id };
    } catch (e) {
      const ms = Date.now() - started;
      const err = e as Error;
      const cause = err.name === 'TimeoutError' || err.name === 'AbortError' ? `timed out after ${timeoutMs} ms` : (err.message || err.name).slice(0, 200);
      Object.assign(ex, { ms, error: cause });
      timing.ms = ms;
      throw new NoResponseError(method, ex.path, ex.id, cause);
    }
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }
}

/** `GET /path → 200` for a reason string. */
export const showExchange = (r: { exchange: number }, http: Http): string => {
  const ex = http.exchanges[r.exchange - 1];
  return ex ? `${ex.method} ${ex.path.split('?')[0]} → ${ex.status ?? 'no response'}` : '';
};
