// `npm start`: a first look. Starts the server (embedded PostgreSQL unless DATABASE_URL is set),
// publishes a small synthetic practice through the ingest API exactly as a Source system would, and
// prints the URLs to try.
import type { Config } from './config.ts';
import type { Logger } from './logger.ts';
import { startServer } from './main.ts';
import { generatePractice } from './seed/synthetic-practice.ts';
import { publishPractice } from './seed/publish.ts';

export const DEMO_ODS = 'A12345';

export async function runDemo(config: Config, logger: Logger, opts: { patients: number }): Promise<void> {
  const server = await startServer(config, { logger, handleSignals: true });
  const practice = generatePractice({ ods: DEMO_ODS, name: 'Demo Surgery (synthetic)', patients: opts.patients, seed: 1 });
  const summary = await publishPractice(server.url, practice);
  const out = process.stdout;
  out.write(`
DTM server running at ${server.url}
Synthetic practice ${DEMO_ODS} published: ${summary.resources} resources (${summary.created} new, ${summary.unchanged} unchanged), ${summary.binaries} binaries.

Try:
  curl ${server.url}/v1/practices
  curl ${server.url}/v1/practices/${DEMO_ODS}/status
  curl '${server.url}/v1/practices/${DEMO_ODS}/changes?limit=5'
  curl '${server.url}/v1/practices/${DEMO_ODS}/changes?since=<nextCursor>&wait=30'   (long-poll)
  curl ${server.url}/openapi.yaml
  curl ${server.url}/metrics

Data lives in ${server.database.embedded ? config.dataDir : 'DATABASE_URL'}; restarting keeps it. Ctrl-C stops the server.
`);
}
