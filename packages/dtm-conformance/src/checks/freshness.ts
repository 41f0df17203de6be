// Freshness and availability: the roadmap item's 12-hour and 6-hour rules as the DTM reports them,
// "last updated" that moves when data changes, and the DTM answering throughout a probe window.
import { AVAILABILITY_LIMIT_SECONDS, STALENESS_LIMIT_SECONDS } from '@dtm/shared';
import { deleteItem, upsertItem, type WireStatus } from '../context.ts';
import { percentile } from '../stats.ts';
import { fail, pass, type Check } from '../types.ts';

const hours = (s: number) => `${(s / 3600).toFixed(1)} h`;

export const sourceAsOf: Check = {
  id: 'freshness.source-as-of',
  title: 'sourceAsOf is within 12 hours (staleness.withinLimit)',
  group: 'freshness',
  requirement: 'Roadmap item: "Data provided via the DTM will be no more than 12 hours behind the data within the live Source Solution".',
  async run(ctx) {
    // The status before the kit wrote anything: the kit's own writes never make the practice fresher.
    const initial: { status: WireStatus | null; exchange: number } = ctx.initialStatus ?? (await ctx.fetchStatus(ctx.consumer).then((r) => ({ status: r.status, exchange: r.res.exchange })));
    const st = initial.status;
    const exchange = initial.exchange;
    if (!st) return fail('the practice status could not be read', { exchange });
    const asOf = st.watermark?.sourceAsOf;
    if (!asOf) return fail('watermark.sourceAsOf is null: the DTM cannot say how current it is', { exchange });
    const t = Date.parse(asOf);
    if (Number.isNaN(t)) return fail('watermark.sourceAsOf is not a date-time', { exchange });
    const serverNow = Date.parse(st.watermark?.serverTime ?? '') || Date.now();
    const age = Math.max(0, (serverNow - t) / 1000);
    const metrics = { sourceAsOf: asOf, ageSeconds: Math.round(age), limitSeconds: STALENESS_LIMIT_SECONDS };
    if (age > STALENESS_LIMIT_SECONDS) return fail(`sourceAsOf is ${hours(age)} old, more than 12 h behind the live source`, { exchange, metrics });
    if (st.staleness?.withinLimit !== true) return fail(`sourceAsOf is ${hours(age)} old but staleness.withinLimit is ${String(st.staleness?.withinLimit)}`, { exchange, metrics });
    return pass(`sourceAsOf is ${hours(age)} old (limit 12 h); staleness.withinLimit true`, { exchange, metrics });
  },
};

export const lastUpdated: Check = {
  id: 'freshness.last-updated',
  title: 'lastUpdatedAt is reported, and moves when data changes',
  group: 'freshness',
  requirement: 'Roadmap item: "There will be a mechanism for the SSS to be able to understand when the data within the DTM was last updated"; "The TSS will have a mechanism by which they can understand when the data in the DTM was last updated".',
  async run(ctx) {
    const before = await ctx.fetchStatus(ctx.consumer, { label: 'before' });
    const was = before.status?.watermark?.lastUpdatedAt;
    if (!before.status) return fail(`GET status answered ${before.res.status}`, { exchange: before.res.exchange });
    if (!was || Number.isNaN(Date.parse(was))) return fail('watermark.lastUpdatedAt is missing', { exchange: before.res.exchange });
    if (!ctx.publisher) return pass(`lastUpdatedAt ${was} (that it moves was not tested: needs publisher credentials)`, { exchange: before.res.exchange });
    await new Promise((r) => setTimeout(r, 20));
    const id = ctx.probeId('fresh');
    const w = await ctx.publish([upsertItem(ctx.probeResource(id, 1))], { label: 'change data' });
    if (w.status !== 200 && w.status !== 201) return fail(`publishing the probe answered ${w.status}`, { exchange: w.exchange });
    const after = await ctx.fetchStatus(ctx.consumer, { label: 'after' });
    await ctx.publish([deleteItem('List', id)], { label: 'clean up' });
    const now = after.status?.watermark?.lastUpdatedAt;
    if (!now || !(Date.parse(now) > Date.parse(was))) return fail(`data changed but lastUpdatedAt did not move (${was} → ${now ?? 'missing'})`, { exchange: after.res.exchange });
    return pass(`lastUpdatedAt moved from ${was} to ${now} when the kit changed data`, { exchange: after.res.exchange });
  },
};

