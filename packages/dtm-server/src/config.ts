// Configuration from DTM_* environment variables (and DATABASE_URL), typed and validated at start-up:
// a bad value stops the process with a message naming the variable. There are no default secrets.
import path from 'node:path';
import { FEED_LIMITS } from '@dtm/shared';

export interface Config {
  host: string;
  port: number;
  /** PostgreSQL connection string; when absent an embedded PostgreSQL runs under dataDir. */
  databaseUrl: string | undefined;
  /** A hot standby of databaseUrl for the feed's page reads (docs/scaling.md, read replicas); unset: the primary. */
  readDatabaseUrl: string | undefined;
  dataDir: string;
  logLevel: string;
  maxBatchBytes: number;
  /** A feed page ends before a change that would start past this many bytes of bodies. */
  feedPageBytes: number;
  maxBinaryBytes: number;
  statementTimeoutMs: number;
  idleInTransactionTimeoutMs: number;
  poolMax: number;
  shutdownGraceMs: number;
  /** Externally visible base URL; the token endpoint (the assertion's `aud`) is under it. */
  publicUrl: string | undefined;
  accessTokenTtlSeconds: number;
  /** A new retrieval session starts after this long without a feed request. */
  sessionGapSeconds: number;
  tlsCertFile: string | undefined;
  tlsKeyFile: string | undefined;
  tlsClientCaFile: string | undefined;
  /** Express `trust proxy` setting when behind a TLS-terminating proxy. */
  trustProxy: string | undefined;
  metricsToken: string | undefined;
}

export interface EnvVarDoc {
  name: string;
  default: string;
  description: string;
}

/** Every variable the server reads, for `--help` and the README. */
export const ENV_VARS: EnvVarDoc[] = [
  { name: 'DTM_HOST', default: '127.0.0.1', description: 'Interface to listen on (0.0.0.0 in containers).' },
  { name: 'DTM_PORT', default: '8080', description: 'TCP port to listen on (0 picks a free port).' },
  { name: 'DATABASE_URL', default: '(unset)', description: 'PostgreSQL >= 14 connection string. Unset: an embedded PostgreSQL runs under DTM_DATA_DIR.' },
  { name: 'DTM_READ_DATABASE_URL', default: '(unset)', description: 'A hot standby (streaming replica) of DATABASE_URL: feed pages are read there; writes, tokens, status and anything the standby has not replayed yet go to DATABASE_URL.' },
  { name: 'DTM_DATA_DIR', default: './.dtm-data', description: 'Directory for the embedded PostgreSQL (persistent across restarts).' },
  { name: 'DTM_LOG_LEVEL', default: 'info', description: 'pino log level: fatal, error, warn, info, debug, trace, silent.' },
  { name: 'DTM_MAX_BATCH_BYTES', default: '67108864', description: 'Largest ingest request body in bytes (413 beyond).' },
  { name: 'DTM_FEED_PAGE_BYTES', default: '33554432', description: 'A feed page ends before a change whose resource would start past this many bytes of resources (it always holds one change): bounds a page of large resources in memory.' },
  { name: 'DTM_MAX_BINARY_BYTES', default: '2147483648', description: 'Largest binary upload in bytes (413 beyond).' },
  { name: 'DTM_STATEMENT_TIMEOUT_MS', default: '30000', description: 'PostgreSQL statement_timeout for every pooled connection.' },
  { name: 'DTM_IDLE_TX_TIMEOUT_MS', default: '60000', description: 'PostgreSQL idle_in_transaction_session_timeout: an abandoned transaction would hold its practice\'s write lock.' },
  { name: 'DTM_POOL_MAX', default: '20', description: 'Maximum PostgreSQL connections per server process.' },
  { name: 'DTM_PUBLIC_URL', default: '(the listen URL)', description: 'Base URL clients use, e.g. https://dtm.example.nhs.uk; client assertions must name <DTM_PUBLIC_URL>/oauth2/token as aud.' },
  { name: 'DTM_ACCESS_TOKEN_TTL_SECONDS', default: '300', description: 'Lifetime of issued access tokens.' },
  { name: 'DTM_SESSION_GAP_SECONDS', default: '900', description: 'A consumer\'s feed requests with no gap longer than this are one retrieval session (counted against the grant\'s sessions per 24 h).' },
  { name: 'DTM_TLS_CERT_FILE', default: '(unset)', description: 'PEM certificate chain: serve HTTPS directly (with DTM_TLS_KEY_FILE).' },
  { name: 'DTM_TLS_KEY_FILE', default: '(unset)', description: 'PEM private key for DTM_TLS_CERT_FILE.' },
  { name: 'DTM_TLS_CLIENT_CA_FILE', default: '(unset)', description: 'PEM CA bundle: require client certificates signed by it (mutual TLS).' },
  { name: 'DTM_TRUST_PROXY', default: '(unset)', description: 'Express trust proxy value (e.g. loopback, 10.0.0.0/8, or a hop count) when a proxy terminates TLS.' },
  { name: 'DTM_METRICS_TOKEN', default: '(unset)', description: 'Bearer token required by /metrics. Unset: /metrics answers loopback callers only.' },
  { name: 'DTM_SHUTDOWN_GRACE_MS', default: '30000', description: 'On SIGTERM, how long to let in-flight requests finish before closing.' },
];

