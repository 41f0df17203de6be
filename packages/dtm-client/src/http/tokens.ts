// Access tokens from the DTM's token endpoint with a signed JWT assertion (RFC 7523), cached and
// refreshed before they expire so no request goes out with a token about to lapse.
import { request, type Dispatcher } from 'undici';
import { createClientAssertion, importPrivateKey, tokenRequestBody, type TokenResponse } from '@dtm/shared';
import { HttpError, withRetry, type RetryPolicy } from './retry.ts';

export interface TokenSourceOptions {
  tokenUrl: string;
  clientId: string;
  /** JWK (JSON) or PKCS#8 PEM text. */
  privateKey: string;
  dispatcher: Dispatcher;
  retry?: RetryPolicy;
  now?: () => Date;
  /** Refresh this long before expiry. */
  refreshMarginMs?: number;
}

export class TokenSource {
  readonly #o: TokenSourceOptions;
  #token: { value: string; expiresAt: number } | null = null;
  #pending: Promise<string> | null = null;

  constructor(o: TokenSourceOptions) {
    this.#o = o;
  }

  /** A valid token, fetching a new one when none is held or it is within the refresh margin. */
  async get(signal?: AbortSignal): Promise<string> {
    const now = (this.#o.now?.() ?? new Date()).getTime();
    if (this.#token && this.#token.expiresAt - (this.#o.refreshMarginMs ?? 60_000) > now) return this.#token.value;
    this.#pending ??= this.#fetch(signal).finally(() => (this.#pending = null));
    return this.#pending;
  }

  /** Forget the token (the server refused it): the next get() fetches a new one. */
  invalidate(): void {
    this.#token = null;
  }

  async #fetch(signal?: AbortSignal): Promise<string> {
    const { key, alg, kid } = await importPrivateKey(this.#o.privateKey);
    const body = await withRetry(async () => {
      const now = this.#o.now?.() ?? new Date();
      // A fresh assertion (new jti) per attempt: a retried one would be a replay.
      const assertion = await createClientAssertion({ clientId: this.#o.clientId, tokenUrl: this.#o.tokenUrl, key, alg, ...(kid ? { kid } : {}), now });
      const res = await request(this.#o.tokenUrl, {
        method: 'POST',
        dispatcher: this.#o.dispatcher,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: tokenRequestBody(assertion).toString(),
        ...(signal ? { signal } : {}),
      });
      const json = (await res.body.json()) as TokenResponse & { error?: string; error_description?: string };
      if (res.statusCode !== 200) {
        throw new HttpError(res.statusCode, `token request refused: ${json.error ?? res.statusCode} ${json.error_description ?? ''}`.trim(), json);
      }
      return json;
    }, { ...(this.#o.retry ? { policy: this.#o.retry } : {}), ...(signal ? { signal } : {}) });
    const now = (this.#o.now?.() ?? new Date()).getTime();
    this.#token = { value: body.access_token, expiresAt: now + body.expires_in * 1000 };
    return body.access_token;
  }
}
