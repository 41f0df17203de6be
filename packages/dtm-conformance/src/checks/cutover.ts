// Weekend cutover (optional): only when the DTM's own contract declares the migration routes, the kit
// has publisher credentials and --cutover was given. On the TEST practice the kit registers a
// migration to its consumer, walks it to the freeze, checks that ingest is refused and nothing follows
// the final watermark, proves completeness with the digest (a wrong one refused, the right one
// accepted), then aborts it (the rollback) so the practice publishes again.
import { DigestAccumulator, type Digest } from '@dtm/shared';
import type { CheckContext, Credential } from '../context.ts';
import type { HttpResponse } from '../http.ts';
import { MIGRATION_PATH } from '../openapi-scan.ts';
import { NEEDS_PUBLISHER, fail, pass, skip, type Check, type Outcome } from '../types.ts';

const REQ_WEEKEND = 'Roadmap item: "The mechanism provided by the SSS will enable the migrating Practice to conduct a weekend cutover (5pm Friday start, Target Solution operational for 8am the following Monday)".';

interface CutoverState {
  registered: boolean;
  frozen: boolean;
  finalWatermark: string | null;
}

const stateOf = (ctx: CheckContext) => ctx.state.get('cutover') as CutoverState | undefined;

/** Why a cutover check does not run, or null when it does. */
async function notApplicable(ctx: CheckContext): Promise<Outcome | null> {
  if (!ctx.publisher) return skip(NEEDS_PUBLISHER);
  const { spec } = await ctx.openApi();
  if (!spec?.paths.has(MIGRATION_PATH)) return skip(`not in this DTM's contract (its OpenAPI document has no ${MIGRATION_PATH})`);
  if (!ctx.opts.cutover) return skip('not requested: add --cutover to run it (it freezes the test practice, then aborts the migration)');
  return null;
}

/** 17:00 Europe/London on the first Friday at least 15 days ahead (the readiness deadline is 14 days before). */
export function nextCutoverStart(now = new Date()): string {
  const london = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  for (let d = 15; d < 30; d++) {
    const ymd = new Date(now.getTime() + d * 86_400_000).toISOString().slice(0, 10);
    for (const utcHour of ['16', '17']) {
      const t = new Date(`${ymd}T${utcHour}:00:00Z`);
      const p = Object.fromEntries(london.formatToParts(t).map((x) => [x.type, x.value]));
      if (p.weekday === 'Fri' && p.hour === '17' && p.minute === '00') return t.toISOString();
    }
  }
  throw new Error('no Friday found');
}

const migrationPath = (ctx: CheckContext) => `${ctx.practicePath}/migration`;

async function move(ctx: CheckContext, cred: Credential, to: string, extra: Record<string, unknown> = {}): Promise<HttpResponse> {
  return ctx.api(cred, 'POST', `${migrationPath(ctx)}/transitions`, { body: { to, note: `dtm-conformance ${ctx.runId}`, ...extra }, label: `to ${to}` });
}

const stateIn = (res: HttpResponse): string | undefined => (res.json as { state?: string } | undefined)?.state;

