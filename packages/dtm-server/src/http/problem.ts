// The single error handler: every error becomes application/problem+json (RFC 9457). DtmError carries
// its status; errors from body parsing and OpenAPI validation are translated; anything else is logged
// with the request id and answered as a generic 500 with no internals.
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { PROBLEM_CONTENT_TYPE, PROBLEM_TYPES, type ProblemType } from '@dtm/shared';
import { DtmError, type ProblemDetailItem } from '../errors.ts';

interface ValidatorError {
  status: number;
  errors?: { path?: string; message?: string }[];
}

const isValidatorError = (e: unknown): e is ValidatorError =>
  typeof e === 'object' && e !== null && 'status' in e && Array.isArray((e as { errors?: unknown }).errors);

// express-openapi-validator paths look like "/body/items/0/op" or ".body.items[0].op".
const toPointer = (p: string | undefined) =>
  (p ?? '').replace(/\[(\d+)\]/g, '/$1').replace(/\./g, '/').replace(/^\/?/, '/');

function translate(err: unknown): DtmError | null {
  if (err instanceof DtmError) return err;
  const e = err as { type?: string; status?: number; message?: string } | null;
  if (e?.type === 'entity.parse.failed') {
    return new DtmError(400, PROBLEM_TYPES.badRequest, 'Malformed JSON', 'The request body is not valid JSON; nothing was written.');
  }
  if (e?.type === 'entity.too.large') {
    return new DtmError(413, PROBLEM_TYPES.payloadTooLarge, 'Request body too large', 'The request body is larger than this server accepts; nothing was written. Send smaller batches.');
  }
  if (e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported') {
    return new DtmError(415, PROBLEM_TYPES.unsupportedMediaType, 'Unsupported encoding', 'Send UTF-8 JSON.');
  }
  if (isValidatorError(err)) {
    const errors: ProblemDetailItem[] = (err.errors ?? []).slice(0, 100).map((x) => ({
      pointer: toPointer(x.path),
      message: x.message ?? 'invalid',
    }));
    const byStatus: Record<number, [ProblemType, string]> = {
      400: [PROBLEM_TYPES.validation, 'Request does not match the DTM contract'],
      404: [PROBLEM_TYPES.notFound, 'Not found'],
      405: [PROBLEM_TYPES.badRequest, 'Method not allowed'],
      413: [PROBLEM_TYPES.payloadTooLarge, 'Request body too large'],
      415: [PROBLEM_TYPES.unsupportedMediaType, 'Unsupported media type'],
    };
    const [type, title] = byStatus[err.status] ?? [PROBLEM_TYPES.badRequest, 'Bad request'];
    const detail =
      err.status === 400 ? `${errors.length} problem(s) in the request; nothing was written.` :
      err.status === 404 ? 'No such route in the DTM API.' :
      err.status === 415 ? 'Send the body as application/json.' : title;
    return new DtmError(err.status >= 400 && err.status < 500 ? err.status : 400, type, title, detail, { errors });
  }
  return null;
}

export const problemHandler: ErrorRequestHandler = (err, req, res, _next) => {
  const known = translate(err);
  const requestId = String(req.id ?? '');
  if (!known) {
    // Message and stack go to the log only; they may name internals, so the client never sees them.
    req.log?.error({ err: { type: (err as Error)?.name, message: (err as Error)?.message, stack: (err as Error)?.stack } }, 'unhandled error');
  }
  const problem = known ?? new DtmError(500, PROBLEM_TYPES.internal, 'Internal error', 'The DTM could not complete the request. Quote the requestId when reporting it.');
  if (res.headersSent) {
    res.destroy();
    return;
  }
  for (const [k, v] of Object.entries(problem.headers ?? {})) res.setHeader(k, v);
  res.status(problem.status).type(PROBLEM_CONTENT_TYPE).send(
    JSON.stringify({
      // Extension members first, so they can never replace a standard one.
      ...problem.extensions,
      type: problem.type,
      title: problem.title,
      status: problem.status,
      detail: problem.message,
      instance: req.originalUrl?.split('?')[0],
      requestId,
      ...(problem.errors?.length ? { errors: problem.errors } : {}),
    }),
  );
};

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new DtmError(404, PROBLEM_TYPES.notFound, 'Not found', `No route ${req.method} ${req.path} in the DTM API.`));
};
