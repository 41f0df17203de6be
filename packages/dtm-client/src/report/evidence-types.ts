// The evidence pack a migration's assurance teams and the practice read: what `dtm-client report`
// and the cutover rehearsal write as JSON, and render as one self-contained HTML page.
// Counts, ids, times and digests only: never a resource body or anything identifying a patient.

export interface DigestView {
  cursor: string | null;
  types: { resourceType: string; live: number; deleted: number; digest: string }[];
  total: { live: number; deleted: number; digest: string };
}

export interface Evidence {
  schema: 'dtm-evidence/1';
  generatedAt: string;
  practice: { ods: string; name: string | null };
  server: string;
  /** One line a person can read at a glance. */
  verdict: { pass: boolean; text: string };
  initialExtract: {
    resources: number;
    bytes: number;
    seconds: number | null;
    byType: { resourceType: string; count: number }[];
    validation: { checked: number; passed: number; quarantined: number; byRule: { rule: string; resourceType: string; resources: number }[] };
  } | null;
  /** DTM staleness (sourceAsOf vs now; 12 h limit) and consumption delay (applied vs availableAt; 6 h limit) over the period. */
  freshness: {
    stalenessLimitSeconds: number;
    consumptionLimitSeconds: number;
    samples: { at: string; stalenessSeconds: number | null; consumptionDelaySeconds: number | null }[];
    consumption: { changes: number; p50AtMostSeconds: number | null; p95AtMostSeconds: number | null; maxDelaySeconds: number | null; overLimit: number };
  };
  issues: { id: string; rule: string; severity: string; status: string; resources: number; raisedAt: string; responseSeconds: number | null }[];
  cutover: {
    /** Planned window in Europe/London: Friday 17:00 to Monday 08:00. */
    plannedStart: string | null;
    plannedGoLive: string | null;
    frozenAt: string | null;
    finalWatermark: string | null;
    drainedAt: string | null;
    verifiedAt: string | null;
    targetCompleteAt: string | null;
    /** Wall-clock seconds from freeze to verified target-complete (the data phase). */
    dataPhaseSeconds: number | null;
    withinWindow: boolean | null;
  } | null;
  digest: {
    match: boolean;
    server: DigestView | null;
    client: DigestView;
    differences: { resourceType: string; missingInTarget: string[]; extraInTarget: string[]; versionDiffers: string[] }[];
  } | null;
  binaries: { expected: number; verified: number; failed: number; bytes: number };
  migration: {
    state: string;
    history: { from: string | null; to: string; by: string; role: string; at: string; note: string | null }[];
    warnings: { code: string; message: string }[];
  } | null;
  /** Steps of a rehearsal, in simulated time (Europe/London shown by the renderer). */
  timeline: { at: string; step: string; detail: string }[];
}