export const lifecycle: Check = {
  id: 'cutover.lifecycle',
  title: 'A migration registers for 17:00 Friday and moves through readiness and cutover to the freeze',
  group: 'cutover',
  requirement: `${REQ_WEEKEND} "The TSS will validate that they are satisfied with the data ... This will be confirmed in writing a minimum of 2 weeks prior to the cutover date".`,
  needsPublisher: true,
  async run(ctx) {
    const na = await notApplicable(ctx);
    if (na) return na;
    const existing = await ctx.api(ctx.consumer, 'GET', migrationPath(ctx), { label: 'current migration' });
    const was = stateIn(existing);
    if (existing.status === 200 && was && was !== 'accepted' && was !== 'aborted') {
      return skip(`the test practice already has a live migration (${was}); abort it before running --cutover`, { exchange: existing.exchange });
    }
    const start = nextCutoverStart();
    const reg = await ctx.api(ctx.publisher!, 'PUT', `${ctx.ingestPath}/migration`, { body: { targetClientId: ctx.consumer.clientId, plannedCutoverStart: start }, label: 'register' });
    if (reg.status !== 201 && reg.status !== 200) return fail(`registering a migration for ${start} answered ${reg.status}`, { exchange: reg.exchange });
    const st: CutoverState = { registered: true, frozen: false, finalWatermark: null };
    ctx.state.set('cutover', st);
    // The Target's first feed read may have moved it to syncing already.
    const now = await ctx.api(ctx.consumer, 'GET', migrationPath(ctx), { label: 'after registering' });
    const steps: [Credential, string][] = [[ctx.publisher!, 'cutover-started'], [ctx.publisher!, 'source-frozen']];
    if (stateIn(now) === 'registered') steps.unshift([ctx.consumer, 'syncing'], [ctx.consumer, 'readiness-confirmed']);
    else if (stateIn(now) === 'syncing') steps.unshift([ctx.consumer, 'readiness-confirmed']);
    else return fail(`a newly registered migration reads back as ${stateIn(now) ?? now.status}`, { exchange: now.exchange });
    let last = now;
    for (const [cred, to] of steps) {
      last = await move(ctx, cred, to);
      if (last.status !== 200 || stateIn(last) !== to) return fail(`the ${cred.role}'s move to ${to} answered ${last.status}${stateIn(last) ? ` (state ${stateIn(last)})` : ''}`, { exchange: last.exchange });
    }
    const m = last.json as { finalWatermark?: unknown; frozenAt?: unknown };
    if (typeof m.frozenAt !== 'string') return fail('frozen, but frozenAt is not set', { exchange: last.exchange });
    st.frozen = true;
    st.finalWatermark = typeof m.finalWatermark === 'string' ? m.finalWatermark : null;
    return pass(`registered for ${start} (Friday 17:00 London); ${steps.map((s) => s[1]).join(' → ')}; finalWatermark ${st.finalWatermark ? 'fixed' : 'null (empty feed)'}`, { exchange: last.exchange });
  },
};

export const frozen: Check = {
  id: 'cutover.frozen',
  title: 'Once frozen, ingest is refused and nothing follows the final watermark',
  group: 'cutover',
  requirement: `${REQ_WEEKEND} OpenAPI transitionMigration: "From then on ingest for the practice is refused (409, urn:dtm:problem:practice-frozen); reads continue".`,
  needsPublisher: true,
  async run(ctx) {
    const na = await notApplicable(ctx);
    if (na) return na;
    const st = stateOf(ctx);
    if (!st?.frozen) return skip('the migration did not reach source-frozen (see cutover.lifecycle)');
    const w = await ctx.publish([{ op: 'upsert', resource: ctx.probeResource(ctx.probeId('frozen'), 1) }], { label: 'ingest while frozen' });
    if (w.status >= 200 && w.status < 300) return fail('the DTM accepted a change after the freeze', { exchange: w.exchange });
    if (w.status !== 409) return fail(`ingest while frozen answered ${w.status}, not 409`, { exchange: w.exchange });
    const { res, page } = await ctx.page(ctx.consumer, { since: st.finalWatermark, limit: 10 }, { label: 'after the final watermark' });
    if (!page) return fail(`reading after the final watermark answered ${res.status}`, { exchange: res.exchange });
    if (page.changes.length || !page.upToDate) return fail(`${page.changes.length} change(s) follow the final watermark`, { exchange: res.exchange });
    return pass(`ingest refused with 409 while frozen; reads continue and nothing follows the final watermark`, { exchange: w.exchange });
  },
};

