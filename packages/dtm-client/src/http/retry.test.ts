import { describe, expect, it } from 'vitest';
import { HttpError, backoffDelay, parseRetryAfter, withRetry } from './retry.ts';

const fast = { maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 5 };

describe('withRetry', () => {
  it('retries network errors, 5xx, 408 and 429, then succeeds', async () => {
    const failures = [new TypeError('fetch failed'), new HttpError(503, 'x', null), new HttpError(429, 'x', null, 1)];
    let calls = 0;
    const result = await withRetry(async () => {
      const f = failures[calls++];
      if (f) throw f;
      return 'ok';
    }, { policy: fast });
    expect(result).toBe('ok');
    expect(calls).toBe(4);
  });

  it.each([400, 401, 403, 404, 409, 422])('never retries %i', async (status) => {
    let calls = 0;
    await expect(withRetry(async () => {
      calls++;
      throw new HttpError(status, 'no', null);
    }, { policy: fast })).rejects.toMatchObject({ status });
    expect(calls).toBe(1);
  });

  it('never retries an error that is not a network failure or a retryable status', async () => {
    let calls = 0;
    await expect(withRetry(async () => {
      calls++;
      throw new Error('a bug, or a refusal such as a changed epoch');
    }, { policy: fast })).rejects.toThrow('a bug');
    expect(calls).toBe(1);
  });

  it('retries undici socket errors and connection refusals', async () => {
    const errs = [Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }), Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })];
    let calls = 0;
    expect(await withRetry(async () => {
      const e = errs[calls++];
      if (e) throw e;
      return 'ok';
    }, { policy: fast })).toBe('ok');
  });

  it('gives up after maxAttempts', async () => {
    let calls = 0;
    await expect(withRetry(async () => {
      calls++;
      throw new HttpError(500, 'down', null);
    }, { policy: fast })).rejects.toMatchObject({ status: 500 });
    expect(calls).toBe(4);
  });

  it('honours Retry-After over its own backoff', async () => {
    const delays: number[] = [];
    let calls = 0;
    await withRetry(async () => {
      if (calls++ === 0) throw new HttpError(429, 'slow down', null, 1200);
      return 1;
    }, { policy: fast, onRetry: (_e, _a, d) => delays.push(d) }).catch(() => undefined);
    expect(delays).toEqual([1200]);
  }, 5000);

  it('stops waiting when aborted', async () => {
    const ac = new AbortController();
    const p = withRetry(async () => {
      throw new HttpError(503, 'x', null, 60_000);
    }, { policy: fast, signal: ac.signal });
    setTimeout(() => ac.abort(new Error('stop')), 20);
    await expect(p).rejects.toThrow('stop');
  });
});

describe('parseRetryAfter and backoff', () => {
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('120')).toBe(120_000);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:10 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'))).toBe(10_000);
    expect(parseRetryAfter('soon')).toBeNull();
  });
  it('full jitter stays within the capped exponential', () => {
    const p = { maxAttempts: 10, baseDelayMs: 100, maxDelayMs: 1000 };
    expect(backoffDelay(0, p, () => 0.999)).toBe(99);
    expect(backoffDelay(5, p, () => 0.999)).toBe(999);
    expect(backoffDelay(3, p, () => 0)).toBe(0);
  });
});
