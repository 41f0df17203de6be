// Bench scenario `estate`, its data: a supplier's estate of practices loaded straight into the DTM
// server's own tables with SQL (INSERT ... SELECT generate_series), because publishing 20 million
// resources through the ingest API would take hours and the scenario measures the read path only.
//
// Why loaded rows are indistinguishable from ingested ones for the feed (repo/changes.ts):
// - Every row is a `resource` row as ingest writes it: current version, body text with meta.versionId
//   and meta.lastUpdated set, a 32-byte content hash, the three timestamps.
// - Its feed position comes from the same column defaults ingest relies on: txid =
//   pg_current_xact_id() of the writing transaction, seq = nextval('change_seq'); an update moves the
//   row to the end of its practice's feed with a new (txid, seq), as repo/resources.ts does.
// - The feed's invariant is that, per practice, (txid, seq) are drawn in commit order. Ingest gets it
//   from the practice's advisory lock; here one connection is the only writer and commits its
//   transactions one after another, so every txid and seq is drawn after the previous transaction
//   committed: the same order, without the lock. (A transaction here writes many practices; the read
//   path never asks which transaction wrote which practice.)
// - The heap looks like ingest leaves it: each transaction writes every practice a run of at most
//   RUN_ROWS rows (an ingest batch's worth), so a practice's rows lie in runs spread through the
//   table, interleaved with other practices', at both sizes. Then VACUUM ANALYZE and a CHECKPOINT,
//   as a long-running DTM's autovacuum and checkpointer would have done.
// The content hash is sha256 of the body text, not of the canonical JSON ingest hashes (it only
// decides whether an equal upsert is a no-op, which this scenario never does); it keeps the row its
// real width.
import pg from 'pg';

/** Rows a practice gets per loading transaction: one ingest batch's worth. */
export const RUN_ROWS = 500;

export interface MeasuredPractice {
  ods: string;
  rows: number;
  /** A large practice being migrated (its initial extract is many pages), or a small one. */
  large: boolean;
}

export interface EstateLayout {
  /** Every practice's ODS code, in order. */
  practices: string[];
  /** The practices the consumers read: the same ones, with the same rows, at both sizes. */
  measured: MeasuredPractice[];
  /** The rest: they hold the bulk of the table and grow it. */
  others: string[];
  /** Rows each other practice gets at the small size, and then adds when the table grows. */
  otherRowsSmall: number;
  otherRowsGrowth: number;
}

export interface EstateShape {
  practices: number;
  consumers: number;
  largeConsumers: number;
  largeRows: number;
  smallRows: number;
  smallTableRows: number;
  largeTableRows: number;
}

const odsOf = (i: number) => `P${String(i + 1).padStart(5, '0')}`;

/** The measured practices are spread evenly through the ODS codes (and so through the indexes). */
export function estateLayout(s: EstateShape): EstateLayout {
  if (s.consumers > s.practices) throw new Error('more consumers than practices');
  const practices = Array.from({ length: s.practices }, (_, i) => odsOf(i));
  const step = Math.floor(s.practices / s.consumers);
  const measured: MeasuredPractice[] = Array.from({ length: s.consumers }, (_, k) => {
    const large = k < s.largeConsumers;
    return { ods: practices[k * step]!, rows: large ? s.largeRows : s.smallRows, large };
  });
  const measuredSet = new Set(measured.map((m) => m.ods));
  const others = practices.filter((p) => !measuredSet.has(p));
  const measuredRows = measured.reduce((n, m) => n + m.rows, 0);
  const otherRowsSmall = Math.floor((s.smallTableRows - measuredRows) / others.length);
  const otherRowsGrowth = Math.floor((s.largeTableRows - s.smallTableRows) / others.length);
  if (otherRowsSmall < 1) throw new Error(`the small table (${s.smallTableRows} rows) cannot hold the measured practices' ${measuredRows} rows and the others`);
  return { practices, measured, others, otherRowsSmall, otherRowsGrowth };
}

/**
 * Resource k's id in practice ods: a UUID led by k (as a time-ordered UUIDv7 is led by its time) and
 * then md5(ods), so the bench can list the ids it expects. Ordered ids grow the primary key at each
 * practice's right edge; random UUIDs would make 20 million inserts far slower through random index
 * writes, while the feed's read path, which uses the resource_feed index, is the same for both.
 */
export const RESOURCE_ID_SQL = `(lpad(to_hex(g.k), 8, '0') || substr(md5(p.ods), 1, 24))::uuid::text`;

// A small vital-sign Observation (~230 bytes of JSON with its UUID id and meta): about the smallest
// realistic resource, so that 20 million rows fit the disk.
const bodySql = (id: string, version: string, at: string) =>
  `format('{"resourceType":"Observation","id":"%s","meta":{"versionId":"%s","lastUpdated":"%s"},"status":"final",` +
  `"code":{"text":"Heart rate"},"valueQuantity":{"value":%s,"unit":"/min"}}', ` +
  `${id}, ${version}, ${at}, 50 + abs(hashtext(${id})::bigint) % 70)`;

