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
