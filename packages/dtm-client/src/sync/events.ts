// The sync client's typed events: the library emits, reporters (progress bar, JSON lines) listen.
import { EventEmitter } from 'node:events';

export interface SyncEvents {
  start: { practice: string; mode: 'sync' | 'follow'; resumedFrom: string | null; expectedChanges: number | null };
  page: { practice: string; received: number; applied: number; skipped: number; quarantined: number; upToDate: boolean; totalApplied: number; totalReceived: number };
  retry: { practice: string; attempt: number; delayMs: number; error: string };
  resync: { practice: string; reason: string };
  binary: { practice: string; id: string; state: 'verified' | 'failed'; bytes: number; error?: string };
  issue: { practice: string; rule: string; resourceType: string; resources: number; issueId: string | null };
  cleared: { practice: string; resourceType: string; id: string };
  idle: { practice: string; sourceAsOf: string | null; lastUpdatedAt: string | null };
  /**
   * A page just committed to the Target store: the keys and versions it carried (no bodies). Emitted
   * only when someone listens (the freshness benchmark times delivery with it); not a reporter event.
   */
  applied: { practice: string; changes: { resourceType: string; id: string; versionId: number }[] };
  done: SyncSummary;
}

export interface SyncSummary {
  practice: string;
  mode: 'sync' | 'follow';
  pages: number;
  received: number;
  applied: number;
  skipped: number;
  quarantined: number;
  binariesVerified: number;
  binariesFailed: number;
  resyncs: number;
  sourceAsOf: string | null;
  lastUpdatedAt: string | null;
  stoppedBy: 'up-to-date' | 'signal' | 'error';
  error?: string;
}

export class SyncEmitter extends EventEmitter {
  override emit<K extends keyof SyncEvents>(event: K, payload: SyncEvents[K]): boolean {
    return super.emit(event, payload);
  }
  override on<K extends keyof SyncEvents>(event: K, listener: (payload: SyncEvents[K]) => void): this {
    return super.on(event, listener);
  }
}
