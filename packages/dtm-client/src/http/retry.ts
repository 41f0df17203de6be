// Retry is a wrapper around one HTTP call: retry network errors, 5xx, 408 and 429 with full-jitter
// exponential backoff, honouring Retry-After; never retry another 4xx (the request itself is wrong and
// would fail again). Sleeps are abortable so SIGTERM never waits out a backoff.

export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 8, baseDelayMs: 250, maxDelayMs: 30_000 };

export class HttpError extends Error {
  readonly status: number;
  readonly body: unknown;
  readonly retryAfterMs: number | null;
  constructor(status: number, message: string, body: unknown, retryAfterMs: number | null = null) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
    this.body = body;
    this.retryAfterMs = retryAfterMs;
  }
}

export const isRetryableStatus = (status: number) => status === 408 || status === 429 || status >= 500;

const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND']);

/** Only what another attempt can cure: a retryable status or a network failure. Anything else is a bug or a refusal. */
export function isRetryable(err: unknown): boolean {
  if (err instanceof HttpError) return isRetryableStatus(err.status);
  const e = err as { name?: string; code?: string; message?: string; cause?: unknown } | null;
  if (!e || e.name === 'AbortError') return false;
  // undici: connection reset, socket closed, header/body timeouts (UND_ERR_*); system errors; fetch's TypeError.
  if (typeof e.code === 'string' && (e.code.startsWith('UND_ERR') || NETWORK_CODES.has(e.code))) return true;
  if (e.name === 'TypeError' && e.message === 'fetch failed') return true;
  return e.cause !== undefined && e.cause !== err ? isRetryable(e.cause) : false;
}

/** Retry-After as seconds or an HTTP date; null when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | null {
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** Full jitter (AWS architecture blog): a uniform delay in [0, min(max, base * 2^attempt)). */
export const backoffDelay = (attempt: number, p: RetryPolicy, random = Math.random) =>
  Math.floor(random() * Math.min(p.maxDelayMs, p.baseDelayMs * 2 ** attempt));

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal!.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export async function withRetry<T>(
  fn: (attempt: number) => Promise<T>,
  opts: { policy?: RetryPolicy; signal?: AbortSignal; onRetry?: (err: unknown, attempt: number, delayMs: number) => void } = {},
): Promise<T> {
  const policy = opts.policy ?? DEFAULT_RETRY;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (opts.signal?.aborted || !isRetryable(err) || attempt + 1 >= policy.maxAttempts) throw err;
      const hinted = err instanceof HttpError ? err.retryAfterMs : null;
      const delay = hinted !== null ? Math.min(hinted, 15 * 60_000) : backoffDelay(attempt, policy);
      opts.onRetry?.(err, attempt + 1, delay);
      await sleep(delay, opts.signal);
    }
  }
}
