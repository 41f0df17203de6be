// The change feed, read as a Target supplier reads it: the initial extract to upToDate, opaque and
// stable cursors, a compacted log with no duplicates, request bounds, long-polling and tombstones.
import { FEED_LIMITS } from '@dtm/shared';
import { FeedError, changeShapeProblems, deleteItem, keyOf, upsertItem, versionNumber, type CheckContext, type WireChange } from '../context.ts';
import { fail, pass, skip, warn, type Check } from '../types.ts';

const OPENAPI_FEED = 'OpenAPI getChanges';

// ---- a second full read with small pages, shared by the duplicate and cursor checks ----

interface SmallRead {
  ok: boolean;
  error?: string;
  exchange?: number;
  limit: number;
  ordered: { key: string; versionId: string; op: string }[];
  /** After page n: the cursor and how many changes had been read. */
  pageEnds: { cursor: string; read: number }[];
  firstPageCursors: string[];
  dupWithin: string[];
  dupAcross: string[];
  dupCount: number;
}

/** Reads the whole feed again in about 50 small pages, keeping ids, versions and page cursors. */
async function smallPageRead(ctx: CheckContext): Promise<SmallRead> {
  const memo = ctx.state.get('feed.small-read') as Promise<SmallRead> | undefined;
  if (memo) return memo;
  const p = (async () => {
    const e = await ctx.extract();
    const limit = Math.min(FEED_LIMITS.maxLimit, Math.max(2, Math.ceil(e.changes / 50)));
    const r: SmallRead = { ok: true, limit, ordered: [], pageEnds: [], firstPageCursors: [], dupWithin: [], dupAcross: [], dupCount: 0 };
    const seen = new Map<string, number>();
    let cursor: string | null = null;
    for (let pageNo = 1; ; pageNo++) {
      const { res, page } = await ctx.page(ctx.consumer, { since: cursor, limit }, { label: `small pages (limit ${limit})` });
      if (!page) return { ...r, ok: false, error: `GET changes answered ${res.status}`, exchange: res.exchange };
      const inPage = new Set<string>();
      for (const c of page.changes) {
        const key = keyOf(c);
        if (inPage.has(key)) {
          r.dupCount++;
          if (r.dupWithin.length < 10) r.dupWithin.push(`${key} twice in page ${pageNo}`);
        } else if (seen.has(key)) {
          r.dupCount++;
          if (r.dupAcross.length < 10) r.dupAcross.push(`${key} in pages ${seen.get(key)} and ${pageNo}`);
        }
        inPage.add(key);
        seen.set(key, pageNo);
        r.ordered.push({ key, versionId: String(c.versionId), op: String(c.op) });
        if (pageNo === 1 && typeof c.cursor === 'string') r.firstPageCursors.push(c.cursor);
      }
      const next: string | null = page.nextCursor ?? cursor;
      if (next) r.pageEnds.push({ cursor: next, read: r.ordered.length });
      if (page.upToDate) return r;
      if (next === cursor) return { ...r, ok: false, error: 'not up to date but nextCursor did not move', exchange: res.exchange };
      if (pageNo > 5000) return { ...r, ok: false, error: 'still not up to date after 5000 pages', exchange: res.exchange };
      cursor = next;
    }
  })();
  ctx.state.set('feed.small-read', p);
  return p;
}

