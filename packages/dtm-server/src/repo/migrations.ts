// Migrations, their append-only history of moves, and extract iterations (migration 0004).
import type { DigestTotals, MigrationState, Role } from '@dtm/shared';
import type { Pool, PoolClient } from '../db/pool.ts';
import type { FeedPosition } from '../domain/cursor.ts';

type Db = Pool | PoolClient;

export interface MigrationRow {
  id: string;
  seq: number;
  practice: string;
  practice_name: string | null;
  source_client_id: string;
  target_client_id: string;
  state: MigrationState;
  registered_at: Date;
  updated_at: Date;
  planned_cutover_start: Date;
  planned_go_live: Date;
  readiness_deadline: Date;
  run_off_days: number;
  final_txid_text: string | null;
  final_seq_text: string | null;
  frozen_at: Date | null;
  completion: DigestTotals | null;
  target_complete_at: Date | null;
  business_go_live_at: Date | null;
  accepted_at: Date | null;
  aborted_at: Date | null;
}

export interface TransitionRow {
  migration_id: string;
  from_state: MigrationState | null;
  to_state: MigrationState;
  client_id: string;
  role: Role;
  at: Date;
  note: string | null;
}

export interface ExtractRow {
  migration_id: string;
  client_id: string;
  count: number;
}

// xid8 and bigint positions are read as text (they exceed JS numbers), as in repo/changes.ts.
const COLUMNS = `m.id, m.seq, m.practice, p.name AS practice_name, m.source_client_id, m.target_client_id, m.state,
  m.registered_at, m.updated_at, m.planned_cutover_start, m.planned_go_live, m.readiness_deadline, m.run_off_days,
  m.final_txid::text AS final_txid_text, m.final_seq::text AS final_seq_text, m.frozen_at, m.completion, m.target_complete_at,
  m.business_go_live_at, m.accepted_at, m.aborted_at`;

/** The practice's latest migration (its live one, or the last to end); FOR UPDATE locks it. */
export async function latestMigration(db: Db, ods: string, forUpdate = false): Promise<MigrationRow | null> {
  const res = await db.query<MigrationRow>({
    name: forUpdate ? 'migration-latest-for-update' : 'migration-latest',
    text: `SELECT ${COLUMNS} FROM migration m JOIN practice p ON p.ods = m.practice
            WHERE m.practice = $1 ORDER BY m.seq DESC LIMIT 1${forUpdate ? ' FOR UPDATE OF m' : ''}`,
    values: [ods],
  });
  return res.rows[0] ?? null;
}

/** Only the state of the practice's latest migration: ingest checks it (the freeze) on every write. */
export async function latestState(db: Db, ods: string): Promise<MigrationState | null> {
  const res = await db.query<{ state: MigrationState }>({
    name: 'migration-latest-state',
    text: 'SELECT state FROM migration WHERE practice = $1 ORDER BY seq DESC LIMIT 1',
    values: [ods],
  });
  return res.rows[0]?.state ?? null;
}

export interface Plan {
  targetClientId: string;
  plannedCutoverStart: Date;
  plannedGoLive: Date;
  readinessDeadline: Date;
  runOffDays: number;
}

export async function insertMigration(client: PoolClient, m: { id: string; practice: string; sourceClientId: string; at: Date } & Plan): Promise<void> {
  await client.query(
    `INSERT INTO migration (id, practice, source_client_id, target_client_id, state, registered_at, updated_at,
                            planned_cutover_start, planned_go_live, readiness_deadline, run_off_days)
     VALUES ($1, $2, $3, $4, 'registered', $5, $5, $6, $7, $8, $9)`,
    [m.id, m.practice, m.sourceClientId, m.targetClientId, m.at, m.plannedCutoverStart, m.plannedGoLive, m.readinessDeadline, m.runOffDays],
  );
}

export async function updatePlan(client: PoolClient, id: string, plan: Plan, at: Date): Promise<void> {
  await client.query(
    `UPDATE migration SET target_client_id = $2, planned_cutover_start = $3, planned_go_live = $4,
            readiness_deadline = $5, run_off_days = $6, updated_at = $7
      WHERE id = $1`,
    [id, plan.targetClientId, plan.plannedCutoverStart, plan.plannedGoLive, plan.readinessDeadline, plan.runOffDays, at],
  );
}

