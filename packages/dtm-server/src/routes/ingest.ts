// Source side: publish changes, heartbeats and binaries.
import express, { Router, type Request, type RequestHandler } from 'express';
import { HEADERS, SCOPES, type Heartbeat, type IngestBatch } from '@dtm/shared';
import { grantRateLimit, requirePractice } from '../http/security.ts';
import { auditFacts } from '../http/audit.ts';
import type { AppDeps } from '../app.ts';
import { heartbeat, ingestBatch, registerPractice } from '../services/ingest.ts';
import { parseReprDigest, storeBinary } from '../services/binaries.ts';

const param = (req: Request, name: string) => String(req.params[name]);

/** Paths whose JSON body is parsed (before request validation, which reads it). */
export const INGEST_JSON_POSTS = ['/v1/ingest/practices/:ods/changes', '/v1/ingest/practices/:ods/heartbeat'];
export const INGEST_JSON_PUTS = ['/v1/ingest/practices/:ods'];

// JSON bodies on these routes only: a binary PUT may itself be application/json and must be
// streamed, not parsed.
export function ingestJsonParser(config: AppDeps['config']): RequestHandler {
  return express.json({
    limit: config.maxBatchBytes,
    type: 'application/json',
    verify: (req, _res, buf, encoding) => {
      // JSON between systems is UTF-8 (RFC 8259 8.1). Express would also take UTF-16 and UTF-32, but
      // a batch's resources are re-read from its bytes as UTF-8 to keep their numbers as sent
      // (domain/ingest-plan.ts withExactResources): another charset is refused (http/problem.ts: 415)
      // rather than read two ways.
      if (encoding.toLowerCase() !== 'utf-8' && encoding.toLowerCase() !== 'utf8') {
        throw Object.assign(new Error('unsupported charset'), { status: 415, type: 'charset.unsupported' });
      }
      // Keep the exact bytes: Idempotency-Key replays are matched on them.
      (req as Request & { rawBody?: Buffer }).rawBody = buf;
    },
  });
}

export function ingestRouter(deps: AppDeps): Router {
  const r = Router();
  // Only the Source supplier's publisher, with a grant for the practice, may write.
  r.use('/practices/:ods', requirePractice(deps, { allow: [{ role: 'publisher', scope: SCOPES.ingestWrite }] }), grantRateLimit(deps));
  r.post('/practices/:ods/changes', async (req, res) => {
    const key = req.get(HEADERS.idempotencyKey);
    try {
      const { result, replayed } = await ingestBatch(deps, param(req, 'ods'), req.body as IngestBatch,
        (req as Request & { rawBody?: Buffer }).rawBody ?? Buffer.alloc(0), key);
      deps.metrics.ingestBatches.inc({ result: replayed ? 'replayed' : 'committed' });
      if (!replayed) {
        for (const kind of ['created', 'updated', 'deleted', 'unchanged'] as const) deps.metrics.ingestChanges.inc({ kind }, result[kind]);
      }
      res.locals.ingest = { items: result.received };
      auditFacts(res).resources = result.received;
      res.setHeader(HEADERS.idempotentReplayed, String(replayed));
      res.json(result);
    } catch (err) {
      deps.metrics.ingestBatches.inc({ result: 'refused' });
      throw err;
    }
  });

  r.put('/practices/:ods', async (req, res) => {
    res.json(await registerPractice(deps, param(req, 'ods'), (req.body as { name: string }).name));
  });

  r.post('/practices/:ods/heartbeat', async (req, res) => {
    res.json(await heartbeat(deps, param(req, 'ods'), (req.body as Heartbeat).sourceAsOf));
  });

  r.put('/practices/:ods/binaries/:id', async (req, res) => {
    const info = await storeBinary(deps, {
      ods: param(req, 'ods'),
      id: param(req, 'id'),
      contentType: req.get('content-type') ?? 'application/octet-stream',
      body: req,
      maxBytes: deps.config.maxBinaryBytes,
      expectedSha256: parseReprDigest(req.get(HEADERS.reprDigest)),
    });
    auditFacts(res).binaries = 1;
    res.status(201).json(info);
  });

  return r;
}