export const initialExtract: Check = {
  id: 'feed.initial-extract',
  title: 'The initial extract reads from no cursor to upToDate, and matches the status counts',
  group: 'feed',
  requirement:
    'Roadmap item, Assurance Milestone 1: "Complete an initial extract of Live Patient data ... using their API interface or Data Transfer Mechanism (DTM)"; ' +
    'OpenAPI getChanges: "Follow nextCursor until upToDate is true".',
  async run(ctx) {
    const e = await ctx.extract();
    if (!e.ok) return fail(`the initial extract stopped after ${e.pages} page(s): ${e.error ?? 'unknown error'}`, { exchange: e.errorExchange });
    const metrics = { pages: e.pages, changes: e.changes, upserts: e.upserts, tombstones: e.deletes, ms: e.ms };
    const summary = `${e.changes} changes (${e.upserts} upserts, ${e.deletes} tombstones) in ${e.pages} page(s), ${e.ms} ms, to upToDate`;
    // Each resource's latest state, by type, against the counts /status reports.
    const st = await ctx.fetchStatus(ctx.consumer, { label: 'counts' });
    if (!st.status?.counts) return warn(`${summary}; /status has no counts to compare with`, { metrics });
    const live = new Map<string, number>();
    const deleted = new Map<string, number>();
    for (const [key, v] of e.latest) {
      const type = key.slice(0, key.indexOf('/'));
      const m = v.op === 'delete' ? deleted : live;
      m.set(type, (m.get(type) ?? 0) + 1);
    }
    const diffs: string[] = [];
    for (const c of st.status.counts) {
      if ((live.get(c.resourceType) ?? 0) !== c.live) diffs.push(`${c.resourceType}: status ${c.live} live, extract ${live.get(c.resourceType) ?? 0}`);
      live.delete(c.resourceType);
    }
    for (const [type, n] of live) if (n > 0) diffs.push(`${type}: status none, extract ${n} live`);
    if (diffs.length) {
      return warn(`${summary}, but the live counts differ from /status (writes during the read?): ${diffs.slice(0, 5).join('; ')}`, { metrics, details: diffs });
    }
    return pass(`${summary}; live counts per type equal /status`, { metrics });
  },
};

export const changeShape: Check = {
  id: 'feed.change-shape',
  title: 'Every change carries cursor, op, type, id, versionId, lastUpdated, availableAt; upserts their resource',
  group: 'feed',
  requirement:
    'OpenAPI schema Change (required: cursor, op, resourceType, id, versionId, lastUpdated, availableAt; resource on upserts, ' +
    'versionId "Equal to resource.meta.versionId on upserts"); roadmap item: availableAt gives the 6-hour figure.',
  async run(ctx) {
    const e = await ctx.extract();
    if (e.changes === 0) return e.ok ? skip('the feed is empty: no change to inspect') : fail(`the feed could not be read: ${e.error ?? ''}`);
    if (e.shapeProblems.count) {
      return fail(`${e.shapeProblems.count} problem(s) in ${e.changes} changes, e.g. ${e.shapeProblems.examples[0]}`, { details: e.shapeProblems.examples });
    }
    return pass(`all ${e.changes} changes have the contract's fields; upserts carry their resource with matching type, id and version`);
  },
};

export const noDuplicates: Check = {
  id: 'feed.no-duplicates',
  title: 'No resource appears twice in a page or across one full read (compacted log)',
  group: 'feed',
  requirement:
    'OpenAPI (Model): "The feed is a compacted log ... a reader sees the latest version of each changed resource once"; ' +
    'roadmap item: "no need to do a large final data extract" (the feed alone must be exact).',
  async run(ctx) {
    const e = await ctx.extract();
    const small = await smallPageRead(ctx);
    const examples = [
      ...e.duplicatesWithinPage.examples.map((x) => `within a page: ${x}`),
      ...e.duplicatesAcrossPages.examples.map((x) => `across pages: ${x}`),
      ...small.dupWithin.map((x) => `small pages: ${x}`),
      ...small.dupAcross.map((x) => `small pages: ${x}`),
    ];
    const count = e.duplicatesWithinPage.count + e.duplicatesAcrossPages.count + small.dupCount;
    if (count) return fail(`${count} duplicate(s) of a resource in one read, e.g. ${examples[0]}`, { details: examples.slice(0, 20) });
    if (!e.ok) return fail(`the feed could not be read to the end: ${e.error ?? ''}`, { exchange: e.errorExchange });
    if (!small.ok) return fail(`the small-page read stopped: ${small.error ?? ''}`, { exchange: small.exchange });
    return pass(`no duplicates in ${e.changes} changes (pages of ${ctx.opts.pageSize ?? FEED_LIMITS.defaultLimit}) nor in ${small.ordered.length} changes read ${small.limit} at a time`);
  },
};

