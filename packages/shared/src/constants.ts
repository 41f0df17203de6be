// Names and limits of the wire contract, in one place so server, client and conformance kit agree.
// Values mirror openapi/dtm.yaml; tests check the two stay equal.

/** HTTP header names the DTM reads or writes. */
export const HEADERS = {
  idempotencyKey: 'Idempotency-Key',
  idempotentReplayed: 'Idempotent-Replayed',
  requestId: 'X-Request-Id',
  reprDigest: 'Repr-Digest',
  digest: 'Digest',
} as const;

/** Query parameters of the change feed. */
export const FEED_PARAMS = { since: 'since', limit: 'limit', wait: 'wait' } as const;

export const FEED_LIMITS = {
  defaultLimit: 1000,
  maxLimit: 5000,
  maxWaitSeconds: 60,
  /**
   * A page ends before a change that would start past this many bytes of resource bodies (it always
   * holds at least one change): pages of large resources (inline attachments, Binary resources) stay
   * bounded in the server's memory and under V8's string limit, instead of failing for good.
   */
  pageBodyBytes: 32 * 1024 * 1024,
} as const;

export const INGEST_LIMITS = {
  maxItemsPerBatch: 5000,
  /** How far ahead of the server's clock a `sourceAsOf` may be (clock skew allowance). */
  maxFutureSkewSeconds: 300,
} as const;

/** Roadmap item: data provided via the DTM no more than 12 hours behind the live source. */
export const STALENESS_LIMIT_SECONDS = 43_200; // 12 h
/** Roadmap item: all updated data available to be consumed within 6 hours. */
export const AVAILABILITY_LIMIT_SECONDS = 21_600; // 6 h

export const API_PREFIX = '/v1';

/** `DocumentReference.content.attachment.url` form for binaries held by the DTM. */
export const binaryReference = (id: string): string => `Binary/${id}`;

/** The weekend cutover's limits and defaults (the migration lifecycle). */
export const MIGRATION_LIMITS = {
  /** Roadmap item: the Target confirms readiness in writing "a minimum of 2 weeks prior to the cutover date". */
  readinessLeadDays: 14,
  /** `readiness-due-soon` is raised this many days before the readiness deadline. */
  readinessWarningDays: 3,
  /** CSMP Step 9: "There should not be a need for any more than 5 separate iterations of Data Extracts". */
  maxExtractIterations: 5,
  /** CSMP 4.1 and Step 10: a Cut-Over Period over 3 Working Days is reported to the Migration Management Agent. */
  maxCutOverWorkingDays: 3,
  defaultRunOffDays: 30,
  maxRunOffDays: 365,
  maxNoteLength: 2000,
} as const;

/** Keyset pages of `GET /v1/practices/{ods}/digest/entries`. */
export const DIGEST_LIMITS = {
  defaultLimit: 1000,
  maxLimit: 10_000,
} as const;

/** The CSMP appendix letters the DTM renders from a migration's record, with their appendix numbers. */
export const MIGRATION_NOTICES = {
  'technical-readiness-confirmation': 3,
  'data-acceptance': 4,
  'business-go-live-date-confirmation': 5,
  'technical-go-live': 6,
  'business-go-live': 7,
  'migration-acceptance': 8,
} as const;