export class ConfigError extends Error {}

/** The Data Migration Standard expects migrations over at least 70 Mbit/s. */
const SLOWEST_LINE_BYTES_PER_SECOND = 70e6 / 8;

/**
 * How long a request may take to arrive whole (Node's server.requestTimeout): long enough for the
 * largest binary upload at 70 Mbit/s, twice over, and never under 120 s (long-polls hold a request
 * for up to 60 s). A fixed 120 s refused any upload over about 1 GB at that speed with 408, well
 * under the 2 GiB DTM_MAX_BINARY_BYTES allows. Slow headers are still cut at 30 s (headersTimeout).
 */
export const requestTimeoutMs = (maxBinaryBytes: number): number =>
  Math.max(120_000, Math.ceil((2 * maxBinaryBytes) / SLOWEST_LINE_BYTES_PER_SECOND) * 1000);

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(`${name} must be a whole number, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${n}`);
  return n;
}

function url(env: Env, name: string): string | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  if (!/^https?:\/\/[^/]+(\/.*)?$/.test(raw)) throw new ConfigError(`${name} must be an http(s) URL, got "${raw}"`);
  return raw.replace(/\/+$/, '');
}

function secret(env: Env, name: string): string | undefined {
  const raw = env[name];
  if (!raw) return undefined;
  if (raw.length < 24) throw new ConfigError(`${name} must be at least 24 characters (use a random value)`);
  return raw;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function loadConfig(env: Env = process.env, overrides: Partial<Config> = {}): Config {
  const logLevel = env.DTM_LOG_LEVEL ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError(`DTM_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  }
  const databaseUrl = env.DATABASE_URL?.trim() || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL must be a postgres:// or postgresql:// URL');
  }
  const readDatabaseUrl = env.DTM_READ_DATABASE_URL?.trim() || undefined;
  if (readDatabaseUrl && !/^postgres(ql)?:\/\//.test(readDatabaseUrl)) {
    throw new ConfigError('DTM_READ_DATABASE_URL must be a postgres:// or postgresql:// URL');
  }
  // An embedded PostgreSQL has no standby to read from.
  if (readDatabaseUrl && !databaseUrl) throw new ConfigError('DTM_READ_DATABASE_URL needs DATABASE_URL (the primary it replicates)');
  if (Boolean(env.DTM_TLS_CERT_FILE) !== Boolean(env.DTM_TLS_KEY_FILE)) {
    throw new ConfigError('DTM_TLS_CERT_FILE and DTM_TLS_KEY_FILE must be set together');
  }
  if (env.DTM_TLS_CLIENT_CA_FILE && !env.DTM_TLS_CERT_FILE) {
    throw new ConfigError('DTM_TLS_CLIENT_CA_FILE needs DTM_TLS_CERT_FILE and DTM_TLS_KEY_FILE');
  }
  return {
    host: env.DTM_HOST ?? '127.0.0.1',
    port: int(env, 'DTM_PORT', 8080, 0, 65535),
    databaseUrl,
    readDatabaseUrl,
    dataDir: path.resolve(env.DTM_DATA_DIR ?? '.dtm-data'),
    logLevel,
    maxBatchBytes: int(env, 'DTM_MAX_BATCH_BYTES', 64 * 1024 * 1024, 1024, 2 ** 31),
    feedPageBytes: int(env, 'DTM_FEED_PAGE_BYTES', FEED_LIMITS.pageBodyBytes, 1024, 2 ** 28),
    maxBinaryBytes: int(env, 'DTM_MAX_BINARY_BYTES', 2 * 1024 ** 3, 1, 2 ** 40),
    statementTimeoutMs: int(env, 'DTM_STATEMENT_TIMEOUT_MS', 30_000, 100, 3_600_000),
    idleInTransactionTimeoutMs: int(env, 'DTM_IDLE_TX_TIMEOUT_MS', 60_000, 1000, 3_600_000),
    poolMax: int(env, 'DTM_POOL_MAX', 20, 2, 1000),
    shutdownGraceMs: int(env, 'DTM_SHUTDOWN_GRACE_MS', 30_000, 0, 600_000),
    publicUrl: url(env, 'DTM_PUBLIC_URL'),
    // Up to 30 days only for rehearsals with simulated time; real deployments keep minutes.
    accessTokenTtlSeconds: int(env, 'DTM_ACCESS_TOKEN_TTL_SECONDS', 300, 30, 2_592_000),
    sessionGapSeconds: int(env, 'DTM_SESSION_GAP_SECONDS', 900, 1, 86_400),
    tlsCertFile: env.DTM_TLS_CERT_FILE || undefined,
    tlsKeyFile: env.DTM_TLS_KEY_FILE || undefined,
    tlsClientCaFile: env.DTM_TLS_CLIENT_CA_FILE || undefined,
    trustProxy: env.DTM_TRUST_PROXY || undefined,
    metricsToken: secret(env, 'DTM_METRICS_TOKEN'),
    ...overrides,
  };
}
