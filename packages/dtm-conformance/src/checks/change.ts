// Changes under load, with publisher credentials against a test practice: the kit publishes creates,
// updates and deletes (several batches at once) while a reader pages through the feed, and the reader
// must end with exactly what was published. Binaries keep their digest and resume with Range.
import { createHash, randomBytes } from 'node:crypto';
import { HEADERS, parseExact } from '@dtm/shared';
import { CheckContext, FeedError, deleteItem, upsertItem, versionNumber, type WireChange } from '../context.ts';
import { NEEDS_PUBLISHER, fail, pass, skip, type Check, type Outcome } from '../types.ts';

const NO_SKIP =
  'OpenAPI (Model): "No committed change is ever skipped: a page never includes a change until every transaction that could precede it has finished"; ' +
  'roadmap item: the TSS can "keep the Target Solution up to date with the live Source Solution, such that there is no need to do a large final data extract".';

/** What the reader holds for one resource. */
interface Held {
  op: string;
  versionId: number;
  rev: number | null;
}

/** Applies a change to the reader's copy; returns a problem if a version went backwards. */
function apply(held: Map<string, Held>, c: WireChange, prefix: string): string | null {
  if (typeof c.id !== 'string' || !c.id.startsWith(prefix)) return null;
  const key = `${String(c.resourceType)}/${c.id}`;
  const v = versionNumber(c.versionId);
  const before = held.get(key);
  if (before && v < before.versionId) return `${key} went back from v${before.versionId} to v${v}`;
  held.set(key, { op: String(c.op), versionId: v, rev: c.op === 'upsert' ? CheckContext.revOf(c.resource) : null });
  return null;
}

