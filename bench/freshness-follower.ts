// The Target's follower for the freshness benchmark, as a child process of its own (so its CPU and
// memory are its own): the same session `dtm-client follow` opens (openSession: DtmClient, the real
// Store, FHIR R4 + UK Core validation, the Syncer with its long-poll), configured by the same DTM_*
// variables, but instead of a reporter it writes one JSON line per committed page on stdout with
// the keys and versions it carried and the instant it committed.
//
// Instants are process.hrtime.bigint() in nanoseconds: Node reads CLOCK_MONOTONIC, one clock for
// every process on the machine, so the bench compares them with its own readings directly. The
// bench proves that at start: it writes "ping" lines on stdin and checks each "pong" instant falls
// between its send and its receipt.
//
// Lines: {"e":"start"} {"e":"idle","t"} {"e":"applied","t","changes":[[type,id,version],...]}
// {"e":"binary","t","id","state"} {"e":"retry"} {"e":"resync"} {"e":"pong","t"} {"e":"done",...summary}.
// Keys and versions only; never a resource body.
import { createInterface } from 'node:readline';
import { validateResource } from '@dtm/shared';
import { loadClientConfig } from '../packages/dtm-client/src/config.ts';
import { openSession } from '../packages/dtm-client/src/session.ts';

const now = () => process.hrtime.bigint().toString();
const out = (o: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(o)}\n`);

async function main(): Promise<void> {
  const config = loadClientConfig({}, process.env, ['serverUrl', 'clientId', 'privateKeyFile', 'practice']);
  const session = await openSession(config, validateResource);
  const { syncer } = session;
  // Pages of the initial extract are not timed (the bench publishes nothing until the first idle),
  // so their keys are not written: 1,000 keys a page would only load the pipe.
  let following = false;
  syncer.on('idle', () => {
    following = true;
    out({ e: 'idle', t: now() });
  });
  syncer.on('applied', (p) => {
    if (following) out({ e: 'applied', t: now(), changes: p.changes.map((c) => [c.resourceType, c.id, c.versionId]) });
  });
  syncer.on('binary', (b) => out({ e: 'binary', t: now(), id: b.id, state: b.state }));
  syncer.on('retry', (r) => out({ e: 'retry', attempt: r.attempt, error: r.error }));
  syncer.on('resync', (r) => out({ e: 'resync', reason: r.reason }));
  createInterface({ input: process.stdin }).on('line', (line) => {
    if (line === 'ping') out({ e: 'pong', t: now() });
  });
  const stop = () => syncer.stop();
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  out({ e: 'start' });
  try {
    const summary = await syncer.follow();
    out({ e: 'done', ...summary });
  } finally {
    await session.close();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`freshness follower: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
