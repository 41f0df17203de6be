// Client configuration: defaults, then a JSON config file, then DTM_* environment variables, then
// command-line flags; each later source wins. Checked once, with messages naming the setting.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Compression } from './client.ts';
import { SYNC_DEFAULTS } from './sync/defaults.ts';

export interface ClientConfig {
  serverUrl: string;
  clientId: string;
  privateKeyFile: string;
  practice: string;
  /** The Target's staging PostgreSQL; unset: an embedded PostgreSQL under dataDir. */
  targetDatabaseUrl: string | undefined;
  dataDir: string;
  binaryDir: string;
  pageSize: number;
  waitSeconds: number;
  binaryParallel: number;
  cron: string;
  timezone: string;
  progress: 'auto' | 'bar' | 'jsonl' | 'none';
  /** Compression of feed pages asked of the DTM (issue 7: extracts over a 70 Mbit/s line). */
  compression: Compression;
}

export interface Setting {
  key: keyof ClientConfig;
  env: string;
  flag: string;
  default: string | undefined;
  description: string;
}

export const SETTINGS: Setting[] = [
  { key: 'serverUrl', env: 'DTM_SERVER_URL', flag: 'server', default: undefined, description: 'Base URL of the Source supplier\'s DTM, e.g. https://dtm.source.example' },
  { key: 'clientId', env: 'DTM_CLIENT_ID', flag: 'client-id', default: undefined, description: 'Client id registered with the DTM (consumer role).' },
  { key: 'privateKeyFile', env: 'DTM_PRIVATE_KEY_FILE', flag: 'private-key', default: undefined, description: 'Private key (JWK JSON or PKCS#8 PEM) that signs the token assertions.' },
  { key: 'practice', env: 'DTM_PRACTICE', flag: 'practice', default: undefined, description: 'ODS code of the practice to sync, e.g. A12345.' },
  { key: 'targetDatabaseUrl', env: 'DTM_TARGET_DATABASE_URL', flag: 'target-database-url', default: undefined, description: 'The Target\'s staging PostgreSQL (>= 14). Unset: embedded PostgreSQL under the data directory.' },
  { key: 'dataDir', env: 'DTM_CLIENT_DATA_DIR', flag: 'data-dir', default: './.dtm-client', description: 'Working directory: embedded PostgreSQL and binaries.' },
  { key: 'binaryDir', env: 'DTM_BINARY_DIR', flag: 'binary-dir', default: '<data-dir>/binaries', description: 'Where documents and images are stored (one directory per practice).' },
  { key: 'pageSize', env: 'DTM_PAGE_SIZE', flag: 'page-size', default: String(SYNC_DEFAULTS.pageSize), description: 'Changes per feed page (1-5000).' },
  { key: 'waitSeconds', env: 'DTM_WAIT_SECONDS', flag: 'wait', default: String(SYNC_DEFAULTS.waitSeconds), description: 'follow: long-poll wait in seconds (1-60).' },
  { key: 'binaryParallel', env: 'DTM_BINARY_PARALLEL', flag: 'binary-parallel', default: String(SYNC_DEFAULTS.binaryParallel), description: 'Binaries downloaded at once.' },
  { key: 'cron', env: 'DTM_SCHEDULE', flag: 'cron', default: '0 */4 * * *', description: 'schedule: when to run sync (cron syntax).' },
  { key: 'timezone', env: 'DTM_TIMEZONE', flag: 'timezone', default: 'Europe/London', description: 'schedule: time zone of the cron expression.' },
  { key: 'progress', env: 'DTM_PROGRESS', flag: 'progress', default: 'auto', description: 'auto (bar on a terminal, JSON lines otherwise), bar, jsonl or none.' },
  { key: 'compression', env: 'DTM_COMPRESSION', flag: 'compression', default: 'auto', description: 'Feed page compression to ask for: auto (zstd or gzip, the DTM chooses), zstd, gzip or none.' },
];

export class ClientConfigError extends Error {
  override readonly name = 'ClientConfigError';
}

function int(name: string, raw: string, min: number, max: number): number {
  if (!/^\d+$/.test(raw)) throw new ClientConfigError(`${name} must be a whole number, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max) throw new ClientConfigError(`${name} must be between ${min} and ${max}`);
  return n;
}

/**
 * Merges the sources. `required` names the settings the command needs (e.g. status needs no cron).
 */
export function loadClientConfig(
  flags: Record<string, string | boolean | undefined>,
  env: Record<string, string | undefined> = process.env,
  required: (keyof ClientConfig)[] = [],
): ClientConfig {
  const file = (flags.config as string | undefined) ?? env.DTM_CONFIG;
  let fromFile: Record<string, unknown> = {};
  if (file) {
    try {
      fromFile = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    } catch (err) {
      throw new ClientConfigError(`cannot read config file ${file}: ${(err as Error).message}`);
    }
    const unknown = Object.keys(fromFile).filter((k) => !SETTINGS.some((s) => s.key === k));
    if (unknown.length) throw new ClientConfigError(`unknown setting(s) in ${file}: ${unknown.join(', ')}`);
  }
  const raw: Partial<Record<keyof ClientConfig, string>> = {};
  for (const s of SETTINGS) {
    const v = (flags[s.flag] as string | undefined) ?? env[s.env] ?? (fromFile[s.key] !== undefined ? String(fromFile[s.key]) : undefined) ?? s.default;
    if (v !== undefined && v !== '') raw[s.key] = v;
  }
  const missing = required.filter((k) => !raw[k]);
  if (missing.length) {
    throw new ClientConfigError(`missing: ${missing.map((k) => { const s = SETTINGS.find((x) => x.key === k)!; return `--${s.flag} (or ${s.env})`; }).join(', ')}`);
  }
  const dataDir = path.resolve(raw.dataDir!);
  const progress = raw.progress as ClientConfig['progress'];
  if (!['auto', 'bar', 'jsonl', 'none'].includes(progress)) throw new ClientConfigError('progress must be auto, bar, jsonl or none');
  const compression = raw.compression as Compression;
  if (!['auto', 'zstd', 'gzip', 'none'].includes(compression)) throw new ClientConfigError('compression must be auto, zstd, gzip or none');
  if (raw.practice && !/^[A-Z0-9]{3,10}$/.test(raw.practice)) throw new ClientConfigError('practice must be an ODS code such as A12345');
  if (raw.serverUrl && !/^https?:\/\//.test(raw.serverUrl)) throw new ClientConfigError('server must be an http(s) URL');
  return {
    serverUrl: raw.serverUrl?.replace(/\/+$/, '') ?? '',
    clientId: raw.clientId ?? '',
    privateKeyFile: raw.privateKeyFile ?? '',
    practice: raw.practice ?? '',
    targetDatabaseUrl: raw.targetDatabaseUrl,
    dataDir,
    binaryDir: raw.binaryDir && raw.binaryDir !== '<data-dir>/binaries' ? path.resolve(raw.binaryDir) : path.join(dataDir, 'binaries'),
    pageSize: int('page-size', raw.pageSize!, 1, 5000),
    waitSeconds: int('wait', raw.waitSeconds!, 1, 60),
    binaryParallel: int('binary-parallel', raw.binaryParallel!, 1, 32),
    cron: raw.cron!,
    timezone: raw.timezone!,
    progress,
    compression,
  };
}
