// Runs the selected checks one after another against one DTM and gathers the report. A check that
// throws fails with the error as its reason; one that needs publisher credentials it was not given
// is skipped and says so.
import { readFileSync } from 'node:fs';
import { CheckContext, FeedError, TokenError, type RunOptions } from './context.ts';
import { NoResponseError } from './http.ts';
import { selectChecks } from './registry.ts';
import { NEEDS_PUBLISHER, type CheckResult, type Outcome, type Report, type Status, type Check } from './types.ts';

export const KIT = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { name: string; version: string };

export interface RunHooks {
  onStart?(check: Check): void;
  onResult?(result: CheckResult): void;
}

function fromError(err: unknown): Outcome {
  const e = err as Error;
  const exchange = err instanceof NoResponseError || err instanceof FeedError || err instanceof TokenError ? err.exchange : undefined;
  return { status: 'fail', reason: `could not complete: ${(e?.message ?? String(err)).slice(0, 300)}`, ...(exchange && exchange > 0 ? { exchange } : {}) };
}

export async function runConformance(opts: RunOptions, hooks: RunHooks = {}): Promise<Report> {
  const { checks, groups } = selectChecks(opts.only);
  const ctx = new CheckContext(opts, groups);
  const startedAt = new Date().toISOString();
  const results: CheckResult[] = [];
  try {
    // The practice's status before the kit writes anything (freshness is judged on it).
    try {
      const r = await ctx.fetchStatus(ctx.consumer, { label: 'status before the run' });
      ctx.initialStatus = { status: r.status, exchange: r.res.exchange };
    } catch {
      // No token or no answer: the checks themselves will say so.
    }
    for (const check of checks) {
      hooks.onStart?.(check);
      ctx.http.currentCheck = check.id;
      const firstEvidence = ctx.http.exchanges.length;
      const t0 = Date.now();
      let outcome: Outcome;
      if (check.needsPublisher && !ctx.publisher) outcome = { status: 'skip', reason: NEEDS_PUBLISHER };
      else {
        try {
          outcome = await check.run(ctx);
        } catch (err) {
          outcome = fromError(err);
        }
      }
      const own = ctx.http.exchanges.slice(firstEvidence).filter((x) => x.checkId === check.id);
      const shown = outcome.exchange !== undefined && outcome.exchange > 0 ? ctx.http.exchanges[outcome.exchange - 1] : own[own.length - 1];
      const result: CheckResult = {
        id: check.id,
        title: check.title,
        group: check.group,
        requirement: check.requirement,
        status: outcome.status,
        reason: outcome.reason,
        ms: Date.now() - t0,
        exchange: outcome.status === 'skip' && outcome.exchange === undefined ? null : (shown ?? null),
        exchangeIds: own.map((x) => x.id),
        details: outcome.details ?? [],
        metrics: outcome.metrics ?? {},
      };
      results.push(result);
      hooks.onResult?.(result);
    }
  } finally {
    await ctx.close();
  }
  const totals: Record<Status, number> = { pass: 0, fail: 0, warn: 0, skip: 0 };
  for (const r of results) totals[r.status]++;
  return {
    kit: { name: KIT.name, version: KIT.version },
    target: {
      baseUrl: ctx.http.baseUrl,
      practice: opts.practice,
      clientId: opts.consumer.clientId,
      publisherClientId: opts.publisher?.clientId ?? null,
      rateClientId: opts.rate?.clientId ?? null,
      otherPractice: opts.otherPractice ?? null,
    },
    selection: { groups: [...groups], durationSeconds: opts.durationSeconds ?? 10, sample: opts.sample ?? null, cutover: opts.cutover ?? false },
    startedAt,
    finishedAt: new Date().toISOString(),
    totals,
    results,
    exchanges: ctx.http.exchanges,
    timings: ctx.http.timings,
  };
}

/** Exit code of a run: 1 when any check failed. */
export const exitCodeOf = (r: Report): number => (r.totals.fail > 0 ? 1 : 0);
