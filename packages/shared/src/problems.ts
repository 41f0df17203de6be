// RFC 9457 problem types of the DTM. Every error body the server sends uses one of these.

export const PROBLEM_TYPES = {
  badRequest: 'urn:dtm:problem:bad-request',
  validation: 'urn:dtm:problem:validation',
  notFound: 'urn:dtm:problem:not-found',
  unauthorized: 'urn:dtm:problem:unauthorized',
  forbidden: 'urn:dtm:problem:forbidden',
  tooManyRequests: 'urn:dtm:problem:too-many-requests',
  cursorEpoch: 'urn:dtm:problem:cursor-epoch',
  conflict: 'urn:dtm:problem:conflict',
  idempotencyMismatch: 'urn:dtm:problem:idempotency-mismatch',
  payloadTooLarge: 'urn:dtm:problem:payload-too-large',
  unsupportedMediaType: 'urn:dtm:problem:unsupported-media-type',
  rangeNotSatisfiable: 'urn:dtm:problem:range-not-satisfiable',
  /** The practice is frozen for its weekend cutover: ingest is refused, reads continue. */
  practiceFrozen: 'urn:dtm:problem:practice-frozen',
  /** The Target's digest differs from the server's at the final watermark (with `differences`). */
  digestMismatch: 'urn:dtm:problem:digest-mismatch',
  unavailable: 'urn:dtm:problem:unavailable',
  internal: 'urn:dtm:problem:internal',
} as const;

export type ProblemType = (typeof PROBLEM_TYPES)[keyof typeof PROBLEM_TYPES];

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
