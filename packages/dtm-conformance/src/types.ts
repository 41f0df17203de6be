// The kit's vocabulary: a check is a named, documented object that runs against a context and
// returns an outcome; every HTTP exchange it makes is kept (redacted) as evidence.
import type { CheckContext } from './context.ts';

export type Status = 'pass' | 'fail' | 'warn' | 'skip';

/** Groups, in the order the runner executes them (rate last: it may exhaust the client's terms). */
export const GROUPS = ['discovery', 'auth', 'feed', 'validity', 'freshness', 'change', 'issues', 'cutover', 'rate'] as const;
export type Group = (typeof GROUPS)[number];

export interface Check {
  /** Stable id, `<group>.<name>`: what JUnit, the JSON report and the README table use. */
  id: string;
  title: string;
  group: Group;
  /** The requirement it traces to: a quote from the roadmap item, an RFC section or the OpenAPI document. */
  requirement: string;
  /** Needs write access (publisher credentials) to a test practice; skipped without it. */
  needsPublisher?: boolean;
  run(ctx: CheckContext): Promise<Outcome>;
}

export interface Outcome {
  status: Status;
  /** One sentence: why this status. Never patient data. */
  reason: string;
  /** Evidence id of the exchange that showed it; default: the check's last recorded exchange. */
  exchange?: number | undefined;
  /** Extra lines for the report (ids and counts only). */
  details?: string[];
  /** Figures for the report (timings, counts). */
  metrics?: Record<string, number | string | null>;
}

/** One HTTP exchange as kept in the report: redacted to ids and counts, never a resource body. */
export interface Exchange {
  id: number;
  checkId: string;
  label?: string;
  method: string;
  /** Path and query relative to the base URL (or the full URL when it is another origin). */
  path: string;
  /** null: no response (network error or timeout). */
  status: number | null;
  error?: string;
  startedAt: string;
  /** Milliseconds from the request until its body was read. */
  ms: number;
  request?: unknown;
  response?: unknown;
  /** A few response headers that matter as evidence (content type, Retry-After, digests, ranges). */
  headers?: Record<string, string>;
}

/** Every request's timing, recorded or not (the availability probe's samples are not kept as evidence). */
export interface Timing {
  /** Milliseconds since the run started. */
  t: number;
  ms: number;
  status: number | null;
  kind: 'check' | 'probe';
}

export interface CheckResult {
  id: string;
  title: string;
  group: Group;
  requirement: string;
  status: Status;
  reason: string;
  ms: number;
  /** The exchange that showed the result, if any. */
  exchange: Exchange | null;
  exchangeIds: number[];
  details: string[];
  metrics: Record<string, number | string | null>;
}

export interface Report {
  kit: { name: string; version: string };
  target: {
    baseUrl: string;
    practice: string;
    clientId: string;
    publisherClientId: string | null;
    rateClientId: string | null;
    otherPractice: string | null;
  };
  selection: { groups: Group[]; durationSeconds: number; sample: number | null; cutover: boolean };
  startedAt: string;
  finishedAt: string;
  totals: Record<Status, number>;
  results: CheckResult[];
  exchanges: Exchange[];
  timings: Timing[];
}

export const pass = (reason: string, extra: Partial<Outcome> = {}): Outcome => ({ status: 'pass', reason, ...extra });
export const fail = (reason: string, extra: Partial<Outcome> = {}): Outcome => ({ status: 'fail', reason, ...extra });
export const warn = (reason: string, extra: Partial<Outcome> = {}): Outcome => ({ status: 'warn', reason, ...extra });
export const skip = (reason: string, extra: Partial<Outcome> = {}): Outcome => ({ status: 'skip', reason, ...extra });

/** The reason every write check gives without publisher credentials. */
export const NEEDS_PUBLISHER = 'skipped: needs publisher credentials (--publisher-client-id, --publisher-key) for a test practice';
