// DtmClient: the typed API of one DTM, over undici with keep-alive, timeouts, retries and tokens.
// Knows the wire contract (from @dtm/shared) and nothing about the Target's store.
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { Agent, request, type Dispatcher } from 'undici';
import { PROBLEM_TYPES, SMART_CONFIGURATION_PATH, parseExactIfNeeded, type BinaryDigestPage, type ChangePage, type PracticeStatus } from '@dtm/shared';
import { HttpError, parseRetryAfter, withRetry, type RetryPolicy } from './http/retry.ts';
import { TokenSource } from './http/tokens.ts';

export interface DtmClientOptions {
  baseUrl: string;
  clientId: string;
  privateKey: string;
  retry?: RetryPolicy;
  /** Called before each retry (for progress reporting). */
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
  now?: () => Date;
  dispatcher?: Dispatcher;
  /** Which compression of feed pages to ask for; default `auto` (zstd or gzip, the server chooses). */
  compression?: Compression;
}

/**
 * Compression of feed pages: `auto` offers zstd and gzip and lets the server choose, `none` asks for
 * none. The codings are decoded here, not by undici's decompress interceptor: that one is
 * experimental (it warns on first use) and passes a coding it does not know through as if it were
 * none, where a page in an unknown coding must be a clear error.
 */
export type Compression = 'auto' | 'zstd' | 'gzip' | 'none';

// zstd is in node:zlib from Node 22.15 and 23.8; on an older Node the client offers gzip alone.
const HAS_ZSTD = typeof zlib.zstdDecompress === 'function';
const DECODERS: Record<string, (b: Buffer) => Promise<Buffer>> = {
  gzip: promisify(zlib.gunzip),
  ...(HAS_ZSTD ? { zstd: promisify(zlib.zstdDecompress) } : {}),
};

export function acceptEncodingFor(c: Compression): string {
  if (c === 'none') return 'identity';
  if (c === 'zstd' && !HAS_ZSTD) throw new Error(`compression zstd needs Node 22.15 or later (this is ${process.version}); use gzip or auto`);
  return c === 'auto' ? (HAS_ZSTD ? 'zstd, gzip' : 'gzip') : c;
}

/** A page came in a coding this client does not decode (it never asks for one), or its body does not decode. */
export class ContentEncodingError extends Error {
  override readonly name = 'ContentEncodingError';
}

