// Wires a sync session from configuration: the DTM client (token from the private key), the staging
// store, and the syncer. The CLI and tests build sessions the same way.
import { readFile } from 'node:fs/promises';
import type { ClientConfig } from './config.ts';
import { DtmClient } from './client.ts';
import { openStore, type OpenedStore } from './store/open.ts';
import { Syncer } from './sync/syncer.ts';
import type { Validate } from './sync/prepare.ts';
import { reportDataIssues } from './sync/issues.ts';

export interface Session {
  client: DtmClient;
  opened: OpenedStore;
  syncer: Syncer;
  close(): Promise<void>;
}

export async function openSession(config: ClientConfig, validate: Validate, o: { now?: () => Date } = {}): Promise<Session> {
  const privateKey = await readFile(config.privateKeyFile, 'utf8').catch((err: Error) => {
    throw new Error(`cannot read the private key file ${config.privateKeyFile}: ${err.message}`);
  });
  let syncer: Syncer | null = null;
  const client = new DtmClient({
    baseUrl: config.serverUrl, clientId: config.clientId, privateKey, compression: config.compression,
    onRetry: (err, attempt, delayMs) => syncer?.emit('retry', { practice: config.practice, attempt, delayMs, error: (err as Error).message }),
    ...(o.now ? { now: o.now } : {}),
  });
  const opened = await openStore({ databaseUrl: config.targetDatabaseUrl, dataDir: config.dataDir });
  syncer = new Syncer({
    practice: config.practice, client, store: opened.store, validate, binaryDir: config.binaryDir,
    pageSize: config.pageSize, waitSeconds: config.waitSeconds, binaryParallel: config.binaryParallel, ...(o.now ? { now: o.now } : {}),
    // After each run (and each time a follower catches up), report what failed validation.
    afterCycle: () => reportDataIssues({ client, store: opened.store, practice: config.practice, now: o.now ?? (() => new Date()) },
      (e) => syncer?.emit('issue', { practice: config.practice, ...e })),
  });
  return {
    client, opened, syncer,
    async close() {
      await client.close();
      await opened.close();
    },
  };
}
