// dtm-server command line: a thin layer over startServer and the repo. Options come from DTM_*
// environment variables; the few flags override them.
import { parseArgs } from 'node:util';
import { ConfigError, ENV_VARS, loadConfig, type Config } from './config.ts';
import { startServer, openPool } from './main.ts';
import { migrate } from './db/migrate.ts';
import { createLogger } from './logger.ts';
import { inTransaction } from './db/pool.ts';
import { resetEpoch } from './repo/meta.ts';

const HELP = `dtm-server: the Data Transfer Mechanism (DTM) server a Source supplier runs.

Usage:
  dtm-server serve [--port N] [--host H]   Run the API (migrations are applied first).
  dtm-server migrate                       Apply pending database migrations and exit.
  dtm-server demo [--port N] [--patients N]
                                           Load a synthetic practice into the database and serve it
                                           (what \`npm start\` runs).
  dtm-server reset-epoch --yes             After restoring the database from a backup: renumber the
                                           feed and change the epoch so every reader's old cursor is
                                           refused (409) and they resync, instead of missing changes.
  dtm-server clients add --id ID --role publisher|consumer [--name NAME]
                   (--jwks-file FILE | --jwks-url URL | --generate-key PRIVATE_KEY_FILE)
  dtm-server clients list | clients revoke --id ID
  dtm-server grants add --client ID --practice ODS [--from ISO] [--until ISO]
                   [--sessions-per-day N (default 1)] [--requests-per-minute N (default 600)]
  dtm-server grants list [--client ID] [--practice ODS] | grants revoke --client ID --practice ODS
  dtm-server audit --practice ODS [--since ISO] [--limit N] [--json]
                                           The access log of a practice.
  dtm-server token --url BASE_URL --client-id ID --private-key FILE
                                           Print an access token (for trying the API with curl).
  dtm-server --help                        This text.

Clients authenticate with OAuth 2.0 client credentials and a signed JWT assertion (RFC 7523):
POST /oauth2/token with grant_type=client_credentials, client_assertion_type=
urn:ietf:params:oauth:client-assertion-type:jwt-bearer and client_assertion=<JWT signed with the
client's registered key; iss=sub=client id, aud=<public URL>/oauth2/token, exp <= 5 min, unique jti>.

Environment:
${ENV_VARS.map((v) => `  ${v.name.padEnd(26)}${v.description} Default: ${v.default}`).join('\n')}
`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      port: { type: 'string' },
      host: { type: 'string' },
      patients: { type: 'string' },
      yes: { type: 'boolean' },
      json: { type: 'boolean' },
      id: { type: 'string' }, name: { type: 'string' }, role: { type: 'string' },
      'jwks-file': { type: 'string' }, 'jwks-url': { type: 'string' }, 'generate-key': { type: 'string' },
      client: { type: 'string' }, practice: { type: 'string' }, from: { type: 'string' }, until: { type: 'string' },
      'sessions-per-day': { type: 'string' }, 'requests-per-minute': { type: 'string' },
      since: { type: 'string' }, limit: { type: 'string' },
      url: { type: 'string' }, 'client-id': { type: 'string' }, 'private-key': { type: 'string' },
    },
  });
  const command = positionals[0];
  if (values.help || !command) {
    process.stdout.write(HELP);
    return command || values.help ? 0 : 2;
  }
  const env = { ...process.env };
  if (values.port) env.DTM_PORT = values.port;
  if (values.host) env.DTM_HOST = values.host;
  // The demo prints its own summary; keep per-request logs out of it unless asked for.
  if (command === 'demo' && !env.DTM_LOG_LEVEL) env.DTM_LOG_LEVEL = 'warn';
  const config: Config = loadConfig(env);
  const logger = createLogger(config.logLevel);

  switch (command) {
    case 'serve':
      await startServer(config, { logger, handleSignals: true });
      return -1; // keep running until a signal
    case 'demo':
      // Loaded only here: `serve` never carries the synthetic-data generator.
      await (await import('./demo.ts')).runDemo(config, logger, { patients: values.patients ? Number(values.patients) : 50 });
      return -1;
    case 'migrate': {
      const { pool, database } = await openPool(config, logger);
      try {
        const applied = await migrate(pool);
        process.stdout.write(applied.length ? `applied migrations ${applied.join(', ')}\n` : 'database is up to date\n');
      } finally {
        await pool.end();
        await database.stop();
      }
      return 0;
    }
    case 'reset-epoch': {
      if (!values.yes) {
        process.stderr.write('reset-epoch makes every reader resync from the beginning. Run again with --yes to proceed.\n');
        return 2;
      }
      const { pool, database } = await openPool(config, logger);
      try {
        await migrate(pool);
        const r = await inTransaction(pool, resetEpoch);
        process.stdout.write(`new epoch ${r.epoch}; ${r.rows} feed rows renumbered. Readers will get 409 and resync.\n`);
      } finally {
        await pool.end();
        await database.stop();
      }
      return 0;
    }
    case 'clients':
    case 'grants':
    case 'audit':
    case 'token':
      return (await import('./admin-cli.ts')).runAdmin(command, positionals[1], values, config, logger);
    default:
      process.stderr.write(`unknown command "${command}"\n\n${HELP}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err: unknown) => {
    const msg = err instanceof ConfigError ? `configuration error: ${err.message}` : `dtm-server: ${(err as Error).message}`;
    // Admin mistakes (AdminError) are the user's to fix: exit 2 like a usage error.
    if ((err as Error).name === 'AdminError') {
      process.stderr.write(msg + '\n');
      process.exit(2);
    }
    process.stderr.write(msg + '\n');
    process.exit(1);
  },
);
