// Evidence without patient data. Every body the kit sends or receives is reduced, before it is kept,
// to what an assurance reviewer needs: ids, versions, counts, statuses, error codes. Resource bodies,
// NHS numbers, names, tokens and assertions never reach a report. Unknown shapes keep only their
// top-level key names. Free text from the server (error descriptions) is cut short and any run of
// digits long enough to be an identifier is masked.

const MAX_REFS = 10;

/** Server-written text (error_description, problem detail): short, with long digit runs masked. */
export function scrubText(s: unknown, max = 200): string | undefined {
  if (typeof s !== 'string') return undefined;
  const masked = s.replace(/\d[\d\s-]{5,}\d/g, '[digits]');
  return masked.length > max ? `${masked.slice(0, max)}…` : masked;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

/** `Type/id` of a resource-like object. */
const refOf = (o: Record<string, unknown>): string => `${str(o.resourceType) ?? '?'}/${str(o.id) ?? '?'}`;

function countBy<T>(items: T[], key: (t: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const i of items) out[key(i)] = (out[key(i)] ?? 0) + 1;
  return out;
}

function watermark(w: unknown): unknown {
  if (!isObject(w)) return undefined;
  return {
    sourceAsOf: w.sourceAsOf ?? null,
    lastUpdatedAt: w.lastUpdatedAt ?? null,
    highWaterCursor: w.highWaterCursor ?? null,
    serverTime: w.serverTime ?? null,
  };
}

function changePage(b: Record<string, unknown>): unknown {
  const changes = (b.changes as unknown[]).filter(isObject);
  return {
    changes: changes.length,
    ops: countBy(changes, (c) => str(c.op) ?? '?'),
    resourceTypes: countBy(changes, (c) => str(c.resourceType) ?? '?'),
    first: changes.slice(0, MAX_REFS).map((c) => `${c.op === 'delete' ? 'delete ' : ''}${refOf(c)} v${str(c.versionId) ?? '?'}`),
    nextCursor: b.nextCursor ?? null,
    upToDate: b.upToDate,
    watermark: watermark(b.watermark),
  };
}

function issue(b: Record<string, unknown>): unknown {
  return {
    id: b.id,
    sequence: b.sequence,
    status: b.status,
    severity: b.severity,
    rule: str(b.rule)?.slice(0, 100),
    resources: Array.isArray(b.resources) ? b.resources.length : undefined,
    responses: Array.isArray(b.responses) ? b.responses.length : undefined,
    firstResponseAt: b.firstResponseAt,
    responseSeconds: b.responseSeconds,
  };
}

function practiceStatus(b: Record<string, unknown>): unknown {
  const counts = Array.isArray(b.counts) ? b.counts.filter(isObject) : [];
  const issues = isObject(b.issues) ? b.issues : undefined;
  return {
    practice: b.practice,
    watermark: watermark(b.watermark),
    staleness: b.staleness,
    availability: b.availability,
    counts: Object.fromEntries(counts.map((c) => [str(c.resourceType) ?? '?', { live: num(c.live), deleted: num(c.deleted) }])),
    binaries: b.binaries,
    issues: issues ? { open: issues.open, unanswered: issues.unanswered, medianResponseSeconds: issues.medianResponseSeconds } : undefined,
  };
}

/** A JSON response body reduced to ids and counts, by its shape. */
export function summarizeResponse(body: unknown): unknown {
  if (Array.isArray(body)) return { items: body.length };
  if (!isObject(body)) return body === undefined ? undefined : { type: typeof body };
  if (typeof body.access_token === 'string') {
    return { access_token: '[redacted]', token_type: body.token_type, expires_in: body.expires_in, scope: body.scope };
  }
  if (typeof body.error === 'string') return { error: body.error.slice(0, 60), error_description: scrubText(body.error_description) };
  if (typeof body.token_endpoint === 'string') return body; // discovery metadata: no data, keep whole
  if (Array.isArray(body.changes)) return changePage(body);
  if (Array.isArray(body.issues) && 'next' in body) {
    const issues = body.issues.filter(isObject);
    return { issues: issues.length, ids: issues.slice(0, MAX_REFS).map((i) => i.id), statuses: countBy(issues, (i) => str(i.status) ?? '?'), next: body.next };
  }
  if (typeof body.rule === 'string' && 'raisedAt' in body) return issue(body);
  if (isObject(body.staleness) && 'counts' in body) return practiceStatus(body);
  if (Array.isArray(body.practices)) return { practices: body.practices.length };
  if (typeof body.received === 'number') {
    return { received: body.received, created: body.created, updated: body.updated, deleted: body.deleted, unchanged: body.unchanged };
  }
  if (typeof body.type === 'string' && typeof body.status === 'number') {
    return { type: body.type.slice(0, 100), title: scrubText(body.title, 100), status: body.status, detail: scrubText(body.detail), errors: Array.isArray(body.errors) ? body.errors.length : undefined };
  }
  if (typeof body.sha256 === 'string' && typeof body.size === 'number') return { id: body.id, size: body.size, sha256: body.sha256, contentType: body.contentType };
  if (typeof body.status === 'string' && Object.keys(body).length <= 2) return { status: body.status };
  return { keys: Object.keys(body).slice(0, 20) };
}

/** A request body the kit sends, reduced the same way. */
export function summarizeRequest(body: unknown): unknown {
  if (body instanceof URLSearchParams) {
    const out: Record<string, string> = {};
    for (const [k, v] of body) out[k] = k === 'client_assertion' ? describeJwt(v) : v.slice(0, 100);
    return out;
  }
  if (Buffer.isBuffer(body)) return { bytes: body.length };
  if (!isObject(body)) return body === undefined ? undefined : { type: typeof body };
  if (Array.isArray(body.items)) {
    const items = body.items.filter(isObject);
    return {
      sourceAsOf: body.sourceAsOf,
      items: items.length,
      ops: countBy(items, (i) => str(i.op) ?? '?'),
      first: items.slice(0, MAX_REFS).map((i) => (i.op === 'delete' ? `delete ${refOf(i)}` : refOf(isObject(i.resource) ? i.resource : {}))),
    };
  }
  if (typeof body.rule === 'string' && Array.isArray(body.resources)) {
    return { severity: body.severity, rule: body.rule, resources: body.resources.length, clientReference: body.clientReference };
  }
  if (typeof body.status === 'string') return { status: body.status, comment: body.comment === undefined ? undefined : '[comment]' };
  return { keys: Object.keys(body).slice(0, 20) };
}

/** A JWT as evidence: its header's alg and kid and which claims it carries, never the token itself. */
export function describeJwt(jwt: string): string {
  const [h, p] = jwt.split('.');
  try {
    const header = JSON.parse(Buffer.from(h ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
    const claims = JSON.parse(Buffer.from(p ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
    const exp = typeof claims.exp === 'number' && typeof claims.iat === 'number' ? ` exp=iat+${claims.exp - claims.iat}s` : '';
    return `[JWT alg=${String(header.alg)}${header.kid ? ` kid=${String(header.kid).slice(0, 16)}…` : ''} claims=${Object.keys(claims).join(',')}${exp}]`;
  } catch {
    return `[not a JWT, ${jwt.length} chars]`;
  }
}