/** The instant recorded with a state, where the migration keeps one. */
const STAMP: Partial<Record<MigrationState, string>> = {
  'source-frozen': 'frozen_at',
  'target-complete': 'target_complete_at',
  'business-go-live': 'business_go_live_at',
  accepted: 'accepted_at',
  aborted: 'aborted_at',
};

/** Moves the migration to `to`; at source-frozen also fixes the final feed position (or none: an empty practice). */
export async function setState(client: PoolClient, id: string, to: MigrationState, at: Date, finalPosition?: FeedPosition | null): Promise<void> {
  const stamp = STAMP[to];
  await client.query(
    `UPDATE migration SET state = $2, updated_at = $3
            ${stamp ? `, ${stamp} = $3` : ''}
            ${finalPosition !== undefined ? ', final_txid = $4::xid8, final_seq = $5::bigint' : ''}
      WHERE id = $1`,
    finalPosition !== undefined ? [id, to, at, finalPosition?.txid ?? null, finalPosition?.seq ?? null] : [id, to, at],
  );
}

/** The server's digest totals that the Target's matched at target-complete. */
export async function setCompletion(client: PoolClient, id: string, total: DigestTotals): Promise<void> {
  await client.query('UPDATE migration SET completion = $2 WHERE id = $1', [id, JSON.stringify(total)]);
}

export async function insertTransition(client: PoolClient, t: TransitionRow): Promise<void> {
  await client.query(
    'INSERT INTO migration_transition (migration_id, from_state, to_state, client_id, role, at, note) VALUES ($1, $2, $3, $4, $5, $6, $7)',
    [t.migration_id, t.from_state, t.to_state, t.client_id, t.role, t.at, t.note],
  );
}

/** Moves of these migrations, oldest first. */
export async function transitionsOf(db: Db, migrationIds: string[]): Promise<TransitionRow[]> {
  if (migrationIds.length === 0) return [];
  const res = await db.query<TransitionRow>(
    `SELECT migration_id, from_state, to_state, client_id, role, at, note FROM migration_transition
      WHERE migration_id = ANY($1::uuid[]) ORDER BY id`,
    [migrationIds],
  );
  return res.rows;
}

/** Counts one full initial extract by a consumer against the migration. */
export async function countExtract(db: Db, migrationId: string, clientId: string, at: Date): Promise<void> {
  await db.query({
    name: 'migration-extract-count',
    text: `INSERT INTO migration_extract AS e (migration_id, client_id, count, last_at) VALUES ($1, $2, 1, $3)
           ON CONFLICT (migration_id, client_id) DO UPDATE SET count = e.count + 1, last_at = excluded.last_at`,
    values: [migrationId, clientId, at],
  });
}

export async function extractsOf(db: Db, migrationIds: string[]): Promise<ExtractRow[]> {
  if (migrationIds.length === 0) return [];
  const res = await db.query<ExtractRow>(
    'SELECT migration_id, client_id, count FROM migration_extract WHERE migration_id = ANY($1::uuid[]) ORDER BY client_id',
    [migrationIds],
  );
  return res.rows;
}

/**
 * Every migration of the publisher's practices, oldest first: those it registered, and those of
 * practices it holds a grant for (CSMP 4.5: "a full response shall be submitted for each data
 * migration in which they have been involved").
 */
export async function migrationsForPublisher(db: Db, clientId: string): Promise<MigrationRow[]> {
  const res = await db.query<MigrationRow>(
    `SELECT ${COLUMNS} FROM migration m JOIN practice p ON p.ods = m.practice
      WHERE m.source_client_id = $1
         OR m.practice IN (SELECT practice FROM client_grant WHERE client_id = $1 AND revoked_at IS NULL)
      ORDER BY m.seq`,
    [clientId],
  );
  return res.rows;
}

/** Names of clients, for the paperwork. */
export async function clientNames(db: Db, ids: string[]): Promise<Map<string, string>> {
  const res = await db.query<{ id: string; name: string }>('SELECT id, name FROM client WHERE id = ANY($1::text[])', [ids]);
  return new Map(res.rows.map((r) => [r.id, r.name]));
}