export const cursorStable: Check = {
  id: 'feed.cursor-stable',
  title: 'Cursors are opaque and stable: reading again from a saved cursor returns the same resources, same or newer',
  group: 'feed',
  requirement:
    'OpenAPI getChanges: since is "An opaque cursor from a previous page\'s nextCursor or a change\'s cursor"; "reading from a cursor returns every change committed after it. ' +
    'No committed change is ever skipped".',
  async run(ctx) {
    const small = await smallPageRead(ctx);
    if (!small.ok) return fail(`the feed could not be read: ${small.error ?? ''}`, { exchange: small.exchange });
    if (small.ordered.length < 2) return skip('fewer than two changes in the feed: no cursor inside it to resume from');
    const starts: { cursor: string; from: number; what: string }[] = [];
    const mid = small.pageEnds[Math.floor((small.pageEnds.length - 1) / 2)];
    if (mid && mid.read < small.ordered.length) starts.push({ cursor: mid.cursor, from: mid.read, what: `a page's nextCursor (after ${mid.read} changes)` });
    const i = Math.floor((small.firstPageCursors.length - 1) / 2);
    const c = small.firstPageCursors[i];
    if (c && i + 1 < small.ordered.length) starts.push({ cursor: c, from: i + 1, what: `change ${i + 1}'s own cursor` });
    const opaque = [...small.pageEnds.map((p) => p.cursor), ...small.firstPageCursors].filter((x) => !/^[A-Za-z0-9_-]{1,200}$/.test(x));
    if (opaque.length) return fail(`${opaque.length} cursor(s) break the contract's Cursor pattern (base64url, at most 200 characters)`);
    for (const s of starts) {
      const got = new Map<string, number>();
      try {
        await ctx.readToEnd(s.cursor, { limit: small.limit, onChange: (ch: WireChange) => got.set(keyOf(ch), Math.max(got.get(keyOf(ch)) ?? 0, versionNumber(ch.versionId))) });
      } catch (err) {
        return fail(`re-reading from ${s.what} failed: ${(err as Error).message}`, { exchange: err instanceof FeedError ? err.exchange : undefined });
      }
      const expected = new Map<string, number>();
      for (const o of small.ordered.slice(s.from)) expected.set(o.key, Math.max(expected.get(o.key) ?? 0, versionNumber(o.versionId)));
      const missing: string[] = [];
      const older: string[] = [];
      for (const [key, v] of expected) {
        const g = got.get(key);
        if (g === undefined) missing.push(key);
        else if (g < v) older.push(`${key} v${g} < v${v}`);
      }
      if (missing.length) return fail(`re-reading from ${s.what} lost ${missing.length} of ${expected.size} resources, e.g. ${missing[0]}`, { details: missing.slice(0, 20) });
      if (older.length) return fail(`re-reading from ${s.what} returned older versions: ${older.slice(0, 3).join(', ')}`, { details: older.slice(0, 20) });
    }
    return pass(`re-read from ${starts.map((s) => s.what).join(' and from ')}: the same resources at the same or newer versions`);
  },
};

