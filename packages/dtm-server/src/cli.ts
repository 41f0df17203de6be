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
  dtm-server --help                        This text.

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
    process.stderr.write(msg + '\n');
    process.exit(1);
  },
);