/** The response body, decoded by its Content-Encoding (absent or identity: as it came). */
async function decodedBody(res: Dispatcher.ResponseData, what: string): Promise<Buffer> {
  const coding = String(res.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  const decode = DECODERS[coding];
  if (coding !== 'identity' && !decode) {
    await res.body.dump();
    throw new ContentEncodingError(`${what} answered in Content-Encoding "${coding.slice(0, 40)}", which this client does not decode (it accepts ${Object.keys(DECODERS).join(', ')} or none)`);
  }
  const body = Buffer.from(await res.body.arrayBuffer());
  if (!decode) return body;
  return decode(body).catch((err: Error) => {
    throw new ContentEncodingError(`${what}: the ${coding} body could not be decoded: ${err.message}`);
  });
}

/** The server no longer knows the cursor's epoch (restored or reset): resync from the beginning. */
export class EpochError extends Error {
  constructor() {
    super('the DTM no longer recognises this cursor (epoch changed): a full resync is needed');
    this.name = 'EpochError';
  }
}

export interface ChangesQuery {
  since?: string | null;
  limit?: number;
  wait?: number;
  signal?: AbortSignal;
}

/** A feed page as parsed, and as parsed exactly when that differs (see DtmClient.feedPage). */
export interface FeedPage {
  page: ChangePage;
  exact: ChangePage | null;
}

interface SendOptions {
  auth?: boolean;
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export class DtmClient {
  readonly baseUrl: string;
  readonly #o: DtmClientOptions;
  readonly #dispatcher: Dispatcher;
  #tokens: TokenSource | null = null;

  constructor(o: DtmClientOptions) {
    this.baseUrl = o.baseUrl.replace(/\/+$/, '');
    this.#o = o;
    // Long-polls hold a response for up to 60 s: header and body timeouts allow for that.
    this.#dispatcher = o.dispatcher ?? new Agent({ keepAliveTimeout: 30_000, connect: { timeout: 10_000 }, headersTimeout: 90_000, bodyTimeout: 120_000 });
  }

  async #tokenSource(signal?: AbortSignal): Promise<TokenSource> {
    if (this.#tokens) return this.#tokens;
    const conf = (await this.#json('GET', SMART_CONFIGURATION_PATH, { auth: false, ...(signal ? { signal } : {}) })) as { token_endpoint: string };
    this.#tokens = new TokenSource({
      tokenUrl: conf.token_endpoint, clientId: this.#o.clientId, privateKey: this.#o.privateKey, dispatcher: this.#dispatcher,
      ...(this.#o.retry ? { retry: this.#o.retry } : {}), ...(this.#o.now ? { now: this.#o.now } : {}),
    });
    return this.#tokens;
  }

  /** One HTTP exchange with retries; a 401 refreshes the token once. */
  #send(method: string, path: string, o: SendOptions = {}): Promise<Dispatcher.ResponseData> {
    return this.#exchange(method, path, o, async (res) => res);
  }

  /**
   * An exchange whose successful answer `consume` reads inside the retry: a failure while reading it
   * (a connection reset, a body timeout) is retried like one before it.
   */
  #exchange<T>(method: string, path: string, o: SendOptions, consume: (res: Dispatcher.ResponseData) => Promise<T>): Promise<T> {
    return withRetry(async () => {
      for (let refreshed = false; ; refreshed = true) {
        const headers: Record<string, string> = { accept: 'application/json', ...o.headers };
        if (o.auth !== false) headers.authorization = `Bearer ${await (await this.#tokenSource(o.signal)).get(o.signal)}`;
        if (o.body !== undefined) headers['content-type'] = 'application/json';
        const res = await request(`${this.baseUrl}${path}`, {
          method: method as Dispatcher.HttpMethod, headers, dispatcher: this.#dispatcher,
          ...(o.body !== undefined ? { body: JSON.stringify(o.body) } : {}), ...(o.signal ? { signal: o.signal } : {}),
        });
        if (res.statusCode < 400) return consume(res);
        const text = await res.body.text();
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch { /* keep text */ }
        if (res.statusCode === 401 && o.auth !== false && !refreshed) {
          this.#tokens?.invalidate();
          continue;
        }
        if (res.statusCode === 409 && (body as { type?: string })?.type === PROBLEM_TYPES.cursorEpoch) throw new EpochError();
        const detail = (body as { detail?: string; error_description?: string })?.detail ?? (body as { error_description?: string })?.error_description ?? '';
        throw new HttpError(res.statusCode, `${method} ${path.split('?')[0]} answered ${res.statusCode}${detail ? `: ${detail}` : ''}`, body,
          parseRetryAfter(res.headers['retry-after'] as string | undefined));
      }
    }, { ...(this.#o.retry ? { policy: this.#o.retry } : {}), ...(o.signal ? { signal: o.signal } : {}), ...(this.#o.onRetry ? { onRetry: this.#o.onRetry } : {}) });
  }

  async #text(method: string, path: string, o: SendOptions = {}): Promise<string> {
    const read = async (res: Dispatcher.ResponseData) => (await decodedBody(res, `${method} ${path.split('?')[0]}`)).toString('utf8');
    // A GET is read again from the start when its body breaks off (a page of the feed cut mid-way used
    // to end the whole run); another method is never sent twice once the server has answered it.
    if (method === 'GET') return this.#exchange(method, path, o, read);
    return read(await this.#send(method, path, o));
  }

  async #json(method: string, path: string, o: SendOptions = {}): Promise<unknown> {
    return JSON.parse(await this.#text(method, path, o)) as unknown;
  }

  /** Raw access for routes this class does not wrap (e.g. the issues channel). */
  send(method: string, path: string, o: SendOptions = {}) {
    return this.#json(method, path, o);
  }

  changes(ods: string, p: ChangesQuery): Promise<ChangePage> {
    return this.#changesText(ods, p).then((text) => JSON.parse(text) as ChangePage);
  }

  /**
   * A page of changes, and, when its text holds numbers that JSON.parse would change (7.50, 2^53 + 1),
   * the same page parsed exactly, to store the resources as sent (@dtm/shared exact-json.ts).
   */
  async feedPage(ods: string, p: ChangesQuery): Promise<FeedPage> {
    const text = await this.#changesText(ods, p);
    return { page: JSON.parse(text) as ChangePage, exact: parseExactIfNeeded(text) as ChangePage | null };
  }

  #changesText(ods: string, p: ChangesQuery): Promise<string> {
    const q = new URLSearchParams();
    if (p.since) q.set('since', p.since);
    if (p.limit) q.set('limit', String(p.limit));
    if (p.wait) q.set('wait', String(p.wait));
    // Pages are FHIR JSON that compresses many times over (issue 7: extracts over a 70 Mbit/s line).
    const accept = acceptEncodingFor(this.#o.compression ?? 'auto');
    return this.#text('GET', `/v1/practices/${ods}/changes?${q}`, { headers: { 'accept-encoding': accept }, ...(p.signal ? { signal: p.signal } : {}) });
  }

  status(ods: string, signal?: AbortSignal): Promise<PracticeStatus> {
    return this.#json('GET', `/v1/practices/${ods}/status`, signal ? { signal } : {}) as Promise<PracticeStatus>;
  }

  /** A binary's bytes from `start` (to resume with Range); the caller consumes `body`. */
  async binary(ods: string, id: string, start: number, signal?: AbortSignal) {
    const res = await this.#send('GET', `/v1/practices/${ods}/binaries/${id}`, { headers: { accept: '*/*', ...(start > 0 ? { range: `bytes=${start}-` } : {}) }, ...(signal ? { signal } : {}) });
    return {
      status: res.statusCode,
      body: res.body,
      reprDigest: res.headers['repr-digest'] as string | undefined,
      contentRange: res.headers['content-range'] as string | undefined,
      contentType: res.headers['content-type'] as string | undefined,
    };
  }

  /** Every binary the DTM holds for the practice, with its size and SHA-256 now (base64), page by page. */
  async *binaryDigests(ods: string): AsyncGenerator<BinaryDigestPage['binaries'][number]> {
    for (let after: string | null = null; ;) {
      const q = new URLSearchParams({ limit: '10000', ...(after ? { after } : {}) });
      const page = (await this.#json('GET', `/v1/practices/${ods}/binaries?${q}`)) as BinaryDigestPage;
      yield* page.binaries;
      if (!page.next) return;
      after = page.next;
    }
  }

  async close(): Promise<void> {
    if (!this.#o.dispatcher) await this.#dispatcher.close();
  }
}
