// One PostgreSQL for the whole test run: DATABASE_URL when set (any PostgreSQL >= 14 that lets us
// CREATE DATABASE), otherwise an embedded PostgreSQL started in a temporary directory. Each test
// file then creates its own database (test/support/db.ts).
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '@dtm/shared/embedded-postgres';

declare module 'vitest' {
  export interface ProvidedContext {
    adminDatabaseUrl: string;
  }
}

export default async function setup(project: TestProject) {
  if (process.env.DATABASE_URL) {
    project.provide('adminDatabaseUrl', process.env.DATABASE_URL);
    return;
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dtm-test-pg-'));
  const pg = await startEmbeddedPostgres(dir);
  project.provide('adminDatabaseUrl', pg.adminUrl);
  return async () => {
    await pg.stop();
    await rm(dir, { recursive: true, force: true });
  };
}