export const invalidCursor: Check = {
  id: 'feed.invalid-cursor',
  title: 'A cursor the DTM never issued is refused (400), never read from the start',
  group: 'feed',
  requirement: 'OpenAPI getChanges: 400 "The request is malformed"; 409 for a cursor from another epoch ("Resync from the beginning"), never a silent restart.',
  async run(ctx) {
    const cases: [string, string, number[]][] = [
      ['a cursor outside the contract pattern', 'not a cursor!', [400]],
      ['a well-formed cursor the DTM never issued', 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', [400, 409]],
      ['a random token', Buffer.from(ctx.runId.repeat(3)).toString('base64url'), [400, 409]],
    ];
    for (const [what, since, ok] of cases) {
      const { res } = await ctx.page(ctx.consumer, { since, limit: 1 }, { label: what });
      if (!ok.includes(res.status)) return fail(`${what} answered ${res.status}, not ${ok.join(' or ')}`, { exchange: res.exchange });
    }
    return pass('malformed and unknown cursors refused (400/409)');
  },
};

export const limitBounds: Check = {
  id: 'feed.limit-bounds',
  title: 'limit 0, limit over the maximum, a non-numeric limit and wait over 60 s are refused (400)',
  group: 'feed',
  requirement: `${OPENAPI_FEED}: limit "minimum: 1, maximum: ${FEED_LIMITS.maxLimit}", wait "maximum: ${FEED_LIMITS.maxWaitSeconds}"; 400 BadRequest.`,
  async run(ctx) {
    const cases: [string, Record<string, string | number>][] = [
      ['limit=0', { limit: 0 }],
      [`limit=${FEED_LIMITS.maxLimit + 1}`, { limit: FEED_LIMITS.maxLimit + 1 }],
      ['limit=abc', { limit: 'abc' }],
      [`wait=${FEED_LIMITS.maxWaitSeconds + 1}`, { wait: FEED_LIMITS.maxWaitSeconds + 1 }],
    ];
    for (const [what, query] of cases) {
      const res = await ctx.api(ctx.consumer, 'GET', `${ctx.practicePath}/changes`, { query, label: what, timeoutMs: 10_000 });
      if (res.status !== 400) return fail(`${what} answered ${res.status}, not 400`, { exchange: res.exchange });
    }
    return pass(`${cases.map((c) => c[0]).join(', ')}: all 400`);
  },
};

export const limitHonoured: Check = {
  id: 'feed.limit-honoured',
  title: 'A page never holds more than limit changes',
  group: 'feed',
  requirement: `${OPENAPI_FEED}: "at most limit of them"; keyset-paginated.`,
  async run(ctx) {
    const e = await ctx.extract();
    for (const limit of [1, 3]) {
      const { res, page } = await ctx.page(ctx.consumer, { limit }, { label: `limit ${limit}` });
      if (!page) return fail(`GET changes?limit=${limit} answered ${res.status}`, { exchange: res.exchange });
      if (page.changes.length > limit) return fail(`limit=${limit} returned ${page.changes.length} changes`, { exchange: res.exchange });
      if (page.changes.length === 0 && e.changes > 0) return fail(`limit=${limit} returned no change from a feed that has ${e.changes}`, { exchange: res.exchange });
      if (page.changes.length < limit && page.changes.length < e.changes && page.upToDate) {
        return fail(`limit=${limit} returned ${page.changes.length} change(s) and upToDate though more exist`, { exchange: res.exchange });
      }
    }
    return pass('limit=1 and limit=3 honoured');
  },
};

export const longPoll: Check = {
  id: 'feed.long-poll',
  title: 'When up to date, wait=2 answers within about 2 s',
  group: 'feed',
  requirement: `${OPENAPI_FEED}: "keep polling with wait to long-poll: the server answers as soon as a change commits, or with an empty page after wait seconds".`,
  async run(ctx) {
    let cursor: string | null;
    try {
      cursor = await ctx.endCursor();
    } catch (err) {
      return fail(`could not read to the end of the feed: ${(err as Error).message}`, { exchange: err instanceof FeedError ? err.exchange : undefined });
    }
    const { res, page } = await ctx.page(ctx.consumer, { since: cursor, wait: 2 }, { label: 'long-poll wait=2' });
    const metrics = { ms: res.ms };
    if (!page) return fail(`GET changes?wait=2 answered ${res.status}`, { exchange: res.exchange, metrics });
    if (res.ms > 2000 + 3000) return fail(`wait=2 answered after ${res.ms} ms (more than 2 s + 3 s margin)`, { exchange: res.exchange, metrics });
    if (page.changes.length) return pass(`answered in ${res.ms} ms with ${page.changes.length} new change(s)`, { exchange: res.exchange, metrics });
    if (cursor && page.nextCursor !== cursor) return warn(`empty page after ${res.ms} ms, but its nextCursor is not the request's since (OpenAPI ChangePage.nextCursor)`, { exchange: res.exchange, metrics });
    if (res.ms < 1500) return warn(`answered an empty page in ${res.ms} ms: the request was not held`, { exchange: res.exchange, metrics });
    return pass(`held and answered an empty page in ${res.ms} ms`, { exchange: res.exchange, metrics });
  },
};

export const tombstones: Check = {
  id: 'feed.tombstones',
  title: 'Deletes arrive as tombstones (op delete, versionId, no resource)',
  group: 'feed',
  requirement:
    'OpenAPI (Model): "Deleted resources are kept as tombstones and appear in the feed as op: delete"; README: "Deletes stay as tombstones"; ' +
    'roadmap item: the Target is kept "up to date with the live Source Solution" (a lost delete leaves a record the Source removed).',
  async run(ctx) {
    const e = await ctx.extract();
    if (e.tombstones.withBody) return fail(`${e.tombstones.withBody} tombstone(s) in the extract carry a resource body`, { details: e.tombstones.examples });
    if (!ctx.publisher) {
      if (e.tombstones.count) return pass(`${e.tombstones.count} tombstone(s) in the extract, none with a body`, { details: e.tombstones.examples });
      return skip('no tombstones in this practice\'s feed to inspect; give publisher credentials to create one');
    }
    const id = ctx.probeId('tomb');
    const start = await ctx.endCursor();
    const created = await ctx.publish([upsertItem(ctx.probeResource(id, 1))], { label: 'create probe' });
    if (created.status !== 200 && created.status !== 201) return fail(`publishing the probe answered ${created.status}`, { exchange: created.exchange });
    let seen: WireChange | undefined;
    const mid = await ctx.readToEnd(start, { onChange: (c) => { if (c.id === id) seen = c; } });
    if (!seen || seen.op !== 'upsert') return fail(`the probe List/${id} did not arrive in the feed after it was published`, { exchange: mid.lastExchange });
    const deleted = await ctx.publish([deleteItem('List', id)], { label: 'delete probe' });
    if (deleted.status !== 200 && deleted.status !== 201) return fail(`deleting the probe answered ${deleted.status}`, { exchange: deleted.exchange });
    let tomb: WireChange | undefined;
    const end = await ctx.readToEnd(mid.cursor, { onChange: (c) => { if (c.id === id) tomb = c; } });
    if (!tomb) return fail(`the delete of List/${id} never arrived in the feed (lost delete)`, { exchange: end.lastExchange });
    const problems = [
      ...(tomb.op !== 'delete' ? [`op is ${String(tomb.op)}`] : []),
      ...(tomb.resource !== undefined && tomb.resource !== null ? ['it carries a resource body'] : []),
      ...(!(versionNumber(tomb.versionId) > versionNumber(seen.versionId)) ? [`versionId ${String(tomb.versionId)} is not after ${String(seen.versionId)}`] : []),
      ...changeShapeProblems(tomb).filter((p) => !p.includes('upsert')),
    ];
    if (problems.length) return fail(`the tombstone of List/${id} is wrong: ${problems.join('; ')}`, { exchange: end.lastExchange });
    return pass(`created and deleted List/${id}: tombstone v${String(tomb.versionId)} arrived without a body${e.tombstones.count ? `; ${e.tombstones.count} more in the extract` : ''}`, { exchange: end.lastExchange });
  },
};

export const FEED_CHECKS: Check[] = [initialExtract, changeShape, noDuplicates, cursorStable, invalidCursor, limitBounds, limitHonoured, longPoll, tombstones];