const INSERT_RUNS = `
  INSERT INTO resource (practice, resource_type, id, version_id, deleted, body, content_hash, last_updated, available_at, source_updated_at)
  SELECT p.ods, 'Observation', x.id, 1, false, x.body, sha256(convert_to(x.body, 'UTF8')), $4::timestamptz, $4::timestamptz, $4::timestamptz
    FROM unnest($1::text[], $2::int[], $3::int[]) WITH ORDINALITY AS p(ods, first, n, ord)
   CROSS JOIN LATERAL generate_series(p.first, p.first + p.n - 1) AS g(k)
   CROSS JOIN LATERAL (SELECT ${RESOURCE_ID_SQL} AS id) i
   CROSS JOIN LATERAL (SELECT i.id, ${bodySql('i.id', "'1'", '$5::text')} AS body) x`;

// Moves one slice of the measured practices' rows to the end of their feeds, as an update through
// ingest does: new version, new (txid, seq), the new tuple written where this transaction writes.
const UPDATE_SLICE = `
  UPDATE resource SET version_id = version_id + 1, txid = pg_current_xact_id(), seq = nextval('change_seq'),
         body = ${bodySql('id', '(version_id + 1)::text', '$4::text')},
         content_hash = sha256(convert_to(${bodySql('id', '(version_id + 1)::text', '$4::text')}, 'UTF8')),
         last_updated = $5::timestamptz, available_at = $5::timestamptz, source_updated_at = $5::timestamptz
   WHERE practice = ANY($1::text[]) AND abs(hashtext(id)::bigint) % $2::int = $3::int`;

interface Run {
  ods: string;
  first: number;
  n: number;
}

async function insertRuns(c: pg.Client, runs: Run[], at: Date): Promise<void> {
  if (runs.length === 0) return;
  await c.query(INSERT_RUNS, [runs.map((r) => r.ods), runs.map((r) => r.first), runs.map((r) => r.n), at, at.toISOString()]);
}

/** Registers every practice (the feed refuses unknown ones) with a name and fresh freshness figures. */
async function insertPractices(c: pg.Client, practices: string[], at: Date): Promise<void> {
  await c.query(
    `INSERT INTO practice (ods, name, created_at, source_as_of, last_updated_at)
     SELECT ods, 'Estate practice ' || ods, $2, $2, $2 FROM unnest($1::text[]) AS t(ods)`,
    [practices, at],
  );
}

/** resource_count as ingest keeps it (the status route reads it; the feed does not). */
async function recount(c: pg.Client, at: Date): Promise<void> {
  await c.query(
    `INSERT INTO resource_count (practice, resource_type, live, deleted)
     SELECT practice, resource_type, count(*) FILTER (WHERE NOT deleted), count(*) FILTER (WHERE deleted)
       FROM resource GROUP BY practice, resource_type
     ON CONFLICT (practice, resource_type) DO UPDATE SET live = excluded.live, deleted = excluded.deleted`,
  );
  await c.query('UPDATE practice SET source_as_of = $1, last_updated_at = $1', [at]);
}

async function settle(c: pg.Client, log: (msg: string) => void): Promise<void> {
  log('  VACUUM (ANALYZE), CHECKPOINT');
  await c.query('VACUUM (ANALYZE) resource');
  await c.query('VACUUM (ANALYZE) practice');
  await c.query('VACUUM (ANALYZE) resource_count');
  await c.query('CHECKPOINT');
}

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url, application_name: 'dtm-bench-estate-load' });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/**
 * The small estate: every practice registered, the measured practices and the others loaded in
 * interleaved runs of RUN_ROWS, one transaction per round. Returns the rows written.
 */
export async function loadSmallEstate(url: string, e: EstateLayout, log: (msg: string) => void): Promise<number> {
  return withClient(url, async (c) => {
    const at = new Date();
    await insertPractices(c, e.practices, at);
    const want = new Map<string, number>([...e.measured.map((m) => [m.ods, m.rows] as const), ...e.others.map((o) => [o, e.otherRowsSmall] as const)]);
    const rounds = Math.ceil(Math.max(...want.values()) / RUN_ROWS);
    let written = 0;
    for (let r = 0; r < rounds; r++) {
      const runs: Run[] = [];
      for (const ods of e.practices) {
        const n = Math.min(RUN_ROWS, want.get(ods)! - r * RUN_ROWS);
        if (n > 0) runs.push({ ods, first: r * RUN_ROWS + 1, n });
      }
      await insertRuns(c, runs, at);
      written += runs.reduce((s, x) => s + x.n, 0);
    }
    await recount(c, at);
    await settle(c, log);
    return written;
  });
}

/**
 * Grows the table: the other practices get otherRowsGrowth more rows each, in rounds of one run per
 * practice; in each round a slice of the measured practices' rows is updated too, so that by the end
 * every measured row has moved once and lies in the grown table's runs, not in the small table's.
 * The measured practices keep the same resources (ids and count). Returns the rows added.
 */
