// Target side: read a practice's changes, binaries and freshness. Each route reads as a checklist:
// authorise the practice, rate-limit, count the retrieval, handle. Handlers are thin.
import { Router, type Request, type Response } from 'express';
import { FEED_LIMITS, HEADERS } from '@dtm/shared';
import type { AppDeps } from '../app.ts';
import { listPracticeSummaries, practiceStatus, readFeed, type ReplicaFallback } from '../services/feed.ts';
import { binaryBytes, binaryDigestPage, firstBytesAsked, openBinary, rangeAsked, rangeIn } from '../services/binaries.ts';
import { DtmError } from '../errors.ts';
import { PROBLEM_TYPES, SCOPES } from '@dtm/shared';
import { countRetrieval, grantRateLimit, principalOf, requirePractice } from '../http/security.ts';
import { auditFacts } from '../http/audit.ts';
import { grantedPractices } from '../repo/clients.ts';
import { recordFeedRead } from '../services/migrations.ts';
import { sendJsonPage } from '../http/compression.ts';

const param = (req: Request, name: string) => String(req.params[name]);

/** Until the response can take more, or is gone: a client that goes away never drains it. */
const drainedOrClosed = (res: Response) => new Promise<void>((resolve) => {
  // Gone already (it closed while the next chunk was being read): no event is coming.
  if (res.destroyed) {
    resolve();
    return;
  }
  const done = () => {
    res.off('drain', done);
    res.off('close', done);
    resolve();
  };
  res.once('drain', done);
  res.once('close', done);
});

export function feedRouter(deps: AppDeps): Router {
  const r = Router();
  const consumer = { role: 'consumer', scope: SCOPES.feedRead } as const;
  const publisher = { role: 'publisher', scope: SCOPES.ingestWrite } as const;
  const rate = grantRateLimit(deps);
  const retrieval = countRetrieval(deps);
  const reader = requirePractice(deps, { allow: [consumer] });
  // Freshness is for both sides (roadmap item: each must know when DTM data was last updated).
  const eitherSide = requirePractice(deps, { allow: [consumer, publisher] });

  r.get('/practices', async (_req, res) => {
    const granted = new Set(await grantedPractices(deps.pool, principalOf(res).clientId));
    const all = await listPracticeSummaries(deps);
    res.json({ practices: all.practices.filter((p) => granted.has(p.practice)) });
  });

  r.get('/practices/:ods/status', eitherSide, rate, async (req, res) => {
    res.json(await practiceStatus(deps, param(req, 'ods')));
  });

  r.get('/practices/:ods/changes', reader, rate, retrieval, async (req, res) => {
    const q = req.query as { since?: string; limit?: number; wait?: number };
    const abort = new AbortController();
    const onClose = () => abort.abort();
    res.on('close', onClose);
    deps.shutdownSignal.addEventListener('abort', onClose, { once: true });
    try {
      const onReplicaFallback = (reason: ReplicaFallback, err?: Error) => {
        deps.metrics.replicaFallbacks.inc({ reason });
        if (err) req.log.warn({ err: { message: err.message } }, 'read replica failed: page served by the primary');
      };
      const page = await readFeed({ ...deps, onReplicaFallback }, {
        ods: param(req, 'ods'),
        since: q.since,
        limit: Number(q.limit ?? FEED_LIMITS.defaultLimit),
        waitSeconds: Number(q.wait ?? 0),
        pageBytes: deps.config.feedPageBytes,
        signal: abort.signal,
      });
      // The weekend cutover's book-keeping: a read with no `since` is a full initial extract (CSMP
      // Step 9 counts extract iterations), and the Target's first read starts its migration syncing.
      // It must not cost the Target its data: a failure is logged and the page is still served.
      await recordFeedRead(deps, param(req, 'ods'), principalOf(res), q.since === undefined)
        .catch((err: Error) => req.log.error({ err: { message: err.message } }, 'migration book-keeping failed'));
      deps.metrics.feedPages.inc({ wait: q.wait ? 'yes' : 'no' });
      deps.metrics.feedChanges.inc(page.count);
      res.locals.feed = { changes: page.count }; // bytes added by sendJsonPage
      Object.assign(auditFacts(res), { resources: page.count, cursorFrom: q.since ?? null, cursorTo: page.nextCursor });
      // Draining for shutdown: let the client reconnect elsewhere rather than reuse this socket.
      if (deps.shutdownSignal.aborted) res.setHeader('Connection', 'close');
      await sendJsonPage(req, res, page.json); // zstd or gzip by Accept-Encoding (issue 7: bandwidth)
    } finally {
      res.off('close', onClose);
      deps.shutdownSignal.removeEventListener('abort', onClose);
    }
  });

  // Metadata for the Target's verification, like the digest: not a retrieval of data.
  r.get('/practices/:ods/binaries', reader, rate, async (req, res) => {
    const q = req.query as { after?: string; limit?: number };
    res.json(await binaryDigestPage(deps.pool, param(req, 'ods'), q.after ?? null, Number(q.limit ?? 1000)));
  });

  r.get('/practices/:ods/binaries/:id', reader, rate, retrieval, async (req, res) => {
    const asked = rangeAsked(req.headers.range);
    // A GET reads the row and its first chunks in one statement; a HEAD, or a conditional GET that
    // may well be answered 304, reads the row alone.
    const readAhead = req.method === 'GET' && req.headers['if-none-match'] === undefined ? firstBytesAsked(asked) : null;
    const { row, chunks } = await openBinary(deps.pool, param(req, 'ods'), param(req, 'id'), readAhead);
    auditFacts(res).binaries = 1;
    const sha256 = row.sha256.toString('base64');
    const etag = `"sha256-${row.sha256.toString('base64url')}"`;
    res.setHeader('ETag', etag);
    res.setHeader('Accept-Ranges', 'bytes');
    res.setHeader(HEADERS.reprDigest, `sha-256=:${sha256}:`);
    res.setHeader(HEADERS.digest, `SHA-256=${sha256}`);
    res.setHeader('Cache-Control', 'private, no-store');
    if (req.headers['if-none-match'] === etag) {
      res.status(304).end();
      return;
    }
    const range = rangeIn(asked, row.size);
    if (range === 'unsatisfiable') {
      throw new DtmError(416, PROBLEM_TYPES.rangeNotSatisfiable, 'Range not satisfiable',
        `The requested range is outside the binary's ${row.size} bytes.`, { headers: { 'Content-Range': `bytes */${row.size}` } });
    }
    const span = range ?? { start: 0, end: row.size - 1 };
    res.status(range ? 206 : 200);
    // As stored: Express's res.type would add "; charset=utf-8" to a text type the Source sent without one.
    res.setHeader('Content-Type', row.content_type);
    res.setHeader('Content-Length', String(row.size === 0 ? 0 : span.end - span.start + 1));
    if (range) res.setHeader('Content-Range', `bytes ${span.start}-${span.end}/${row.size}`);
    if (req.method === 'HEAD' || row.size === 0) {
      res.end();
      return;
    }
    try {
      for await (const part of binaryBytes(deps.pool, row, span, chunks)) {
        if (res.destroyed) return;
        if (!res.write(part)) await drainedOrClosed(res);
      }
      if (res.destroyed) return;
    } catch (err) {
      // Headers and some bytes are gone: only a cut connection tells the client the body is short.
      req.log.warn({ err: { message: (err as Error).message } }, 'binary download cut short');
      res.destroy();
      return;
    }
    res.end();
  });

  return r;
}
