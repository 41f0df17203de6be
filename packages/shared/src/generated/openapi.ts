// Generated from packages/shared/openapi/dtm.yaml by `npm run generate`; do not edit.
/* eslint-disable */
export interface paths {
    "/health/live": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Liveness probe
         * @description Answers 200 while the process is running.
         */
        get: operations["getLive"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/health/ready": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Readiness probe
         * @description Answers 200 when the database is reachable and every migration is applied, 503 otherwise.
         */
        get: operations["getReady"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Prometheus metrics
         * @description Request durations, feed pages served, ingest batches, data issues raised and answered, migration moves recorded, per-practice staleness, age of the oldest open database transaction.
         */
        get: operations["getMetrics"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/openapi.yaml": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** This document */
        get: operations["getOpenApi"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/.well-known/smart-configuration": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Authorization server discovery (SMART Backend Services) */
        get: operations["getSmartConfiguration"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/oauth2/token": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Get an access token (client credentials, private_key_jwt)
         * @description RFC 6749 client credentials grant with RFC 7523 client authentication. The assertion is a JWT
         *     signed with one of the client's registered keys (chosen by `kid`), with `iss` and `sub` the
         *     client id, `aud` this endpoint's URL, `exp` at most 5 minutes ahead, and a `jti` never used
         *     before. Accepted algorithms: RS384, RS512, PS384, PS512, ES384, ES512 (never `none` or HMAC).
         *     The answer is a short-lived opaque bearer token. Errors follow RFC 6749 §5.2.
         */
        post: operations["requestToken"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/practices": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List practices and their freshness */
        get: operations["listPractices"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/practices/{ods}/status": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The practice's ODS code (upper-case letters and digits, 3 to 10 characters, e.g. `A12345`). */
                ods: components["parameters"]["Ods"];
            };
            cookie?: never;
        };
        /**
         * Freshness, counts and availability figures for one practice
         * @description Both sides use this to know when DTM data was last updated (roadmap item): `sourceAsOf`,
         *     `lastUpdatedAt`, staleness against the 12-hour limit, the high-water cursor, counts per resource
         *     type and the 6-hour availability figure. `issues` shows the practice's data issues: how many are
         *     open, how many await the Source's answer and since when, and the median response time.
         *     `migration` shows the practice's migration state, its plan and the warnings a tool should
         *     watch (see `getMigration`).
         */
        get: operations["getPracticeStatus"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/practices/{ods}/changes": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The practice's ODS code (upper-case letters and digits, 3 to 10 characters, e.g. `A12345`). */
                ods: components["parameters"]["Ods"];
            };
            cookie?: never;
        };
        /**
         * Read the practice's change feed
         * @description Returns the changes after `since` (none: from the beginning, the initial extract), oldest first,
         *     at most `limit` of them. Keyset-paginated: the cost of a page does not grow with the size of the
         *     practice. Follow `nextCursor` until `upToDate` is true; then keep polling with `wait` to
         *     long-poll: the server answers as soon as a change commits, or with an empty page after `wait`
         *     seconds.
         *
         *     **Compression.** A page is FHIR JSON and compresses many times over; migrations run over the
         *     internet, where the Data Migration Standard expects as little as 70 Mbit/s. The client asks
         *     with `Accept-Encoding` (RFC 9110 section 12.5.3) and the server answers the page in one coding it
         *     offers, `zstd` (RFC 8878) or `gzip`, naming it in `Content-Encoding`, or uncompressed (identity,
         *     no `Content-Encoding`). Without `Accept-Encoding` the page is uncompressed. q-values are
         *     honoured (the highest wins, then the client's order); a page under about 1 KB (an empty
         *     long-poll answer) may go uncompressed whatever was asked; when no listed coding is acceptable,
         *     not even `identity;q=0`, the page goes uncompressed rather than refused. Every 200 carries
         *     `Vary: Accept-Encoding`. Only pages are compressed: binaries never are (`Range`,
         *     `Content-Length` and `Repr-Digest` speak of their stored bytes).
         */
        get: operations["getChanges"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/practices/{ods}/binaries": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The practice's ODS code (upper-case letters and digits, 3 to 10 characters, e.g. `A12345`). */
                ods: components["parameters"]["Ods"];
            };
            cookie?: never;
        };
        /**
         * Every binary the DTM holds for the practice, with its size and SHA-256 now (Target)
         * @description Ordered by `id`, keyset-paginated: pass `next` as `after`. No content. The sync client's
         *     verify and cutover compare it with the documents they hold, to find one the Source has
         *     replaced under the same id (with no hash or size in its DocumentReference, nothing else
         *     would show it) or no longer holds.
         */
        get: operations["listBinaryDigests"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/practices/{ods}/binaries/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The practice's ODS code (upper-case letters and digits, 3 to 10 characters, e.g. `A12345`). */
                ods: components["parameters"]["Ods"];
                /** @description The binary's id (FHIR id rules). */
                id: components["parameters"]["BinaryId"];
            };
            cookie?: never;
        };
        /**
         * Download a document or image
         * @description Streams the binary referenced by a `DocumentReference.content.attachment.url` of the form
         *     `Binary/{id}`. Supports a single byte `Range` and `If-None-Match`. `Repr-Digest` and `Digest`
         *     carry the SHA-256 of the whole content.
         */
        get: operations["getBinary"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        /**
         * A document's digest and size, without its content
         * @description The headers `getBinary` would send, without the body: `Repr-Digest` (the SHA-256 of the whole
         *     content now), `ETag` and `Content-Length`. For many binaries at once, `listBinaryDigests`.
         */
        head: operations["headBinary"];
        patch?: never;
        trace?: never;
    };
    "/v1/practices/{ods}/issues": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The practice's ODS code (upper-case letters and digits, 3 to 10 characters, e.g. `A12345`). */
                ods: components["parameters"]["Ods"];
            };
            cookie?: never;
        };
        /**
         * List the practice's data issues (both sides)
         * @description Issues in the order they were raised (newest last), keyset-paginated by `sequence`: pass the
         *     page's `next` as `after` for the next page. To look for newly raised issues later, pass the
         *     last `sequence` seen as `after`.
         */
        get: operations["listDataIssues"];
        put?: never;
        /**
         * Raise an issue found with the practice's data (Target)
         * @description The consumer tells the Source supplier about a problem it found in the data (roadmap item: the
         *     TSS notifies the SSS of any issues in a timely manner). Name each affected resource, optionally
         *     with the version checked and a JSON pointer into it.
         *
         *     `clientReference` is the client's own key for the issue, unique per practice and raising client.
         *     Raising again with the same `clientReference` answers `200` with that issue updated: its
         *     resources merged (one entry per resource type, id and pointer; the newer entry wins, so the
         *     latest `versionId` is kept), `severity` and `message` replaced, and, if the consumer had closed
         *     it, reopened. The `rule` of a `clientReference` cannot change (`409`).
         */
        post: operations["raiseDataIssue"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/practices/{ods}/issues/{issueId}": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The practice's ODS code (upper-case letters and digits, 3 to 10 characters, e.g. `A12345`). */
                ods: components["parameters"]["Ods"];
                /** @description The data issue's id. */
                issueId: components["parameters"]["IssueId"];
            };
            cookie?: never;
        };
        /** One data issue with its answers (both sides) */
        get: operations["getDataIssue"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /**
         * Answer a data issue (Source) or close it (Target)
         * @description The publisher answers with `acknowledged`, `resolved` or `wont-fix` and a `comment` (roadmap
         *     item: the SSS responds to data issues in a timely manner); the first answer sets
         *     `firstResponseAt` and `responseSeconds`. The consumer that raised the issue may only set
         *     `closed` (for example when a later version of the resource passes), with an optional comment.
         *
         *     Allowed changes:
         *
         *     | from | publisher may set | consumer may set |
         *     | --- | --- | --- |
         *     | `open` | `acknowledged`, `resolved`, `wont-fix` | `closed` |
         *     | `acknowledged` | `acknowledged` (a further note), `resolved`, `wont-fix` | `closed` |
         *     | `resolved`, `wont-fix` | nothing | `closed` |
         *     | `closed` | nothing | nothing (raise it again with its `clientReference` to reopen it) |
         *
         *     A status the caller's role may not set is refused with `403`; a change the table does not allow
         *     with `409`.
         */
        patch: operations["updateDataIssue"];
        trace?: never;
    };
    "/v1/practices/{ods}/migration": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The practice's ODS code (upper-case letters and digits, 3 to 10 characters, e.g. `A12345`). */
                ods: components["parameters"]["Ods"];
            };
            cookie?: never;
        };
        /**
         * The practice's migration - state, plan, history, warnings and timing (both sides)
         * @description The practice's current migration, or its most recent one once `accepted` or `aborted`.
         *
         *     States, and who records each move (`publisher` = the Source supplier, `consumer` = the
         *     migration's Target supplier client):
         *
         *     | to | from | by |
         *     | --- | --- | --- |
         *     | `registered` | (none) | publisher, `PUT /v1/ingest/practices/{ods}/migration` |
         *     | `syncing` | `registered` | consumer; also set automatically on the Target client's first feed read |
         *     | `readiness-confirmed` | `syncing` | consumer (roadmap item: in writing at least 2 weeks before cutover) |
         *     | `cutover-started` | `readiness-confirmed` | publisher |
         *     | `source-frozen` | `cutover-started` | publisher; fixes `finalWatermark`; ingest refused from now on |
         *     | `target-complete` | `source-frozen` | consumer, with a `digest` equal to the server's (Technical Go-Live) |
         *     | `business-go-live` | `target-complete` | publisher |
         *     | `run-off` | `business-go-live` | publisher |
         *     | `accepted` | `run-off` | publisher (Migration Acceptance Notice served) |
         *     | `aborted` | any state before `accepted` | either (rollback: the Source stays primary; ingest works again) |
         *
         *     `warnings` are the CSMP and roadmap rules a tool can watch: `readiness-due-soon`,
         *     `readiness-overdue`, `extract-iterations-exceeded` (more than 5 full initial extracts by one
         *     consumer), `cut-over-period-over-3-working-days`, `core-hours-touched`, `go-live-overran`.
         *     `timing` measures the Cut-Over Period from `source-frozen` (the final data is in the feed) to
         *     `target-complete` (Technical Go-Live), or to now while it runs, in Europe/London working days
         *     (England and Wales bank holidays excluded) and against core working hours (08:00-18:30 on
         *     working days).
         */
        get: operations["getMigration"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/practices/{ods}/migration/transitions": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The practice's ODS code (upper-case letters and digits, 3 to 10 characters, e.g. `A12345`). */
                ods: components["parameters"]["Ods"];
            };
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Move the migration to its next state (both sides)
         * @description Records one move of the state machine (see `getMigration`) with who made it, their role, when,
         *     and an optional note. A state the caller's role may not set, or a caller that is not the
         *     migration's Source or Target client, is refused with `403`; a move the state machine does not
         *     have from the current state with `409`.
         *
         *     `to: source-frozen` fixes `finalWatermark`: the feed cursor after which there will be nothing
         *     more. From then on ingest for the practice is refused (`409`,
         *     `urn:dtm:problem:practice-frozen`); reads continue.
         *
         *     `to: target-complete` needs `digest`: the Target's digest of its copy (computed with
         *     `DigestAccumulator` from `@dtm/shared` over every resource and tombstone it holds). The server
         *     compares it, type by type, with its own digest of the practice at the final watermark. Any
         *     difference is refused with `409` (`urn:dtm:problem:digest-mismatch`) listing the resource
         *     types that differ with both sides' counts and digests, and the state does not change; use
         *     `GET /v1/practices/{ods}/digest/entries` to find the ids.
         */
        post: operations["transitionMigration"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/practices/{ods}/migration/notices/{notice}": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The practice's ODS code (upper-case letters and digits, 3 to 10 characters, e.g. `A12345`). */
                ods: components["parameters"]["Ods"];
                /** @description Which CSMP appendix letter. */
                notice: components["parameters"]["Notice"];
            };
            cookie?: never;
        };
        /**
         * A CSMP notice letter rendered from the migration's record (both sides)
         * @description Renders one of the Catalogue Solution Migration Process appendix letters with the facts the
         *     DTM holds: practice name and ODS code, the Source and Target suppliers' clients, the dates
         *     (Europe/London) and the state history. Signatures and names the DTM does not hold are left
         *     as blanks to complete. Available once the migration has reached the letter's event:
         *
         *     | notice | CSMP | from |
         *     | --- | --- | --- |
         *     | `technical-readiness-confirmation` | Appendix 3 | `readiness-confirmed` |
         *     | `data-acceptance` | Appendix 4 | `target-complete` (the digest proved the data complete) |
         *     | `business-go-live-date-confirmation` | Appendix 5 | `readiness-confirmed` (the plan is fixed) |
         *     | `technical-go-live` | Appendix 6 | `target-complete` |
         *     | `business-go-live` | Appendix 7 | `business-go-live` |
         *     | `migration-acceptance` | Appendix 8 | `accepted` |
         *
         *     Before that: `409`. No resource data ever appears in a notice.
         */
        get: operations["getMigrationNotice"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/practices/{ods}/digest": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The practice's ODS code (upper-case letters and digits, 3 to 10 characters, e.g. `A12345`). */
                ods: components["parameters"]["Ods"];
            };
            cookie?: never;
        };
        /**
         * Proof of completeness - the practice's digest now (both sides)
         * @description An order-independent digest of every resource and tombstone the DTM holds for the practice,
         *     per resource type and in total, with the high-water `cursor` it describes (all of it read in
         *     one database snapshot). Each entry contributes SHA-256 of
         *     `{resourceType}\n{id}\n{versionId}\n{1 if deleted else 0}` read as a 256-bit unsigned integer;
         *     a type's `digest` is the sum of its entries modulo 2^256, as 64 lowercase hex digits. A Target
         *     that has applied the feed through `cursor` computes the same with `DigestAccumulator` from
         *     `@dtm/shared`. Resource bodies are never read.
         */
        get: operations["getDigest"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/practices/{ods}/digest/entries": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The practice's ODS code (upper-case letters and digits, 3 to 10 characters, e.g. `A12345`). */
                ods: components["parameters"]["Ods"];
            };
            cookie?: never;
        };
        /**
         * The entries behind the digest, to find which ids differ (Target)
         * @description Every resource and tombstone as `{resourceType, id, versionId, deleted}`, ordered by
         *     (`resourceType`, `id`), keyset-paginated: pass `next` as `after`. With `resourceType`, only
         *     that type. Compare with the local copy to find exactly which ids a differing type is missing
         *     or holds at another version.
         */
        get: operations["listDigestEntries"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/ingest/practices/{ods}": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The practice's ODS code (upper-case letters and digits, 3 to 10 characters, e.g. `A12345`). */
                ods: components["parameters"]["Ods"];
            };
            cookie?: never;
        };
        get?: never;
        /**
         * Register a practice or update its name
         * @description A practice is also created by its first batch, heartbeat or binary; this names it (the name appears in status and, later, in the migration paperwork).
         */
        put: operations["registerPractice"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/ingest/practices/{ods}/changes": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The practice's ODS code (upper-case letters and digits, 3 to 10 characters, e.g. `A12345`). */
                ods: components["parameters"]["Ods"];
            };
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Publish a batch of changes
         * @description The Source publishes upserts and deletes. The whole batch commits or none of it does. An upsert
         *     whose content (ignoring `meta.versionId` and `meta.lastUpdated`) equals the current version
         *     makes no new version. A delete of an unknown or already deleted resource is a no-op.
         *     `sourceAsOf` advances the practice's freshness. Send large loads as several batches (at most
         *     5,000 items each) so no transaction stays open for long. Resources are stored and served as
         *     sent, numbers included (`7.50` stays `7.50`: FHIR decimals carry their precision), so a change
         *     of a number's precision alone is a change. The body is UTF-8 JSON (RFC 8259); another charset
         *     is refused with 415.
         */
        post: operations["ingestChanges"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/ingest/practices/{ods}/heartbeat": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The practice's ODS code (upper-case letters and digits, 3 to 10 characters, e.g. `A12345`). */
                ods: components["parameters"]["Ods"];
            };
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Nothing changed, but the DTM is current to `sourceAsOf` */
        post: operations["ingestHeartbeat"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/ingest/practices/{ods}/audit": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The practice's ODS code (upper-case letters and digits, 3 to 10 characters, e.g. `A12345`). */
                ods: components["parameters"]["Ods"];
            };
            cookie?: never;
        };
        /**
         * The practice's access log (Source supplier)
         * @description Every request about the practice, oldest first; who, what, when, from where, result. Never a resource body.
         */
        get: operations["getAccessLog"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/ingest/practices/{ods}/binaries/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The practice's ODS code (upper-case letters and digits, 3 to 10 characters, e.g. `A12345`). */
                ods: components["parameters"]["Ods"];
                /** @description The binary's id (FHIR id rules). */
                id: components["parameters"]["BinaryId"];
            };
            cookie?: never;
        };
        get?: never;
        /**
         * Upload a document or image
         * @description Streams the body into storage (never buffered whole) with its content type, size, SHA-256 and
         *     SHA-1 (FHIR R4 `Attachment.hash` is SHA-1). Reference it from a DocumentReference as
         *     `content.attachment.url = "Binary/{id}"`. A PUT to an existing id replaces it atomically.
         *     Send `Repr-Digest: sha-256=:<base64>:` to have the server check the content on arrival.
         */
        put: operations["putBinary"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/ingest/practices/{ods}/migration": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The practice's ODS code (upper-case letters and digits, 3 to 10 characters, e.g. `A12345`). */
                ods: components["parameters"]["Ods"];
            };
            cookie?: never;
        };
        get?: never;
        /**
         * Register the practice's migration, or update its plan (Source)
         * @description The Source supplier registers the practice's migration to a Target supplier's client. The
         *     cutover must start at 17:00 on a Friday, Europe/London local time (roadmap item: "5pm Friday
         *     start, Target Solution operational for 8am the following Monday"), and in the future;
         *     `plannedGoLive` defaults to 08:00 on the following Monday and must be after the start. The
         *     readiness deadline is 14 days before the start (the Target confirms readiness in writing at
         *     least 2 weeks before cutover). `runOffDays` (default 30) is the agreed run-off period after
         *     Business Go-Live.
         *
         *     A practice has one live migration at a time. A PUT while it is `registered` updates the plan
         *     (`200`); once the Target has started syncing the plan is fixed (`409`). After `accepted` or
         *     `aborted` a new migration may be registered (`201`).
         */
        put: operations["registerMigration"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/ingest/migrations/report": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Data migration report for the Migration Management Agent (Source)
         * @description The supplier's data migration report (CSMP section 4.5): one row per migration of the
         *     calling publisher's practices (those it registered or holds a grant for), oldest first, with
         *     the ODS code, practice name, state, planned and actual cutover start (the freeze), planned
         *     and actual Technical Go-Live (`target-complete`), the Cut-Over Period in hours and working
         *     days, whether it overlapped core working hours, and the overall elapsed time from
         *     registration to acceptance. Times are RFC 3339 in Europe/London local time with the offset.
         *
         *     `csv` is RFC 4180 (CRLF line ends, a header row, fields quoted where needed); an item that
         *     is not applicable (not reached yet) is `n/a`, as the CSMP asks that it be stated. In `json`
         *     it is `null`. Text that would start with `=`, `+`, `-` or `@` is prefixed with `'` so a
         *     spreadsheet does not run it as a formula.
         */
        get: operations["getMigrationReport"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        /** @example A12345 */
        OdsCode: string;
        /** @description FHIR R4 id rules. */
        FhirId: string;
        /**
         * @description A FHIR R4 resource type name. The server refuses names that are not R4 resource types.
         * @example Patient
         */
        ResourceType: string;
        /** @description Opaque position in a practice's feed. Compare nothing about it; pass it back as `since`. */
        Cursor: string;
        /** Format: date-time */
        Instant: string;
        /** @description A FHIR R4 resource (UK Core shaped). Carried whole; the server reads only `resourceType`, `id` and `meta`. */
        FhirResource: {
            resourceType: components["schemas"]["ResourceType"];
            id: components["schemas"]["FhirId"];
            meta?: {
                [key: string]: unknown;
            };
        } & {
            [key: string]: unknown;
        };
        UpsertItem: {
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            op: "upsert";
            resource: components["schemas"]["FhirResource"];
            /** @description When the record changed in the live Source system. */
            sourceUpdatedAt?: components["schemas"]["Instant"];
        };
        DeleteItem: {
            /**
             * @description discriminator enum property added by openapi-typescript
             * @enum {string}
             */
            op: "delete";
            resourceType: components["schemas"]["ResourceType"];
            id: components["schemas"]["FhirId"];
            sourceUpdatedAt?: components["schemas"]["Instant"];
        };
        IngestItem: components["schemas"]["UpsertItem"] | components["schemas"]["DeleteItem"];
        IngestBatch: {
            /** @description The instant up to which the DTM reflects the live source once this batch commits. At most 5 minutes in the future of the server's clock. */
            sourceAsOf: components["schemas"]["Instant"];
            items: components["schemas"]["IngestItem"][];
        };
        IngestResult: {
            practice: components["schemas"]["OdsCode"];
            /** @description Items in the batch. */
            received: number;
            created: number;
            updated: number;
            deleted: number;
            /** @description Upserts equal to the current version and deletes of absent resources; no new version. */
            unchanged: number;
            watermark: components["schemas"]["Watermark"];
        };
        PracticeRegistration: {
            name: string;
        };
        Heartbeat: {
            sourceAsOf: components["schemas"]["Instant"];
        };
        /** @description How current the practice's feed is. */
        Watermark: {
            practice: components["schemas"]["OdsCode"];
            /** @description The instant up to which the DTM reflects the live source (roadmap item, 12-hour limit). */
            sourceAsOf: components["schemas"]["Instant"] | null;
            /** @description When DTM data for this practice last changed. */
            lastUpdatedAt: components["schemas"]["Instant"] | null;
            /** @description Cursor of the newest change a reader can see now; the feed is complete through it. */
            highWaterCursor?: components["schemas"]["Cursor"] | null;
            serverTime: components["schemas"]["Instant"];
        };
        Change: {
            cursor: components["schemas"]["Cursor"];
            /** @enum {string} */
            op: "upsert" | "delete";
            resourceType: components["schemas"]["ResourceType"];
            id: components["schemas"]["FhirId"];
            /** @description Increases with each write of the resource. Equal to `resource.meta.versionId` on upserts. */
            versionId: string;
            lastUpdated: components["schemas"]["Instant"];
            /** @description When the change was committed to the DTM and became available to readers. */
            availableAt: components["schemas"]["Instant"];
            sourceUpdatedAt?: components["schemas"]["Instant"] | null;
            /** @description The resource as stored, on upserts only. */
            resource?: components["schemas"]["FhirResource"];
        };
        ChangePage: {
            practice: components["schemas"]["OdsCode"];
            changes: components["schemas"]["Change"][];
            /** @description Pass as `since` for the next page. Equal to the request's `since` when the page is empty. */
            nextCursor: components["schemas"]["Cursor"] | null;
            /** @description True when no further change is readable now. A page may hold fewer than `limit` changes and still not be up to date (its resources reached 32 MiB). */
            upToDate: boolean;
            watermark: components["schemas"]["Watermark"];
        };
        ResourceCount: {
            resourceType: components["schemas"]["ResourceType"];
            live: number;
            deleted: number;
        };
        Staleness: {
            /** @description Seconds between `sourceAsOf` and now; null when the source has never published. */
            seconds: number | null;
            /** @constant */
            limitSeconds: 43200;
            withinLimit: boolean;
        };
        /** @description The roadmap item's 6-hour rule, over every change published with a `sourceUpdatedAt`. */
        Availability: {
            /** @constant */
            limitSeconds: 21600;
            changesMeasured: number;
            changesOverLimit: number;
            maxDelaySeconds: number | null;
        };
        /**
         * @description As FHIR `OperationOutcome.issue.severity` (without `fatal`).
         * @enum {string}
         */
        DataIssueSeverity: "error" | "warning" | "information";
        /**
         * @description `open`: raised (or reopened), awaiting the Source's answer. `acknowledged`: the Source is on it.
         *     `resolved`: the Source has fixed it. `wont-fix`: the Source will not change it. `closed`: the
         *     Target closed it.
         * @enum {string}
         */
        DataIssueStatus: "open" | "acknowledged" | "resolved" | "wont-fix" | "closed";
        /**
         * @description The identifier of the check that found the issue, chosen by the Target (e.g. `uk-core.nhs-number`).
         * @example uk-core.nhs-number
         */
        DataIssueRule: string;
        /** @description A resource the issue is about. */
        DataIssueResource: {
            resourceType: components["schemas"]["ResourceType"];
            id: components["schemas"]["FhirId"];
            /** @description The version the Target checked (a change's `versionId`). */
            versionId?: string;
            /**
             * @description RFC 6901 JSON pointer to the offending element within the resource.
             * @example /identifier/0/value
             */
            pointer?: string;
        };
        DataIssueRaise: {
            severity: components["schemas"]["DataIssueSeverity"];
            rule: components["schemas"]["DataIssueRule"];
            /** @description What is wrong, for a person at the Source supplier. */
            message: string;
            resources: components["schemas"]["DataIssueResource"][];
            /** @description The client's own key for this issue, unique per practice and raising client. Raising again with it updates the same issue. */
            clientReference?: string;
        };
        /** @description The publisher answers (`DataIssueAnswer`); the consumer closes (`DataIssueClose`). */
        DataIssueUpdate: components["schemas"]["DataIssueAnswer"] | components["schemas"]["DataIssueClose"];
        /** @description The publisher's answer; a comment is required. */
        DataIssueAnswer: {
            /** @enum {string} */
            status: "acknowledged" | "resolved" | "wont-fix";
            comment: string;
        };
        /** @description The consumer closes the issue it raised. */
        DataIssueClose: {
            /** @constant */
            status: "closed";
            comment?: string;
        };
        /** @description An answer or status change after the raise. */
        DataIssueResponse: {
            /** @description The client id that made it. */
            by: string;
            /** @enum {string} */
            role: "publisher" | "consumer";
            /** @description The status it set (`open` when a re-raise reopened a closed issue). */
            status: components["schemas"]["DataIssueStatus"];
            comment: string | null;
            at: components["schemas"]["Instant"];
        };
        DataIssue: {
            /** Format: uuid */
            id: string;
            /** @description Raise order; pass as `after` when listing. */
            sequence: number;
            practice: components["schemas"]["OdsCode"];
            /** @description The client id of the consumer that raised it. */
            raisedBy: string;
            raisedAt: components["schemas"]["Instant"];
            /** @description Last raise, answer or status change. */
            updatedAt: components["schemas"]["Instant"];
            severity: components["schemas"]["DataIssueSeverity"];
            rule: components["schemas"]["DataIssueRule"];
            message: string;
            resources: components["schemas"]["DataIssueResource"][];
            clientReference: string | null;
            status: components["schemas"]["DataIssueStatus"];
            /** @description Answers and status changes, oldest first. */
            responses: components["schemas"]["DataIssueResponse"][];
            /** @description The publisher's first answer. */
            firstResponseAt: components["schemas"]["Instant"] | null;
            /** @description The issue's response time, `firstResponseAt` minus `raisedAt`; null until the publisher answers. */
            responseSeconds: number | null;
        };
        DataIssuePage: {
            practice: components["schemas"]["OdsCode"];
            issues: components["schemas"]["DataIssue"][];
            /** @description Pass as `after` for the next page; null when there are no more. */
            next: number | null;
        };
        /** @description The practice's data issues (roadmap item - raised and answered in a timely manner). */
        DataIssueSummary: {
            /** @description Issues `open` or `acknowledged`. */
            open: number;
            /** @description Issues `open`, that is with no publisher answer since they were raised or reopened. */
            unanswered: number;
            /** @description When the oldest unanswered issue was raised (or reopened). */
            oldestUnansweredAt: components["schemas"]["Instant"] | null;
            oldestUnansweredSeconds: number | null;
            /** @description Median `responseSeconds` over the issues the publisher has answered. */
            medianResponseSeconds: number | null;
        };
        PracticeStatus: {
            /** @description The practice's current (or latest) migration in brief; null when none was ever registered. */
            migration: components["schemas"]["MigrationSummary"] | null;
            issues: components["schemas"]["DataIssueSummary"];
            consumers: components["schemas"]["ConsumerRetrieval"][];
            practice: components["schemas"]["OdsCode"];
            name: string | null;
            watermark: components["schemas"]["Watermark"];
            staleness: components["schemas"]["Staleness"];
            availability: components["schemas"]["Availability"];
            counts: components["schemas"]["ResourceCount"][];
            binaries: {
                count: number;
                bytes: number;
            };
        };
        PracticeSummary: {
            practice: components["schemas"]["OdsCode"];
            name: string | null;
            sourceAsOf: components["schemas"]["Instant"] | null;
            lastUpdatedAt: components["schemas"]["Instant"] | null;
            staleness: components["schemas"]["Staleness"];
        };
        PracticeList: {
            practices: components["schemas"]["PracticeSummary"][];
        };
        BinaryInfo: {
            id: components["schemas"]["FhirId"];
            contentType: string;
            size: number;
            /** @description Base64 SHA-256 of the content. */
            sha256: string;
            /** @description Base64 SHA-1, for FHIR R4 `Attachment.hash`. */
            sha1: string;
            /** @description The value for `DocumentReference.content.attachment.url`. */
            url: string;
        };
        SmartConfiguration: {
            /** Format: uri */
            token_endpoint: string;
            grant_types_supported: string[];
            token_endpoint_auth_methods_supported: string[];
            token_endpoint_auth_signing_alg_values_supported: string[];
            scopes_supported: string[];
            capabilities?: string[];
        };
        TokenRequest: {
            /** @constant */
            grant_type: "client_credentials";
            /** @constant */
            client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
            /** @description The signed JWT. */
            client_assertion: string;
            /** @description Space-separated; defaults to every scope of the client's role. */
            scope?: string;
        };
        TokenResponse: {
            access_token: string;
            /** @constant */
            token_type: "bearer";
            expires_in: number;
            scope: string;
        };
        OAuthError: {
            /** @enum {string} */
            error: "invalid_request" | "invalid_client" | "invalid_grant" | "unauthorized_client" | "unsupported_grant_type" | "invalid_scope";
            error_description?: string;
        };
        AccessLogEntry: {
            id: number;
            at: components["schemas"]["Instant"];
            requestId?: string | null;
            clientId?: string | null;
            practice?: string | null;
            method: string;
            route: string;
            status: number;
            /**
             * @description ok; refused (401, 403, 429); rejected (another 4xx); error (5xx); aborted: the connection closed before the response was complete (a download abandoned part-way).
             * @enum {string}
             */
            outcome: "ok" | "refused" | "rejected" | "error" | "aborted";
            resources: number;
            binaries: number;
            cursorFrom?: string | null;
            cursorTo?: string | null;
            ip?: string | null;
        };
        AccessLogPage: {
            practice: components["schemas"]["OdsCode"];
            entries: components["schemas"]["AccessLogEntry"][];
            /** @description Pass as `after` for the next page; null at the end. */
            next: number | null;
        };
        /** @description A Target supplier's retrievals of this practice (roadmap item - at least weekly; more than one per 24 h only as agreed). */
        ConsumerRetrieval: {
            clientId: string;
            lastRetrievalAt: components["schemas"]["Instant"] | null;
            sessionsLast24h: number;
            /** @description The agreed retrieval sessions per 24 h. */
            sessionsPerDay: number;
            /** @description True when the consumer has not retrieved for 7 days (or ever). */
            overdue: boolean;
        };
        Health: {
            /** @enum {string} */
            status: "ok" | "unavailable";
            checks?: {
                [key: string]: string;
            };
        };
        ProblemDetail: {
            /** @description JSON pointer into the request (`/body/...`, `/query/...`, `/path/...`, `/headers/...`). */
            pointer: string;
            message: string;
        };
        /** @description RFC 9457 problem details. */
        Problem: {
            /** Format: uri */
            type: string;
            title: string;
            status: number;
            detail?: string;
            instance?: string;
            /** @description The request id, also in the `X-Request-Id` response header, for support. */
            requestId?: string;
            errors?: components["schemas"]["ProblemDetail"][];
        };
        /**
         * @description Where the practice's migration is (see `getMigration` for who moves it where). `aborted` is the
         *     rollback: the Source stays the primary system.
         * @enum {string}
         */
        MigrationState: "registered" | "syncing" | "readiness-confirmed" | "cutover-started" | "source-frozen" | "target-complete" | "business-go-live" | "run-off" | "accepted" | "aborted";
        /**
         * @description A state a transition may move to (`registered` is reached only by `registerMigration`).
         * @enum {string}
         */
        MigrationTransitionTarget: "syncing" | "readiness-confirmed" | "cutover-started" | "source-frozen" | "target-complete" | "business-go-live" | "run-off" | "accepted" | "aborted";
        /**
         * @description A DTM client id.
         * @example target-sync
         */
        ClientId: string;
        MigrationRegistration: {
            /** @description The Target supplier's consumer client that will sync the practice and record the Target's moves. */
            targetClientId: components["schemas"]["ClientId"];
            /** @description 17:00 on a Friday, Europe/London local time, in the future (e.g. `2026-11-27T17:00:00Z` in GMT, `2026-08-28T17:00:00+01:00` in BST). */
            plannedCutoverStart: components["schemas"]["Instant"];
            /** @description When the Target is to be operational; default 08:00 Europe/London on the Monday after the start. Must be after the start. */
            plannedGoLive?: components["schemas"]["Instant"];
            /**
             * @description Length of the agreed run-off period after Business Go-Live, in days.
             * @default 30
             */
            runOffDays: number;
        };
        MigrationTransitionRequest: {
            to: components["schemas"]["MigrationTransitionTarget"];
            /** @description Why, or what happened; kept in the history. Never put patient data here. */
            note?: string;
            /** @description Required with `to: target-complete`: the Target's digest of its copy. */
            digest?: components["schemas"]["Digest"];
        };
        MigrationHistoryEntry: {
            /** @description The state before; null for the registration. */
            from: components["schemas"]["MigrationState"] | null;
            to: components["schemas"]["MigrationState"];
            /** @description The client id that made the move. */
            by: string;
            /** @enum {string} */
            role: "publisher" | "consumer";
            at: components["schemas"]["Instant"];
            note: string | null;
        };
        /** @description Full initial extracts (feed reads with no `since`) one consumer made during this migration. */
        ExtractIterations: {
            clientId: string;
            count: number;
        };
        MigrationWarning: {
            /**
             * @description `readiness-due-soon`: the readiness deadline is within 3 days and the Target has not
             *     confirmed. `readiness-overdue`: the deadline has passed unconfirmed (roadmap item: the
             *     Target confirms in writing at least 2 weeks before cutover). `extract-iterations-exceeded`:
             *     a consumer made more than 5 full initial extracts (CSMP Step 9: no more than 5 iterations;
             *     beyond that the Migration Management Agent is notified). `cut-over-period-over-3-working-days`
             *     and `core-hours-touched`: to be reported to the Migration Management Agent (CSMP 4.1, Step
             *     10). `go-live-overran`: Technical Go-Live came (or has not come) by `plannedGoLive`.
             * @enum {string}
             */
            code: "readiness-due-soon" | "readiness-overdue" | "extract-iterations-exceeded" | "cut-over-period-over-3-working-days" | "core-hours-touched" | "go-live-overran";
            message: string;
        };
        /**
         * @description The Cut-Over Period (CSMP glossary: from the provision of the final Data Extract to Technical
         *     Go-Live) measured from `frozenAt` to `targetCompleteAt`, or to now while `running`, or to the
         *     abort if the migration was aborted after the freeze. All null before the freeze.
         */
        MigrationTiming: {
            cutOverPeriodHours: number | null;
            /** @description Elapsed time on working days only (England and Wales, Europe/London), fractional. */
            cutOverPeriodWorkingDays: number | null;
            cutOverPeriodOverThreeWorkingDays: boolean | null;
            /** @description Hours of the period within core working hours (08:00-18:30 on working days). */
            coreHoursOverlapHours: number | null;
            coreHoursTouched: boolean | null;
            /** @description `within`: Technical Go-Live by `plannedGoLive`; `overran`: after it, or not yet and `plannedGoLive` has passed. */
            window: ("within" | "overran") | null;
            /** @description True while the period is open (frozen, not yet target-complete) and measured to now. */
            running: boolean;
        };
        Migration: {
            /** Format: uuid */
            id: string;
            practice: components["schemas"]["OdsCode"];
            practiceName: string | null;
            /** @description The publisher that registered the migration (Source supplier). */
            sourceClientId: string;
            /** @description The consumer that syncs the practice (Target supplier). */
            targetClientId: string;
            state: components["schemas"]["MigrationState"];
            registeredAt: components["schemas"]["Instant"];
            plannedCutoverStart: components["schemas"]["Instant"];
            plannedGoLive: components["schemas"]["Instant"];
            /** @description 14 days before `plannedCutoverStart` (same London wall-clock time). */
            readinessDeadline: components["schemas"]["Instant"];
            runOffDays: number;
            /** @description Business Go-Live plus `runOffDays` (CSMP Step 12: the run-off period commences on Business Go-Live); null before it. */
            runOffEndsAt: components["schemas"]["Instant"] | null;
            /** @description Fixed at `source-frozen`, the feed cursor after which there will be nothing more. A Target that has read through it holds everything. */
            finalWatermark: components["schemas"]["Cursor"] | null;
            frozenAt: components["schemas"]["Instant"] | null;
            /** @description Technical Go-Live, when the Target's digest matched the server's. */
            targetCompleteAt: components["schemas"]["Instant"] | null;
            /** @description Every move, oldest first. */
            history: components["schemas"]["MigrationHistoryEntry"][];
            extractIterations: components["schemas"]["ExtractIterations"][];
            warnings: components["schemas"]["MigrationWarning"][];
            timing: components["schemas"]["MigrationTiming"];
        };
        /** @description The practice's migration in brief (full detail at `getMigration`). */
        MigrationSummary: {
            state: components["schemas"]["MigrationState"];
            plannedCutoverStart: components["schemas"]["Instant"];
            readinessDeadline: components["schemas"]["Instant"];
            warnings: components["schemas"]["MigrationWarning"][];
        };
        /** @description A sum modulo 2^256 of entry hashes, as 64 lowercase hex digits. */
        DigestValue: string;
        DigestTotals: {
            live: number;
            deleted: number;
            digest: components["schemas"]["DigestValue"];
        };
        DigestTypeSummary: {
            resourceType: components["schemas"]["ResourceType"];
            live: number;
            deleted: number;
            digest: components["schemas"]["DigestValue"];
        };
        /**
         * @description Order-independent digest of a practice's resources and tombstones. Each entry is SHA-256 of
         *     `{resourceType}\n{id}\n{versionId}\n{1|0}` (1 when deleted) read as an unsigned 256-bit
         *     integer; a type's digest is the sum of its entries modulo 2^256; `total` sums every type.
         *     `types` are sorted by name.
         */
        Digest: {
            /** @description The feed position the digest describes (the server's high-water cursor; the client's checkpoint). */
            cursor: components["schemas"]["Cursor"] | null;
            types: components["schemas"]["DigestTypeSummary"][];
            total: components["schemas"]["DigestTotals"];
        };
        /** @description A resource type whose counts or digest differ; null where one side has none of it. */
        DigestDifference: {
            resourceType: components["schemas"]["ResourceType"];
            server: components["schemas"]["DigestTotals"] | null;
            client: components["schemas"]["DigestTotals"] | null;
        };
        /** @description A problem; for `urn:dtm:problem:digest-mismatch` with the differing resource types. */
        DigestMismatchProblem: components["schemas"]["Problem"] & {
            differences?: components["schemas"]["DigestDifference"][];
        };
        /**
         * @description `{resourceType}/{id}`
         * @example Observation/obs-9
         */
        DigestEntryKey: string;
        DigestEntry: {
            resourceType: components["schemas"]["ResourceType"];
            id: components["schemas"]["FhirId"];
            versionId: string;
            deleted: boolean;
        };
        BinaryDigestPage: {
            binaries: {
                id: components["schemas"]["FhirId"];
                size: number;
                /** @description Base64 SHA-256 of the whole content, as in `Repr-Digest`. */
                sha256: string;
            }[];
            /** @description Pass as `after` for the next page; null at the end. */
            next: components["schemas"]["FhirId"] | null;
        };
        DigestEntryPage: {
            entries: components["schemas"]["DigestEntry"][];
            /** @description Pass as `after` for the next page; null at the end. */
            next: components["schemas"]["DigestEntryKey"] | null;
        };
        /** @description One migration (CSMP section 4.5). Times are RFC 3339 in Europe/London local time; null where not applicable yet. */
        MigrationReportRow: {
            odsCode: components["schemas"]["OdsCode"];
            practiceName: string | null;
            /** Format: uuid */
            migrationId: string;
            state: components["schemas"]["MigrationState"];
            sourceClientId: string;
            targetClientId: string;
            registeredAt: string;
            plannedCutoverStart: string;
            /** @description The freeze (`source-frozen`). */
            actualCutoverStart: string | null;
            /** @description `plannedGoLive`. */
            plannedTechnicalGoLive: string;
            /** @description `target-complete`. */
            actualTechnicalGoLive: string | null;
            businessGoLiveAt: string | null;
            acceptedAt: string | null;
            abortedAt: string | null;
            cutOverPeriodHours: number | null;
            cutOverPeriodWorkingDays: number | null;
            cutOverPeriodOverThreeWorkingDays: boolean | null;
            /** @description Whether the Cut-Over Period overlapped core working hours. */
            coreHoursOverlap: boolean | null;
            coreHoursOverlapHours: number | null;
            /** @description Registration to acceptance, in days; null until accepted. */
            overallElapsedDays: number | null;
        };
        MigrationReport: {
            generatedAt: string;
            /** @description The publisher the report is for. */
            clientId: string;
            /** @description Migrations in the report that reached `accepted`. */
            completed: number;
            migrations: components["schemas"]["MigrationReportRow"][];
        };
    };
    responses: {
        /** @description No valid access token (missing, malformed, unknown, expired, or its client revoked). */
        Unauthorized: {
            headers: {
                "WWW-Authenticate"?: string;
                [name: string]: unknown;
            };
            content: {
                /**
                 * @example {
                 *       "type": "urn:dtm:problem:unauthorized",
                 *       "title": "Unauthorized",
                 *       "status": 401,
                 *       "detail": "The access token has expired; request a new one."
                 *     }
                 */
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description The client's role, scope or grant does not allow this request (wrong role, no grant for the practice, grant not valid now). */
        Forbidden: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description Past the grant's agreed terms (retrieval sessions per 24 h, or requests per minute). Retry after `Retry-After` seconds. */
        TooManyRequests: {
            headers: {
                /** @description Seconds to wait. */
                "Retry-After"?: number;
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description The request is malformed; nothing was written. `errors` names each problem. */
        BadRequest: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                /**
                 * @example {
                 *       "type": "urn:dtm:problem:validation",
                 *       "title": "Request does not match the DTM contract",
                 *       "status": 400,
                 *       "detail": "1 problem in the request.",
                 *       "errors": [
                 *         {
                 *           "pointer": "/body/items/0/resource/id",
                 *           "message": "must match pattern \"^[A-Za-z0-9\\-\\.]{1,64}$\""
                 *         }
                 *       ]
                 *     }
                 */
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description No such practice, binary or data issue. */
        NotFound: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /**
         * @description The issue cannot change this way: the status change is not allowed from its current status
         *     (see `updateDataIssue`), or a raise with a known `clientReference` names another rule or would
         *     make the issue name more than 10,000 resources. Nothing was written.
         */
        IssueConflict: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                /**
                 * @example {
                 *       "type": "urn:dtm:problem:conflict",
                 *       "title": "Conflict",
                 *       "status": 409,
                 *       "detail": "A closed issue cannot be set to resolved."
                 *     }
                 */
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description The body is larger than the server accepts; nothing was written. */
        PayloadTooLarge: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description The body is not `application/json`. */
        UnsupportedMediaType: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description Not ready (database unreachable or migrations pending). */
        Unavailable: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description The content, whole (200) or the requested range (206). */
        BinaryContent: {
            headers: {
                /** @description Strong entity tag derived from the SHA-256. */
                ETag?: string;
                "Content-Length"?: number;
                /** @description On 206, `bytes {first}-{last}/{size}`. */
                "Content-Range"?: string;
                "Accept-Ranges"?: "bytes";
                /** @description RFC 9530: `sha-256=:<base64>:` of the whole content. */
                "Repr-Digest"?: string;
                /** @description RFC 3230 (legacy): `SHA-256=<base64>` of the whole content. */
                Digest?: string;
                [name: string]: unknown;
            };
            content: {
                "*/*": string;
            };
        };
        /**
         * @description The migration cannot do this now: another live migration exists, the plan is fixed (the Target
         *     has started syncing), or the migration has not reached the state a notice records. Nothing
         *     changed.
         */
        MigrationConflict: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                /**
                 * @example {
                 *       "type": "urn:dtm:problem:conflict",
                 *       "title": "Conflict",
                 *       "status": 409,
                 *       "detail": "Practice A12345 already has a live migration (syncing); its plan can no longer change."
                 *     }
                 */
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /**
         * @description The practice is frozen for its weekend cutover (its migration is `source-frozen` or later, and
         *     not `aborted`): the DTM takes no more changes, heartbeats, binaries or registrations for it.
         *     Nothing was written. Reads continue.
         */
        PracticeFrozen: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                /**
                 * @example {
                 *       "type": "urn:dtm:problem:practice-frozen",
                 *       "title": "Practice frozen for cutover",
                 *       "status": 409,
                 *       "detail": "Practice A12345 is frozen (migration state source-frozen); nothing was written."
                 *     }
                 */
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
    };
    parameters: {
        /** @description The practice's ODS code (upper-case letters and digits, 3 to 10 characters, e.g. `A12345`). */
        Ods: components["schemas"]["OdsCode"];
        /** @description The binary's id (FHIR id rules). */
        BinaryId: components["schemas"]["FhirId"];
        /** @description The data issue's id. */
        IssueId: string;
        /** @description Which CSMP appendix letter. */
        Notice: "technical-readiness-confirmation" | "data-acceptance" | "business-go-live-date-confirmation" | "technical-go-live" | "business-go-live" | "migration-acceptance";
        /** @description A unique key per batch (e.g. a UUID). Repeating a key with the same body replays the first answer and writes nothing; with a different body it is refused with 422. */
        IdempotencyKey: string;
    };
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    getLive: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Process is alive. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "status": "ok"
                     *     }
                     */
                    "application/json": components["schemas"]["Health"];
                };
            };
        };
    };
    getReady: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Ready to serve. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "status": "ok",
                     *       "checks": {
                     *         "database": "ok",
                     *         "migrations": "ok"
                     *       }
                     *     }
                     */
                    "application/json": components["schemas"]["Health"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    getMetrics: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Prometheus text exposition format. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/plain": string;
                };
            };
        };
    };
    getOpenApi: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The OpenAPI document the server validates requests against. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/yaml": string;
                };
            };
        };
    };
    getSmartConfiguration: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Where and how to get an access token. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SmartConfiguration"];
                };
            };
        };
    };
    requestToken: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/x-www-form-urlencoded": components["schemas"]["TokenRequest"];
            };
        };
        responses: {
            /** @description An access token. */
            200: {
                headers: {
                    "Cache-Control"?: "no-store";
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "access_token": "q8Zb1s2Zt0m3oKx9V3cYf2W1mX0pLrN4tA7uE6bR5dQ",
                     *       "token_type": "bearer",
                     *       "expires_in": 300,
                     *       "scope": "dtm/feed.read"
                     *     }
                     */
                    "application/json": components["schemas"]["TokenResponse"];
                };
            };
            /** @description RFC 6749 §5.2 `invalid_request`, `unsupported_grant_type` or `invalid_scope`. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OAuthError"];
                };
            };
            /** @description RFC 6749 §5.2 `invalid_client`; the description says which check failed. */
            401: {
                headers: {
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "error": "invalid_client",
                     *       "error_description": "jti has already been used (replayed assertion)"
                     *     }
                     */
                    "application/json": components["schemas"]["OAuthError"];
                };
            };
        };
    };
    listPractices: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Every practice this DTM holds. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PracticeList"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            429: components["responses"]["TooManyRequests"];
        };
    };
    getPracticeStatus: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The practice's ODS code (upper-case letters and digits, 3 to 10 characters, e.g. `A12345`). */
                ods: components["parameters"]["Ods"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The practice's status. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PracticeStatus"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
        };
    };
    getChanges: {
        parameters: {
            query?: {
                /** @description An opaque cursor from a previous page's `nextCursor` or a change's `cursor`. Omit to start from the beginning. */
                since?: components["schemas"]["Cursor"];
                /** @description Maximum number of changes in the page. A page also ends before a change whose resource would start past 32 MiB of resources in it (it always holds at least one change); `upToDate` is then false. */
                limit?: number;
                /** @description When the reader is up to date, hold the request open for up to this many seconds until a change commits. */
                wait?: number;
            };
            header?: {
                /**
                 * @description Content codings the client can decode, e.g. `zstd, gzip` or `gzip;q=1, zstd;q=0.5` (RFC 9110 section 12.5.3). The server offers `zstd` and `gzip`; anything else means an uncompressed page.
                 * @example zstd, gzip
                 */
                "Accept-Encoding"?: string;
            };
            path: {
                /** @description The practice's ODS code (upper-case letters and digits, 3 to 10 characters, e.g. `A12345`). */
                ods: components["parameters"]["Ods"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of changes, compressed when the client asked for it (see Compression above). */
            200: {
                headers: {
                    /** @description `zstd` or `gzip` when the page is compressed; absent when it is not. Content-Length counts the bytes as sent. */
                    "Content-Encoding"?: "zstd" | "gzip";
                    /** @description Names `Accept-Encoding` on every page, compressed or not, so that no cache hands a compressed page to a client that did not ask for one. */
                    Vary?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ChangePage"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            /** @description The cursor belongs to another epoch of this DTM (for instance the database was restored). Resync from the beginning. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "type": "urn:dtm:problem:cursor-epoch",
                     *       "title": "Cursor from another epoch",
                     *       "status": 409,
                     *       "detail": "This cursor was issued by an earlier epoch of this DTM. Discard local state for the practice and read again from the beginning."
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            429: components["responses"]["TooManyRequests"];
        };
    };
    listBinaryDigests: {
        parameters: {
            query?: {
                /** @description Continue after this binary id (the previous page's `next`). */
                after?: components["schemas"]["FhirId"];
                /** @description Maximum number of binaries in the page. */
                limit?: number;
            };
            header?: never;
            path: {
                /** @description The practice's ODS code (upper-case letters and digits, 3 to 10 characters, e.g. `A12345`). */
                ods: components["parameters"]["Ods"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of binaries. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BinaryDigestPage"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
        };
    };
    getBinary: {
        parameters: {
            query?: never;
            header?: {
                /** @description A single byte range, e.g. `bytes=1000-` to resume. */
                Range?: string;
            };
            path: {
                /** @description The practice's ODS code (upper-case letters and digits, 3 to 10 characters, e.g. `A12345`). */
                ods: components["parameters"]["Ods"];
                /** @description The binary's id (FHIR id rules). */
                id: components["parameters"]["BinaryId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: components["responses"]["BinaryContent"];
            206: components["responses"]["BinaryContent"];
            /** @description Not modified (the `If-None-Match` ETag matches). */
            304: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            /** @description The range is outside the content. */
            416: {
                headers: {
                    /** @description `bytes *\/{size}` */
                    "Content-Range"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            429: components["responses"]["TooManyRequests"];
        };
    };
    headBinary: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The practice's ODS code (upper-case letters and digits, 3 to 10 characters, e.g. `A12345`). */
                ods: components["parameters"]["Ods"];
                /** @description The binary's id (FHIR id rules). */
                id: components["parameters"]["BinaryId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The binary's headers. */
            200: {
                headers: {
                    /** @description Strong entity tag derived from the SHA-256. */
                    ETag?: string;
                    "Content-Length"?: number;
                    /** @description RFC 9530: `sha-256=:<base64>:` of the whole content. */
                    "Repr-Digest"?: string;
                    [name: string]: unknown;
                };
                content?: never;
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            /** @description No such binary for this practice (no body, as for any HEAD). */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            429: components["responses"]["TooManyRequests"];
        };
    };
    listDataIssues: {
        parameters: {
            query?: {
                /** @description Only issues in these statuses (repeat the parameter for several, e.g. `status=open&status=acknowledged`). */
                status?: components["schemas"]["DataIssueStatus"][];
                /** @description Only issues raised under this rule (exact match). */
                rule?: components["schemas"]["DataIssueRule"];
                /** @description Continue after this `sequence` (the previous page's `next`). */
                after?: number;
                /** @description Maximum number of issues in the page. */
                limit?: number;
            };
            header?: never;
            path: {
                /** @description The practice's ODS code (upper-case letters and digits, 3 to 10 characters, e.g. `A12345`). */
                ods: components["parameters"]["Ods"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of issues. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DataIssuePage"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
        };
    };
    raiseDataIssue: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The practice's ODS code (upper-case letters and digits, 3 to 10 characters, e.g. `A12345`). */
                ods: components["parameters"]["Ods"];
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "severity": "error",
                 *       "rule": "uk-core.nhs-number",
                 *       "message": "NHS number fails the Modulus 11 check.",
                 *       "resources": [
                 *         {
                 *           "resourceType": "Patient",
                 *           "id": "pat-1",
                 *           "versionId": "3",
                 *           "pointer": "/identifier/0/value"
                 *         }
                 *       ],
                 *       "clientReference": "nhs-number/Patient/pat-1"
                 *     }
                 */
                "application/json": components["schemas"]["DataIssueRaise"];
            };
        };
        responses: {
            /** @description An issue with this `clientReference` was already raised by this client; it is updated (and reopened if the consumer had closed it). */
            200: {
                headers: {
                    /** @description The issue's URL. */
                    Location?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DataIssue"];
                };
            };
            /** @description Raised. */
            201: {
                headers: {
                    /** @description The issue's URL. */
                    Location?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DataIssue"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["IssueConflict"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
        };
    };
    getDataIssue: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The practice's ODS code (upper-case letters and digits, 3 to 10 characters, e.g. `A12345`). */
                ods: components["parameters"]["Ods"];
                /** @description The data issue's id. */
                issueId: components["parameters"]["IssueId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The issue. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DataIssue"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
        };
    };
    updateDataIssue: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The practice's ODS code (upper-case letters and digits, 3 to 10 characters, e.g. `A12345`). */
                ods: components["parameters"]["Ods"];
                /** @description The data issue's id. */
                issueId: components["parameters"]["IssueId"];
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["DataIssueUpdate"];
            };
        };
        responses: {
            /** @description The issue, updated. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DataIssue"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["IssueConflict"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
        };
    };
    getMigration: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The practice's ODS code (upper-case letters and digits, 3 to 10 characters, e.g. `A12345`). */
                ods: components["parameters"]["Ods"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The migration. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Migration"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
        };
    };
    transitionMigration: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The practice's ODS code (upper-case letters and digits, 3 to 10 characters, e.g. `A12345`). */
                ods: components["parameters"]["Ods"];
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["MigrationTransitionRequest"];
            };
        };
        responses: {
            /** @description The migration after the move. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Migration"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            /**
             * @description The move is not allowed from the current state (`urn:dtm:problem:conflict`), or the digest
             *     differs from the server's (`urn:dtm:problem:digest-mismatch`, with `differences`). Nothing
             *     changed.
             */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["DigestMismatchProblem"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
        };
    };
    getMigrationNotice: {
        parameters: {
            query?: {
                /** @description `md` (Markdown) or `html` (one self-contained page, inline CSS). */
                format?: "md" | "html";
            };
            header?: never;
            path: {
                /** @description The practice's ODS code (upper-case letters and digits, 3 to 10 characters, e.g. `A12345`). */
                ods: components["parameters"]["Ods"];
                /** @description Which CSMP appendix letter. */
                notice: components["parameters"]["Notice"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The letter. */
            200: {
                headers: {
                    /** @description `inline; filename="{ods}-{notice}.{md|html}"` */
                    "Content-Disposition"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "text/markdown": string;
                    "text/html": string;
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["MigrationConflict"];
            429: components["responses"]["TooManyRequests"];
        };
    };
    getDigest: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The practice's ODS code (upper-case letters and digits, 3 to 10 characters, e.g. `A12345`). */
                ods: components["parameters"]["Ods"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The digest. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Digest"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
        };
    };
    listDigestEntries: {
        parameters: {
            query?: {
                /** @description Only entries of this type. */
                resourceType?: components["schemas"]["ResourceType"];
                /** @description Continue after this entry, written `{resourceType}/{id}` (the previous page's `next`); the `/` may be sent as is or percent-encoded. */
                after?: components["schemas"]["DigestEntryKey"];
                /** @description Maximum number of entries in the page. */
                limit?: number;
            };
            header?: never;
            path: {
                /** @description The practice's ODS code (upper-case letters and digits, 3 to 10 characters, e.g. `A12345`). */
                ods: components["parameters"]["Ods"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of entries. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "entries": [
                     *         {
                     *           "resourceType": "Observation",
                     *           "id": "obs-1",
                     *           "versionId": "2",
                     *           "deleted": false
                     *         },
                     *         {
                     *           "resourceType": "Observation",
                     *           "id": "obs-9",
                     *           "versionId": "3",
                     *           "deleted": true
                     *         }
                     *       ],
                     *       "next": "Observation/obs-9"
                     *     }
                     */
                    "application/json": components["schemas"]["DigestEntryPage"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
        };
    };
    registerPractice: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The practice's ODS code (upper-case letters and digits, 3 to 10 characters, e.g. `A12345`). */
                ods: components["parameters"]["Ods"];
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "name": "The Village Surgery"
                 *     }
                 */
                "application/json": components["schemas"]["PracticeRegistration"];
            };
        };
        responses: {
            /** @description Registered. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PracticeSummary"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            409: components["responses"]["PracticeFrozen"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
        };
    };
    ingestChanges: {
        parameters: {
            query?: never;
            header?: {
                /** @description A unique key per batch (e.g. a UUID). Repeating a key with the same body replays the first answer and writes nothing; with a different body it is refused with 422. */
                "Idempotency-Key"?: components["parameters"]["IdempotencyKey"];
            };
            path: {
                /** @description The practice's ODS code (upper-case letters and digits, 3 to 10 characters, e.g. `A12345`). */
                ods: components["parameters"]["Ods"];
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "sourceAsOf": "2026-11-20T16:59:30Z",
                 *       "items": [
                 *         {
                 *           "op": "upsert",
                 *           "sourceUpdatedAt": "2026-11-20T16:58:02Z",
                 *           "resource": {
                 *             "resourceType": "Condition",
                 *             "id": "cond-1",
                 *             "subject": {
                 *               "reference": "Patient/pat-1"
                 *             },
                 *             "code": {
                 *               "coding": [
                 *                 {
                 *                   "system": "http://snomed.info/sct",
                 *                   "code": "38341003",
                 *                   "display": "Hypertensive disorder"
                 *                 }
                 *               ]
                 *             }
                 *           }
                 *         },
                 *         {
                 *           "op": "delete",
                 *           "resourceType": "Observation",
                 *           "id": "obs-9"
                 *         }
                 *       ]
                 *     }
                 */
                "application/json": components["schemas"]["IngestBatch"];
            };
        };
        responses: {
            /** @description The batch committed (or, with a repeated `Idempotency-Key`, had already committed). */
            200: {
                headers: {
                    /** @description `true` when this answer replays an earlier batch with the same key. */
                    "Idempotent-Replayed"?: "true" | "false";
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["IngestResult"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            409: components["responses"]["PracticeFrozen"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            /** @description The `Idempotency-Key` was already used with a different request body. */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            429: components["responses"]["TooManyRequests"];
        };
    };
    ingestHeartbeat: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The practice's ODS code (upper-case letters and digits, 3 to 10 characters, e.g. `A12345`). */
                ods: components["parameters"]["Ods"];
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "sourceAsOf": "2026-11-20T16:59:30Z"
                 *     }
                 */
                "application/json": components["schemas"]["Heartbeat"];
            };
        };
        responses: {
            /** @description Freshness recorded. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Watermark"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            409: components["responses"]["PracticeFrozen"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
        };
    };
    getAccessLog: {
        parameters: {
            query?: {
                since?: components["schemas"]["Instant"];
                /** @description Continue after this entry id (the previous page's `next`). */
                after?: number;
                limit?: number;
            };
            header?: never;
            path: {
                /** @description The practice's ODS code (upper-case letters and digits, 3 to 10 characters, e.g. `A12345`). */
                ods: components["parameters"]["Ods"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Access log entries. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AccessLogPage"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            429: components["responses"]["TooManyRequests"];
        };
    };
    putBinary: {
        parameters: {
            query?: never;
            header?: {
                /** @description RFC 9530 digest of the content, e.g. `sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:`. A mismatch is refused and nothing is stored. */
                "Repr-Digest"?: string;
            };
            path: {
                /** @description The practice's ODS code (upper-case letters and digits, 3 to 10 characters, e.g. `A12345`). */
                ods: components["parameters"]["Ods"];
                /** @description The binary's id (FHIR id rules). */
                id: components["parameters"]["BinaryId"];
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "*/*": string;
            };
        };
        responses: {
            /** @description Stored. */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BinaryInfo"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            409: components["responses"]["PracticeFrozen"];
            413: components["responses"]["PayloadTooLarge"];
            429: components["responses"]["TooManyRequests"];
        };
    };
    registerMigration: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The practice's ODS code (upper-case letters and digits, 3 to 10 characters, e.g. `A12345`). */
                ods: components["parameters"]["Ods"];
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "targetClientId": "target-sync",
                 *       "plannedCutoverStart": "2026-11-27T17:00:00Z",
                 *       "runOffDays": 30
                 *     }
                 */
                "application/json": components["schemas"]["MigrationRegistration"];
            };
        };
        responses: {
            /** @description The registered migration's plan, updated. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Migration"];
                };
            };
            /** @description Registered. */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Migration"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            409: components["responses"]["MigrationConflict"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
        };
    };
    getMigrationReport: {
        parameters: {
            query?: {
                format?: "csv" | "json";
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The report. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example ods_code,practice_name,migration_id,state,...
                     *     A12345,The Village Surgery,3f0c9a52-...,accepted,...
                     */
                    "text/csv": string;
                    "application/json": components["schemas"]["MigrationReport"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            429: components["responses"]["TooManyRequests"];
        };
    };
}