export const availability6h: Check = {
  id: 'freshness.availability-6h',
  title: 'No change took more than 6 hours to become available (status availability figure)',
  group: 'freshness',
  requirement: 'Roadmap item: "The SSS will ensure that it takes no longer than 6 hours at any stage for all updated data ... to be available to be consumed by the Target Solution".',
  async run(ctx) {
    const { status: st, res } = await ctx.fetchStatus(ctx.consumer, { label: 'availability' });
    const a: WireStatus['availability'] = st?.availability;
    if (!a || typeof a.changesOverLimit !== 'number') return fail('status has no availability figure (availability.changesOverLimit)', { exchange: res.exchange });
    const metrics = { changesMeasured: a.changesMeasured ?? null, changesOverLimit: a.changesOverLimit, maxDelaySeconds: a.maxDelaySeconds ?? null, limitSeconds: AVAILABILITY_LIMIT_SECONDS };
    const max = typeof a.maxDelaySeconds === 'number' ? `; longest ${hours(a.maxDelaySeconds)}` : '';
    if (a.changesOverLimit !== 0) return fail(`${a.changesOverLimit} of ${a.changesMeasured ?? '?'} changes took more than 6 h to become available${max}`, { exchange: res.exchange, metrics });
    return pass(`0 of ${a.changesMeasured ?? '?'} measured changes over 6 h${max}`, { exchange: res.exchange, metrics });
  },
};

export const availabilityProbe: Check = {
  id: 'freshness.availability-probe',
  title: 'The DTM answers throughout the probe window (at least 99%), with latency percentiles',
  group: 'freshness',
  requirement: 'Roadmap item: "The DTM will be accessible to the TSS 24 hours per day for the duration of migration process".',
  async run(ctx) {
    const durationMs = (ctx.opts.durationSeconds ?? 10) * 1000;
    const interval = Math.max(250, Math.min(1000, durationMs / 20));
    const end = Date.now() + durationMs;
    const ms: number[] = [];
    let ok = 0;
    let total = 0;
    const failures: string[] = [];
    let first: number | undefined;
    const token = await ctx.token(ctx.consumer);
    let round = 0;
    do {
      const started = Date.now();
      const record = round++ === 0;
      const samples = await Promise.all([
        ctx.http.request('GET', '/health/live', { record, kind: 'probe', timeoutMs: 10_000, label: 'probe' }).catch((e: Error) => e),
        ctx.http.request('GET', `${ctx.practicePath}/status`, { bearer: await ctx.token(ctx.consumer).catch(() => token), record, kind: 'probe', timeoutMs: 10_000, label: 'probe' }).catch((e: Error) => e),
      ]);
      for (const [i, s] of samples.entries()) {
        total++;
        const what = i === 0 ? 'GET /health/live' : 'GET status';
        if (s instanceof Error) {
          if (failures.length < 20) failures.push(`${new Date(started).toISOString()} ${what}: ${s.message}`);
          continue;
        }
        first ??= s.exchange;
        ms.push(s.ms);
        if (s.status === 200) ok++;
        else if (failures.length < 20) failures.push(`${new Date(started).toISOString()} ${what} → ${s.status}`);
      }
      const wait = Math.min(interval - (Date.now() - started), end - Date.now());
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    } while (Date.now() < end);
    const pct = total ? (100 * ok) / total : 0;
    const metrics = {
      samples: total, ok, availabilityPercent: Number(pct.toFixed(2)),
      p50Ms: percentile(ms, 50), p95Ms: percentile(ms, 95), p99Ms: percentile(ms, 99), maxMs: ms.length ? Math.max(...ms) : null,
      durationSeconds: durationMs / 1000,
    };
    const figures = `${ok}/${total} answered 200 (${pct.toFixed(2)}%) over ${durationMs / 1000} s; p50 ${metrics.p50Ms} ms, p95 ${metrics.p95Ms} ms, p99 ${metrics.p99Ms} ms`;
    if (pct < 99) return fail(`${figures}: below 99%`, { exchange: first, metrics, details: failures });
    return pass(figures, { exchange: first, metrics, details: failures });
  },
};

export const FRESHNESS_CHECKS: Check[] = [sourceAsOf, lastUpdated, availability6h, availabilityProbe];
