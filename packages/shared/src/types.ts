// Wire types, taken from the types generated from openapi/dtm.yaml so they cannot drift from it.
import type { components } from './generated/openapi.ts';

type Schemas = components['schemas'];

/** An opaque position in a practice's feed. Only the server can make one; clients pass it back. */
export type Cursor = string & { readonly __brand: 'DtmCursor' };

export type FhirResource = Schemas['FhirResource'];
export type IngestBatch = Schemas['IngestBatch'];
export type IngestItem = Schemas['IngestItem'];
export type UpsertItem = Schemas['UpsertItem'];
export type DeleteItem = Schemas['DeleteItem'];
export type IngestResult = Schemas['IngestResult'];
export type Heartbeat = Schemas['Heartbeat'];
export type Watermark = Schemas['Watermark'];
export type PracticeStatus = Schemas['PracticeStatus'];
export type PracticeSummary = Schemas['PracticeSummary'];
export type PracticeList = Schemas['PracticeList'];
export type BinaryInfo = Schemas['BinaryInfo'];
export type BinaryDigestPage = Schemas['BinaryDigestPage'];
export type Problem = Schemas['Problem'];
export type ResourceCount = Schemas['ResourceCount'];

// The data-issues channel: the Target raises issues with the data, the Source answers them.
export type DataIssue = Schemas['DataIssue'];
export type DataIssuePage = Schemas['DataIssuePage'];
export type DataIssueRaise = Schemas['DataIssueRaise'];
export type DataIssueUpdate = Schemas['DataIssueUpdate'];
export type DataIssueAnswer = Schemas['DataIssueAnswer'];
export type DataIssueClose = Schemas['DataIssueClose'];
export type DataIssueResource = Schemas['DataIssueResource'];
export type DataIssueResponse = Schemas['DataIssueResponse'];
export type DataIssueSeverity = Schemas['DataIssueSeverity'];
export type DataIssueStatus = Schemas['DataIssueStatus'];
export type DataIssueSummary = Schemas['DataIssueSummary'];

// The weekend cutover: migration lifecycle, proof of completeness, paperwork.
export type Migration = Schemas['Migration'];
export type MigrationState = Schemas['MigrationState'];
export type MigrationTransitionTarget = Schemas['MigrationTransitionTarget'];
export type MigrationRegistration = Schemas['MigrationRegistration'];
export type MigrationTransitionRequest = Schemas['MigrationTransitionRequest'];
export type MigrationHistoryEntry = Schemas['MigrationHistoryEntry'];
export type MigrationWarning = Schemas['MigrationWarning'];
export type MigrationWarningCode = MigrationWarning['code'];
export type MigrationTiming = Schemas['MigrationTiming'];
export type MigrationSummary = Schemas['MigrationSummary'];
export type MigrationReport = Schemas['MigrationReport'];
export type MigrationReportRow = Schemas['MigrationReportRow'];
export type ExtractIterations = Schemas['ExtractIterations'];
export type Digest = Schemas['Digest'];
export type DigestTotals = Schemas['DigestTotals'];
export type DigestTypeSummary = Schemas['DigestTypeSummary'];
export type DigestDifference = Schemas['DigestDifference'];
export type DigestEntry = Schemas['DigestEntry'];
export type DigestEntryPage = Schemas['DigestEntryPage'];
export type MigrationNotice = components['parameters']['Notice'];

type ChangeBase = Omit<Schemas['Change'], 'op' | 'resource' | 'cursor'> & { cursor: Cursor };
/** A change in the feed: an upsert carries the resource, a delete is a tombstone. */
export type UpsertChange = ChangeBase & { op: 'upsert'; resource: FhirResource };
export type DeleteChange = ChangeBase & { op: 'delete' };
export type Change = UpsertChange | DeleteChange;

export type ChangePage = Omit<Schemas['ChangePage'], 'changes' | 'nextCursor'> & {
  changes: Change[];
  nextCursor: Cursor | null;
};

export const isUpsert = (c: Change): c is UpsertChange => c.op === 'upsert';
export const isDelete = (c: Change): c is DeleteChange => c.op === 'delete';
export const isUpsertItem = (i: IngestItem): i is UpsertItem => i.op === 'upsert';
export const isDeleteItem = (i: IngestItem): i is DeleteItem => i.op === 'delete';
