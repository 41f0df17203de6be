import { describe, expect, it } from 'vitest';
import { ConfigError, ENV_VARS, loadConfig, requestTimeoutMs } from './config.ts';

describe('loadConfig', () => {
  it('has safe defaults and no secrets', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ host: '127.0.0.1', port: 8080, databaseUrl: undefined, logLevel: 'info', poolMax: 20 });
    expect(c.dataDir).toMatch(/\.dtm-data$/);
  });

  it('reads every documented variable', () => {
    const c = loadConfig({ DTM_PORT: '9', DTM_HOST: '0.0.0.0', DATABASE_URL: 'postgres://u@h/db', DTM_MAX_BATCH_BYTES: '2048', DTM_POOL_MAX: '3' });
    expect(c).toMatchObject({ port: 9, host: '0.0.0.0', databaseUrl: 'postgres://u@h/db', maxBatchBytes: 2048, poolMax: 3 });
    expect(ENV_VARS.map((v) => v.name)).toContain('DTM_IDLE_TX_TIMEOUT_MS');
  });

  it('reads the feed from a replica only when one is named', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://u@primary/db' }).readDatabaseUrl).toBeUndefined();
    const c = loadConfig({ DATABASE_URL: 'postgres://u@primary/db', DTM_READ_DATABASE_URL: ' postgresql://u@replica/db ' });
    expect(c.readDatabaseUrl).toBe('postgresql://u@replica/db');
    expect(ENV_VARS.map((v) => v.name)).toContain('DTM_READ_DATABASE_URL');
  });

  it.each([
    [{ DTM_PORT: 'eighty' }, /DTM_PORT must be a whole number/],
    [{ DTM_PORT: '70000' }, /DTM_PORT must be between 0 and 65535/],
    [{ DTM_LOG_LEVEL: 'loud' }, /DTM_LOG_LEVEL must be one of/],
    [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL must be a postgres/],
    [{ DTM_POOL_MAX: '1' }, /DTM_POOL_MAX must be between 2/],
    [{ DATABASE_URL: 'postgres://h/db', DTM_READ_DATABASE_URL: 'http://replica' }, /DTM_READ_DATABASE_URL must be a postgres/],
    [{ DTM_READ_DATABASE_URL: 'postgres://replica/db' }, /DTM_READ_DATABASE_URL needs DATABASE_URL/],
  ])('fails fast on %j', (env, message) => {
    expect(() => loadConfig(env)).toThrowError(ConfigError);
    expect(() => loadConfig(env)).toThrowError(message);
  });

  it('gives a request time enough for the largest binary at 70 Mbit/s, twice over, and never under 120 s', () => {
    expect(requestTimeoutMs(2 * 1024 ** 3)).toBeGreaterThanOrEqual(2 * (2 * 1024 ** 3 / (70e6 / 8)) * 1000);
    expect(requestTimeoutMs(2 * 1024 ** 3)).toBeLessThan(10 * 60_000);
    expect(requestTimeoutMs(1024 * 1024)).toBe(120_000);
  });
});