export async function growEstate(url: string, e: EstateLayout, log: (msg: string) => void): Promise<number> {
  return withClient(url, async (c) => {
    const rounds = Math.max(1, Math.ceil(e.otherRowsGrowth / RUN_ROWS));
    const measured = e.measured.map((m) => m.ods);
    let added = 0;
    let lastLog = Date.now();
    for (let r = 0; r < rounds; r++) {
      const at = new Date();
      await c.query('BEGIN');
      const runs: Run[] = [];
      for (const ods of e.others) {
        const n = Math.min(RUN_ROWS, e.otherRowsGrowth - r * RUN_ROWS);
        if (n > 0) runs.push({ ods, first: e.otherRowsSmall + r * RUN_ROWS + 1, n });
      }
      await insertRuns(c, runs, at);
      await c.query(UPDATE_SLICE, [measured, rounds, r, at.toISOString(), at]);
      await c.query('COMMIT');
      added += runs.reduce((s, x) => s + x.n, 0);
      if (Date.now() - lastLog > 30_000) {
        log(`  grown by ${added.toLocaleString('en-GB')} rows (round ${r + 1} of ${rounds})`);
        lastLog = Date.now();
      }
    }
    await recount(c, new Date());
    await settle(c, log);
    return added;
  });
}

export interface TableSizes {
  rows: number;
  heapBytes: number;
  toastBytes: number;
  indexBytes: number;
  /** Each index of `resource` (summed over partitions when partitioned). */
  indexes: Record<string, number>;
  totalBytes: number;
  databaseBytes: number;
  meanBodyBytes: number;
}

/** Bytes on disk of `resource`, plain or partitioned (summed over its partitions). */
export async function tableSizes(url: string): Promise<TableSizes> {
  return withClient(url, async (c) => {
    // A partitioned table's own sizes are 0 and a plain table is not in pg_partition_tree: count both.
    const leaves = `SELECT relid FROM pg_partition_tree('resource') WHERE isleaf UNION SELECT 'resource'::regclass`;
    const r = await c.query<{ rows: string; heap: string; total: string; idx: string; db: string; body: string }>(
      `SELECT (SELECT count(*) FROM resource)::text AS rows,
              (SELECT sum(pg_relation_size(relid)) FROM (${leaves}) l)::text AS heap,
              (SELECT sum(pg_total_relation_size(relid)) FROM (${leaves}) l)::text AS total,
              (SELECT sum(pg_indexes_size(relid)) FROM (${leaves}) l)::text AS idx,
              pg_database_size(current_database())::text AS db,
              (SELECT avg(octet_length(body)) FROM (SELECT body FROM resource TABLESAMPLE SYSTEM (1)) s)::text AS body`,
    );
    const i = await c.query<{ name: string; bytes: string }>(
      `SELECT regexp_replace(ix.relname, '^resource_p[0-9]+_', 'resource_') AS name, sum(pg_relation_size(ix.oid))::text AS bytes
         FROM (${leaves}) t
         JOIN pg_index x ON x.indrelid = t.relid
         JOIN pg_class ix ON ix.oid = x.indexrelid
        GROUP BY 1 ORDER BY 1`,
    );
    const row = r.rows[0]!;
    const heap = Number(row.heap);
    const idx = Number(row.idx);
    const total = Number(row.total);
    return {
      rows: Number(row.rows), heapBytes: heap, indexBytes: idx, toastBytes: total - heap - idx, totalBytes: total,
      databaseBytes: Number(row.db), meanBodyBytes: Math.round(Number(row.body) || 0),
      indexes: Object.fromEntries(i.rows.map((x) => [x.name, Number(x.bytes)])),
    };
  });
}

/**
 * Rebuilds `resource` as PARTITION BY HASH (practice) with `partitions` partitions, the same
 * columns, defaults, checks, primary key (it starts with practice, as a partitioned table's must),
 * feed index and foreign key, copying the rows in their physical order. The servers must be stopped
 * (their prepared statements name the old table).
 */
export async function partitionByPractice(url: string, partitions: number, log: (msg: string) => void): Promise<void> {
  await withClient(url, async (c) => {
    await c.query('BEGIN');
    await c.query('ALTER TABLE resource RENAME TO resource_plain');
    await c.query('ALTER INDEX resource_pkey RENAME TO resource_plain_pkey');
    await c.query('ALTER INDEX resource_feed RENAME TO resource_plain_feed');
    await c.query('CREATE TABLE resource (LIKE resource_plain INCLUDING DEFAULTS INCLUDING CONSTRAINTS) PARTITION BY HASH (practice)');
    for (let i = 0; i < partitions; i++) {
      await c.query(`CREATE TABLE resource_p${i} PARTITION OF resource FOR VALUES WITH (MODULUS ${partitions}, REMAINDER ${i})`);
    }
    await c.query('INSERT INTO resource SELECT * FROM resource_plain');
    await c.query('DROP TABLE resource_plain');
    await c.query('ALTER TABLE resource ADD PRIMARY KEY (practice, resource_type, id)');
    await c.query('CREATE INDEX resource_feed ON resource (practice, txid, seq)');
    await c.query('ALTER TABLE resource ADD FOREIGN KEY (practice) REFERENCES practice (ods)');
    await c.query('COMMIT');
    log(`  resource is now PARTITION BY HASH (practice), ${partitions} partitions`);
    await settle(c, log);
  });
}
