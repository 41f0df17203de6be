// One error type carries its HTTP status and maps to application/problem+json (RFC 9457) in a
// single handler (http/problem.ts). Messages name what is wrong with the request, never its data.
import { PROBLEM_TYPES, type ProblemType } from '@dtm/shared';

export interface ProblemDetailItem {
  pointer: string;
  message: string;
}

export class DtmError extends Error {
  readonly status: number;
  readonly type: ProblemType;
  readonly title: string;
  readonly errors: ProblemDetailItem[] | undefined;
  readonly headers: Record<string, string> | undefined;
  /** RFC 9457 extension members (e.g. a digest mismatch's `differences`); never patient data. */
  readonly extensions: Record<string, unknown> | undefined;

  constructor(
    status: number,
    type: ProblemType,
    title: string,
    detail?: string,
    extra?: { errors?: ProblemDetailItem[]; headers?: Record<string, string>; extensions?: Record<string, unknown> },
  ) {
    super(detail ?? title);
    this.status = status;
    this.type = type;
    this.title = title;
    this.errors = extra?.errors;
    this.headers = extra?.headers;
    this.extensions = extra?.extensions;
  }
}

export const badRequest = (detail: string, errors?: ProblemDetailItem[]) =>
  new DtmError(400, PROBLEM_TYPES.validation, 'Request does not match the DTM contract', detail, {
    ...(errors ? { errors } : {}),
  });

export const notFound = (detail: string) =>
  new DtmError(404, PROBLEM_TYPES.notFound, 'Not found', detail);

export const conflict = (detail: string) =>
  new DtmError(409, PROBLEM_TYPES.conflict, 'Conflict', detail);

/** Ingest for a practice frozen for its weekend cutover (migration source-frozen or later, not aborted). */
export const practiceFrozen = (ods: string, state: string) =>
  new DtmError(409, PROBLEM_TYPES.practiceFrozen, 'Practice frozen for cutover',
    `Practice ${ods} is frozen for its weekend cutover (migration state ${state}); nothing was written.`);
