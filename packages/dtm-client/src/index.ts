// @dtm/client: the Target supplier's sync client as a library. The CLI (cli.ts) is a thin layer on it.
export { DtmClient, EpochError, type DtmClientOptions } from './client.ts';
export { HttpError, withRetry, DEFAULT_RETRY, type RetryPolicy } from './http/retry.ts';
export { TokenSource } from './http/tokens.ts';
export { Store, type Checkpoint, type PreparedChange } from './store/store.ts';
export { openStore } from './store/open.ts';
export { Syncer, type SyncOptions } from './sync/syncer.ts';
export { SyncEmitter, type SyncEvents, type SyncSummary } from './sync/events.ts';
export { prepareChanges, type Validate } from './sync/prepare.ts';
export { loadClientConfig, SETTINGS, type ClientConfig } from './config.ts';
export { openSession, type Session } from './session.ts';
export { attachReporter, attachJsonLines, attachProgressBar } from './report/reporters.ts';
export { runCutover, verify, localDigest, getMigration, describeMismatch, type Migration, type VerifyResult, type CutoverResult } from './cutover.ts';
export { buildEvidence } from './report/evidence.ts';
export { renderEvidenceHtml } from './report/html.ts';
export type { Evidence } from './report/evidence-types.ts';
