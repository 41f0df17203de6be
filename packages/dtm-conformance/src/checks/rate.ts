// Agreed retrieval terms: past them the DTM answers 429 with Retry-After in whole seconds, so a Target
// supplier's client can back off correctly. Runs last: it may use up the client's terms for a while.
import type { HttpResponse } from '../http.ts';
import { fail, pass, warn, type Check } from '../types.ts';

/** Requests sent at most, in waves of this many at once. */
export const RATE_CAP = 200;
const WAVE = 10;

export const retryAfter: Check = {
  id: 'rate.retry-after',
  title: 'Past the agreed terms: 429 with Retry-After in integer seconds',
  group: 'rate',
  requirement:
    'Roadmap item: "Multiple retrievals within a 24 hour window should be agreed with the SSS beforehand"; OpenAPI TooManyRequests: ' +
    'Retry-After "Seconds to wait" (integer, minimum 1); RFC 9110 §10.2.3 and RFC 6585 §4.',
  async run(ctx) {
    const cred = ctx.rateClient ?? ctx.consumer;
    const token = await ctx.token(cred);
    const path = `${ctx.practicePath}/changes`;
    let sent = 0;
    let limited: HttpResponse | null = null;
    let firstExchange: number | undefined;
    while (!limited && sent < RATE_CAP) {
      const n = Math.min(WAVE, RATE_CAP - sent);
      const wave = await Promise.all(Array.from({ length: n }, (_, i) =>
        ctx.http.request('GET', path, { bearer: token, query: { limit: 1 }, record: sent + i === 0, label: 'rapid requests', timeoutMs: 15_000 })));
      sent += n;
      firstExchange ??= wave[0]?.exchange;
      const refused = wave.find((r) => r.status === 429);
      const odd = wave.find((r) => r.status !== 429 && r.status !== 200);
      if (odd && !refused) return fail(`rapid requests were answered ${odd.status} (expected 200 or 429)`, { exchange: firstExchange });
      if (refused) limited = refused;
    }
    const who = ctx.rateClient ? `the rate client (${cred.clientId})` : `the consumer (${cred.clientId})`;
    if (!limited) {
      return warn(`no limit observed within ${sent} requests by ${who}; give --rate-client-id/--rate-key for a consumer with tight agreed terms`, { exchange: firstExchange, metrics: { requests: sent } });
    }
    // Keep the refusal itself as evidence.
    const again = await ctx.http.request('GET', path, { bearer: token, query: { limit: 1 }, label: 'past the terms' });
    const shown = again.status === 429 ? again : limited;
    const ra = shown.headers['retry-after'];
    const metrics = { requests: sent, retryAfter: ra ?? null };
    const exchange = shown.exchange > 0 ? shown.exchange : again.exchange;
    if (ra === undefined) return fail(`429 within ${sent} requests but no Retry-After header`, { exchange, metrics });
    if (!/^\d+$/.test(ra.trim())) {
      const kind = Number.isNaN(Date.parse(ra)) ? 'not a number of seconds' : 'an HTTP date, not integer seconds';
      return fail(`429 within ${sent} requests, but Retry-After "${ra.slice(0, 40)}" is ${kind}`, { exchange, metrics });
    }
    if (Number(ra) < 1) return fail(`429 with Retry-After ${ra}: the contract wants at least 1 second`, { exchange, metrics });
    return pass(`${who} got 429 within ${sent} rapid requests, with Retry-After ${ra} s`, { exchange, metrics });
  },
};

export const RATE_CHECKS: Check[] = [retryAfter];