export const digest: Check = {
  id: 'cutover.digest',
  title: 'Proof of completeness: a wrong digest is refused, the reader\'s own digest completes the cutover',
  group: 'cutover',
  requirement: `${REQ_WEEKEND} OpenAPI transitionMigration: "to: target-complete needs digest ... Any difference is refused with 409 (urn:dtm:problem:digest-mismatch)"; roadmap item: no need for "a large final data extract".`,
  needsPublisher: true,
  async run(ctx) {
    const na = await notApplicable(ctx);
    if (na) return na;
    const st = stateOf(ctx);
    if (!st?.frozen) return skip('the migration did not reach source-frozen (see cutover.lifecycle)');
    // Read everything, as a Target would, keeping each resource's last version and whether deleted.
    const latest = new Map<string, { type: string; id: string; versionId: string; deleted: boolean }>();
    const read = await ctx.readToEnd(null, {
      record: false,
      onChange: (c) => latest.set(`${String(c.resourceType)}/${String(c.id)}`, { type: String(c.resourceType), id: String(c.id), versionId: String(c.versionId), deleted: c.op === 'delete' }),
    });
    const acc = new DigestAccumulator();
    for (const e of latest.values()) acc.add(e.type, e.id, e.versionId, e.deleted);
    const mine: Digest = acc.toDigest(read.cursor);
    const first = mine.types[0];
    if (first) {
      const wrong: Digest = { ...mine, types: mine.types.map((t, i) => (i === 0 ? { ...t, live: t.live + 1, digest: (t.digest[0] === '0' ? '1' : '0') + t.digest.slice(1) } : t)) };
      const refused = await move(ctx, ctx.consumer, 'target-complete', { digest: wrong });
      const type = (refused.json as { type?: string } | undefined)?.type;
      if (refused.status !== 409) return fail(`a digest that differs in ${first.resourceType} was answered ${refused.status}, not 409`, { exchange: refused.exchange });
      if (type !== 'urn:dtm:problem:digest-mismatch') return fail(`a wrong digest was refused as ${type ?? 'unknown'}, not urn:dtm:problem:digest-mismatch`, { exchange: refused.exchange });
    }
    const done = await move(ctx, ctx.consumer, 'target-complete', { digest: mine });
    if (done.status !== 200 || stateIn(done) !== 'target-complete') {
      return fail(`the reader's digest of ${acc.size} resources and tombstones was refused: ${done.status}`, { exchange: done.exchange, details: [`total live ${mine.total.live}, deleted ${mine.total.deleted}`] });
    }
    return pass(`a digest differing in one type refused (409 digest-mismatch); the digest of the ${mine.total.live} live resources and ${mine.total.deleted} tombstones read from the feed matched: target-complete`, { exchange: done.exchange });
  },
};

export const rollback: Check = {
  id: 'cutover.rollback',
  title: 'Aborting the migration (rollback) unfreezes the practice',
  group: 'cutover',
  requirement: 'OpenAPI getMigration: aborted from "any state before accepted", "(rollback: the Source stays primary; ingest works again)"; CSMP Step 13: until the Migration Acceptance Notice the Service Recipient may abort and revert to the Source Solution.',
  needsPublisher: true,
  async run(ctx) {
    const na = await notApplicable(ctx);
    if (na) return na;
    if (!stateOf(ctx)?.registered) return skip('the kit registered no migration (see cutover.lifecycle)');
    const res = await move(ctx, ctx.publisher!, 'aborted');
    if (res.status !== 200 || stateIn(res) !== 'aborted') return fail(`aborting answered ${res.status}`, { exchange: res.exchange });
    const id = ctx.probeId('after-abort');
    const w = await ctx.publish([{ op: 'upsert', resource: ctx.probeResource(id, 1) }], { label: 'ingest after the abort' });
    if (w.status !== 200 && w.status !== 201) return fail(`after the abort, ingest still answered ${w.status}`, { exchange: w.exchange });
    await ctx.publish([{ op: 'delete', resourceType: 'List', id }], { label: 'clean up' });
    return pass('aborted; the practice publishes again', { exchange: w.exchange });
  },
};

export const CUTOVER_CHECKS: Check[] = [lifecycle, frozen, digest, rollback];