/** Compares the reader's copy with what was published: `expected` maps key → rev, or null when deleted. */
function compare(held: Map<string, Held>, expected: Map<string, number | null>): string[] {
  const gaps: string[] = [];
  for (const [key, rev] of expected) {
    const h = held.get(key);
    if (rev === null) {
      if (!h) gaps.push(`lost delete: ${key} (its tombstone never arrived)`);
      else if (h.op !== 'delete') gaps.push(`lost delete: ${key} still live at rev ${h.rev ?? '?'}`);
    } else if (!h) gaps.push(`gap: ${key} never arrived`);
    else if (h.op === 'delete') gaps.push(`${key} deleted in the feed but live at the Source`);
    else if (h.rev !== rev) gaps.push(`stale: ${key} at rev ${h.rev ?? '?'}, published rev ${rev}`);
  }
  return gaps;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const concurrentPublish: Check = {
  id: 'change.concurrent',
  title: 'A reader paging while batches commit concurrently ends with exactly the published state',
  group: 'change',
  requirement: NO_SKIP,
  needsPublisher: true,
  async run(ctx) {
    if (!ctx.publisher) return skip(NEEDS_PUBLISHER);
    const prefix = ctx.probeId('c');
    const expected = new Map<string, number | null>();
    const held = new Map<string, Held>();
    const backwards: string[] = [];
    let cursor = await ctx.endCursor();
    let writersDone = false;
    let readerError: Outcome | null = null;
    let pages = 0;

    // The reader: small pages, long-polling when up to date, until the writers are done and a read
    // that began after them comes back up to date.
    const reader = (async () => {
      let upToDate = false;
      for (;;) {
        const doneBefore = writersDone;
        const { res, page } = await ctx.page(ctx.consumer, { since: cursor, limit: 7, ...(upToDate && !doneBefore ? { wait: 1 } : {}) }, { record: false });
        if (!page) {
          readerError = fail(`the reader's GET changes answered ${res.status} while batches were committing`, { exchange: res.exchange });
          return;
        }
        pages++;
        if (pages > 5000) {
          readerError = fail('the reader was still not up to date after 5000 pages', { exchange: res.exchange });
          return;
        }
        for (const c of page.changes) {
          const p = apply(held, c, prefix);
          if (p) backwards.push(p);
        }
        cursor = page.nextCursor ?? cursor;
        upToDate = page.upToDate;
        if (upToDate && doneBefore) return;
      }
    })();

    // The writers: three at once, four rounds each. Every round creates three resources, updates
    // one or two of the writer's earlier ones and, from the second round, deletes one.
    const problems: Outcome[] = [];
    const writer = async (w: number) => {
      const mine: string[] = [];
      for (let round = 0; round < 4; round++) {
        const items: Record<string, unknown>[] = [];
        const next = new Map<string, number | null>();
        for (let i = 0; i < 3; i++) {
          const id = `${prefix}-w${w}r${round}n${i}`;
          items.push(upsertItem(ctx.probeResource(id, 1)));
          next.set(`List/${id}`, 1);
        }
        const live = mine.filter((k) => typeof expected.get(k) === 'number');
        for (const key of live.slice(0, 1 + (round % 2))) {
          const rev = (expected.get(key) as number) + 1;
          items.push(upsertItem(ctx.probeResource(key.slice(5), rev)));
          next.set(key, rev);
        }
        const victim = round > 0 ? live[live.length - 1] : undefined;
        if (victim && !next.has(victim)) {
          items.push(deleteItem('List', victim.slice(5)));
          next.set(victim, null);
        }
        const res = await ctx.publish(items, { label: `writer ${w} round ${round}` });
        if (res.status !== 200 && res.status !== 201) {
          problems.push(fail(`a concurrent batch was refused: POST ingest → ${res.status}`, { exchange: res.exchange }));
          return;
        }
        for (const [k, v] of next) {
          expected.set(k, v);
          if (!mine.includes(k)) mine.push(k);
        }
        await sleep(5 + ((w * 7 + round * 3) % 11));
      }
    };
    await Promise.all([0, 1, 2].map(writer));
    writersDone = true;
    await reader;
    if (problems[0]) return problems[0];
    if (readerError) return readerError;
    const metrics = { published: expected.size, deleted: [...expected.values()].filter((v) => v === null).length, readerPages: pages };
    if (backwards.length) return fail(`a version went backwards: ${backwards[0]}`, { details: backwards.slice(0, 20), metrics });
    const gaps = compare(held, expected);

    // Clean up: delete every probe still live, and check the reader sees those deletes too.
    const live = [...expected].filter(([, v]) => v !== null).map(([k]) => k);
    if (live.length) {
      const res = await ctx.publish(live.map((k) => deleteItem('List', k.slice(5))), { label: 'clean up' });
      if (res.status === 200 || res.status === 201) {
        for (const k of live) expected.set(k, null);
        try {
          await ctx.readToEnd(cursor, { limit: 50, onChange: (c) => void apply(held, c, prefix) });
          if (!gaps.length) gaps.push(...compare(held, expected));
        } catch (err) {
          return fail(`reading the clean-up failed: ${(err as Error).message}`, { exchange: err instanceof FeedError ? err.exchange : undefined });
        }
      }
    }
    if (gaps.length) {
      return fail(`the reader's copy differs from what was published in ${gaps.length} resource(s): ${gaps[0]}`, { details: gaps.slice(0, 20), metrics });
    }
    return pass(`12 concurrent batches (${expected.size} resources created, updated and deleted) read in ${pages} pages of 7: exactly the published state, then every clean-up delete`, { metrics });
  },
};

export const pageBoundary: Check = {
  id: 'change.page-boundary',
  title: 'A resource changed on a page boundary arrives again at its new version',
  group: 'change',
  requirement: `${NO_SKIP} OpenAPI (Model): a write "moves the resource to the end of its practice's feed".`,
  needsPublisher: true,
  async run(ctx) {
    if (!ctx.publisher) return skip(NEEDS_PUBLISHER);
    const prefix = ctx.probeId('b');
    const [a, b, c] = ['a', 'b', 'c'].map((s) => `${prefix}-${s}`) as [string, string, string];
    const start = await ctx.endCursor();
    const r1 = await ctx.publish([a, b, c].map((id) => upsertItem(ctx.probeResource(id, 1))), { label: 'create a, b, c' });
    if (r1.status !== 200 && r1.status !== 201) return fail(`publishing answered ${r1.status}`, { exchange: r1.exchange });
    const first = await ctx.page(ctx.consumer, { since: start, limit: 2 }, { label: 'first page, limit 2' });
    if (!first.page) return fail(`GET changes answered ${first.res.status}`, { exchange: first.res.exchange });
    const held = new Map<string, Held>();
    for (const ch of first.page.changes) apply(held, ch, prefix);
    const onPage = first.page.changes.filter((ch) => typeof ch.id === 'string' && ch.id.startsWith(prefix)).map((ch) => String(ch.id));
    const boundary = onPage[onPage.length - 1] ?? b;
    // Change the last resource on the page (the boundary) and one before it.
    const changed = [...new Set([boundary, onPage[0] ?? a])];
    const r2 = await ctx.publish(changed.map((id) => upsertItem(ctx.probeResource(id, 2))), { label: 'update the boundary' });
    if (r2.status !== 200 && r2.status !== 201) return fail(`publishing the update answered ${r2.status}`, { exchange: r2.exchange });
    const rest = await ctx.readToEnd(first.page.nextCursor ?? start, { limit: 2, onChange: (ch) => void apply(held, ch, prefix) });
    const expected = new Map<string, number | null>([a, b, c].map((id) => [`List/${id}`, changed.includes(id) ? 2 : 1]));
    const gaps = compare(held, expected);
    await ctx.publish([a, b, c].map((id) => deleteItem('List', id)), { label: 'clean up' });
    if (gaps.length) return fail(`after a change on the page boundary: ${gaps.join('; ')}`, { exchange: rest.lastExchange, details: gaps });
    return pass(`updated List/${boundary} (last on a page of 2) after the reader passed it: it arrived again at its new version, nothing lost`, { exchange: rest.lastExchange });
  },
};

export const binaries: Check = {
  id: 'change.binaries',
  title: 'Binaries keep their SHA-256 (Repr-Digest), resume with Range, and a wrong digest is refused',
  group: 'change',
  requirement:
    'OpenAPI getBinary: "Supports a single byte Range ... Repr-Digest and Digest carry the SHA-256 of the whole content" (RFC 9530, RFC 9110 §14); ' +
    'putBinary: "A mismatch is refused and nothing is stored" (documents are part of the record the Target must hold).',
  async run(ctx) {
    if (!ctx.publisher) {
      const e = await ctx.extract();
      const id = e.binaryIds[0];
      if (!id) return skip(`${NEEDS_PUBLISHER}; and no DocumentReference in the feed points at a Binary to download`);
      return downloadChecks(ctx, id, null);
    }
    const id = ctx.probeId('bin');
    const content = randomBytes(300 * 1024 + 17); // more than one 256 KiB chunk, not a round size
    const digest = createHash('sha256').update(content).digest('base64');
    const bad = await ctx.api(ctx.publisher, 'PUT', `${ctx.ingestPath}/binaries/${ctx.probeId('badbin')}`, {
      body: content, headers: { 'content-type': 'application/octet-stream', [HEADERS.reprDigest]: `sha-256=:${createHash('sha256').update('other').digest('base64')}:` }, label: 'PUT with a wrong digest',
    });
    if (bad.status < 400 || bad.status >= 500) return fail(`a binary whose Repr-Digest does not match was answered ${bad.status}, not refused (4xx)`, { exchange: bad.exchange });
    const put = await ctx.api(ctx.publisher, 'PUT', `${ctx.ingestPath}/binaries/${id}`, {
      body: content, headers: { 'content-type': 'application/octet-stream', [HEADERS.reprDigest]: `sha-256=:${digest}:` }, label: 'PUT binary',
    });
    if (put.status < 200 || put.status >= 300) return fail(`uploading a binary answered ${put.status}`, { exchange: put.exchange });
    return downloadChecks(ctx, id, { content, digest });
  },
};

async function downloadChecks(ctx: CheckContext, id: string, known: { content: Buffer; digest: string } | null): Promise<Outcome> {
  const path = `${ctx.practicePath}/binaries/${id}`;
  const whole = await ctx.api(ctx.consumer, 'GET', path, { headers: { accept: '*/*' }, label: 'GET binary' });
  if (whole.status !== 200) return fail(`GET ${path} answered ${whole.status}`, { exchange: whole.exchange });
  const sha = createHash('sha256').update(whole.body).digest('base64');
  if (known && (whole.body.length !== known.content.length || sha !== known.digest)) return fail(`the downloaded binary differs from the uploaded one (${whole.body.length} bytes)`, { exchange: whole.exchange });
  const repr = whole.headers['repr-digest'];
  if (!repr) return fail('no Repr-Digest header on the download', { exchange: whole.exchange });
  const m = /sha-256=:([A-Za-z0-9+/=]+):/.exec(repr);
  if (!m || m[1] !== sha) return fail(`Repr-Digest (${repr.slice(0, 60)}) is not the SHA-256 of the content`, { exchange: whole.exchange });
  const from = Math.floor(whole.body.length / 3);
  const part = await ctx.api(ctx.consumer, 'GET', path, { headers: { accept: '*/*', range: `bytes=${from}-` }, label: `Range bytes=${from}-` });
  if (part.status !== 206) return fail(`Range bytes=${from}- answered ${part.status}, not 206`, { exchange: part.exchange });
  const expectRange = `bytes ${from}-${whole.body.length - 1}/${whole.body.length}`;
  if (part.headers['content-range'] !== expectRange) return fail(`Content-Range is "${part.headers['content-range'] ?? ''}", expected "${expectRange}"`, { exchange: part.exchange });
  if (!part.body.equals(whole.body.subarray(from))) return fail('the ranged bytes differ from the tail of the whole content', { exchange: part.exchange });
  return pass(`${known ? 'uploaded, then ' : ''}downloaded ${whole.body.length} bytes: SHA-256 matches Repr-Digest; resumed from byte ${from} with 206 and the right Content-Range${known ? '; a wrong digest was refused' : ''}`, { exchange: part.exchange });
}

/** Decimals whose text JSON.parse and JSON.stringify would change: a trailing zero, and more digits than a double holds. */
const PRECISE = ['7.50', '3.14159265358979323846264338'];

/** The raw text of the feed after `since` (up to `pages` pages of 50), as the DTM sent it. */
async function feedText(ctx: CheckContext, since: string | null, pages = 20): Promise<{ text: string; exchange: number }> {
  let text = '';
  let exchange = -1;
  for (let cursor = since, i = 0; i < pages; i++) {
    const { res, page } = await ctx.page(ctx.consumer, { since: cursor, limit: 50 }, { label: 'read the probe back' });
    if (!page) throw new FeedError(`GET changes answered ${res.status}`, res.exchange);
    text += res.body.toString('utf8');
    exchange = res.exchange;
    if (page.upToDate || !page.nextCursor) break;
    cursor = page.nextCursor;
  }
  return { text, exchange };
}

export const decimalPrecision: Check = {
  id: 'change.decimal-precision',
  title: 'Decimals come back with the precision they were published with, and a change of precision is a change',
  group: 'change',
  requirement:
    'FHIR R4 (Datatypes, decimal): "the precision of the decimal value has significance" (7.50 is not 7.5); ' +
    'roadmap item: the extract is the whole record and "no clinical data" may be lost.',
  needsPublisher: true,
  async run(ctx) {
    if (!ctx.publisher) return skip(NEEDS_PUBLISHER);
    const id = ctx.probeId('dec');
    // JSON.rawJSON (via parseExact) so that the request carries 7.50, not 7.5.
    const probe = (value: string) => parseExact(JSON.stringify({ ...ctx.probeResource(id, 1), extension: [{ url: 'https://dtm-conformance.invalid/precision', valueDecimal: 0 }, { url: 'https://dtm-conformance.invalid/digits', valueDecimal: 1 }] })
      .replace('"valueDecimal":0', `"valueDecimal":${value}`).replace('"valueDecimal":1', `"valueDecimal":${PRECISE[1]!}`)) as Record<string, unknown>;
    const start = await ctx.endCursor();
    try {
      const r1 = await ctx.publish([upsertItem(probe(PRECISE[0]!))], { label: 'publish decimals 7.50 and 3.14159265358979323846264338' });
      if (r1.status !== 200 && r1.status !== 201) return fail(`publishing answered ${r1.status}`, { exchange: r1.exchange });
      const back = await feedText(ctx, start);
      const lost = PRECISE.filter((v) => !back.text.includes(`"valueDecimal":${v}`));
      if (lost.length) return fail(`the feed did not carry ${lost.join(' and ')} as published (JSON numbers re-serialised as doubles lose precision)`, { exchange: back.exchange });
      const r2 = await ctx.publish([upsertItem(probe('7.5'))], { label: 'publish 7.5 where 7.50 was' });
      const updated = (r2.json as { updated?: unknown } | undefined)?.updated;
      if (r2.status !== 200 || updated !== 1) {
        return fail(`changing 7.50 to 7.5 answered ${r2.status} with updated=${String(updated)}: a change of precision was not taken as a change`, { exchange: r2.exchange });
      }
      return pass(`7.50 and a 27-digit decimal came back as published, and 7.50 changed to 7.5 made a new version`, { exchange: r2.exchange });
    } finally {
      await ctx.publish([deleteItem('List', id)], { label: 'clean up' });
    }
  },
};

export const CHANGE_CHECKS: Check[] = [concurrentPublish, pageBoundary, binaries, decimalPrecision];
