// dtm-client: the Target supplier's sync client. A thin layer over the library: merge configuration,
// attach a reporter, run, exit with a clear code.
import { parseArgs } from 'node:util';
import cron from 'node-cron';
import { validateResource } from '@dtm/shared';
import { ClientConfigError, SETTINGS, loadClientConfig, type ClientConfig } from './config.ts';
import { openSession } from './session.ts';
import { attachReporter } from './report/reporters.ts';
import { statusReport } from './status.ts';
import { runIssuesCommand } from './issues-cli.ts';
import type { SyncSummary } from './sync/events.ts';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describeMismatch, getMigration, runCutover, verify } from './cutover.ts';
import { buildEvidence } from './report/evidence.ts';
import { renderEvidenceHtml } from './report/html.ts';

const HELP = `dtm-client: keeps a Target system's staging copy of a migrating GP practice in step with the
Source supplier's Data Transfer Mechanism (DTM), validating every record and reporting data issues.

Usage:
  dtm-client sync      Pull from the last checkpoint until up to date (initial extract the first time),
                       fetch and verify binaries, raise data issues; then stop.
  dtm-client follow    Keep pulling with long-polls, applying changes within seconds; stop with SIGTERM.
  dtm-client schedule  Run sync on a cron schedule (--cron, --timezone); never two runs at once.
  dtm-client status    The server's watermark and staleness, the local checkpoint, how far behind, the
                       last retrieval, consumption delays (6 h rule), open data issues.
  dtm-client cutover   Wait for the Source to freeze the practice, drain to the final watermark, check
                       every digest, count and binary, then confirm target-complete (exit 1 on any
                       mismatch, naming the resource types and ids that differ).
  dtm-client verify    The same check, at any time the practice is quiet; confirms nothing.
  dtm-client report [--out DIR]
                       Write the evidence pack (evidence.html and evidence.json).
  dtm-client issues list [--status S] | issues show ID | issues raise --rule R --message M
                       --resource Type/id [--resource ...] [--severity error|warning|information]
  dtm-client --help

Settings (flag, environment variable, default); a JSON file given by --config or DTM_CONFIG may set
any of them by name (e.g. {"serverUrl": "...", "practice": "A12345"}); flags beat the environment,
which beats the file:
${SETTINGS.map((s) => `  --${s.flag.padEnd(20)} ${s.env.padEnd(24)} ${(s.default ?? '').padEnd(16)} ${s.description}`).join('\n')}

Exit codes: 0 done (or stopped by SIGTERM after committing the page in hand), 1 failed, 2 usage.
`;

const CONNECT: (keyof ClientConfig)[] = ['serverUrl', 'clientId', 'privateKeyFile', 'practice'];

async function runOnce(config: ClientConfig, mode: 'sync' | 'follow'): Promise<SyncSummary> {
  const session = await openSession(config, validateResource);
  attachReporter(session.syncer, config.progress);
  const stop = () => session.syncer.stop();
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  try {
    return mode === 'sync' ? await session.syncer.sync() : await session.syncer.follow();
  } finally {
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
    await session.close();
  }
}

async function main(argv: string[]): Promise<number> {
  const flagOptions = Object.fromEntries(SETTINGS.map((s) => [s.flag, { type: 'string' as const }]));
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...flagOptions,
      config: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      status: { type: 'string' }, rule: { type: 'string' }, message: { type: 'string' }, severity: { type: 'string' },
      resource: { type: 'string', multiple: true }, json: { type: 'boolean' }, out: { type: 'string' },
    },
  });
  const command = positionals[0];
  if (values.help || !command) {
    process.stdout.write(HELP);
    return values.help ? 0 : 2;
  }
  const flags = values as Record<string, string | undefined>;
  switch (command) {
    case 'sync':
    case 'follow': {
      const summary = await runOnce(loadClientConfig(flags, process.env, CONNECT), command);
      process.stderr.write(`${command} ${summary.practice}: ${summary.applied} applied (${summary.skipped} already held, ${summary.quarantined} quarantined), ` +
        `${summary.binariesVerified} binaries verified, ${summary.binariesFailed} failed; DTM source as of ${summary.sourceAsOf ?? 'unknown'}; stopped: ${summary.stoppedBy}\n`);
      return 0;
    }
    case 'schedule': {
      const config = loadClientConfig(flags, process.env, CONNECT);
      if (!cron.validate(config.cron)) throw new ClientConfigError(`--cron "${config.cron}" is not a valid cron expression`);
      let running: Promise<unknown> | null = null;
      const task = cron.schedule(config.cron, () => {
        // Never two runs at once: a tick that finds a run in progress is skipped and said so.
        if (running) {
          process.stderr.write(`${new Date().toISOString()} previous sync still running; this tick is skipped\n`);
          return;
        }
        running = runOnce(config, 'sync').catch((err: Error) => process.stderr.write(`sync failed: ${err.message}\n`)).finally(() => (running = null));
      }, { timezone: config.timezone, name: 'dtm-client-sync' });
      process.stderr.write(`scheduled sync of ${config.practice}: "${config.cron}" (${config.timezone}); SIGTERM stops\n`);
      await new Promise<void>((resolve) => {
        const stop = () => {
          void task.stop();
          resolve();
        };
        process.once('SIGTERM', stop);
        process.once('SIGINT', stop);
      });
      await running;
      return 0;
    }
    case 'cutover':
    case 'verify': {
      const config = loadClientConfig(flags, process.env, CONNECT);
      const session = await openSession(config, validateResource);
      attachReporter(session.syncer, config.progress);
      try {
        if (command === 'verify') {
          await session.syncer.sync();
          const v = await verify(session.client, session.opened.store, config.practice, config.binaryDir);
          process.stdout.write(values.json ? JSON.stringify(v, null, 2) + '\n' : v.match
            ? `MATCH: ${v.client.total.live} live and ${v.client.total.deleted} deleted resources, ${v.binaries.verified} binaries verified\n`
            : `${describeMismatch(v)}\n`);
          return v.match ? 0 : 1;
        }
        const r = await runCutover({ client: session.client, store: session.opened.store, syncer: session.syncer, practice: config.practice, binaryDir: config.binaryDir,
          onStep: (step, detail) => process.stderr.write(`${new Date().toISOString()} ${step}: ${detail}\n`) });
        return r.confirmedAt ? 0 : 1;
      } finally {
        await session.close();
      }
    }
    case 'report': {
      const config = loadClientConfig(flags, process.env, CONNECT);
      const session = await openSession(config, validateResource);
      try {
        const v = await verify(session.client, session.opened.store, config.practice, config.binaryDir).catch(() => null);
        const migration = await getMigration(session.client, config.practice).catch(() => null);
        const status = await session.client.status(config.practice).catch(() => null);
        const evidence = await buildEvidence({ client: session.client, store: session.opened.store, practice: config.practice, practiceName: status?.name ?? null, serverUrl: config.serverUrl, verify: v, migration });
        const dir = path.resolve(values.out ?? '.');
        await mkdir(dir, { recursive: true });
        await writeFile(path.join(dir, 'evidence.json'), JSON.stringify(evidence, null, 2));
        await writeFile(path.join(dir, 'evidence.html'), renderEvidenceHtml(evidence));
        process.stdout.write(`${path.join(dir, 'evidence.html')}\n${evidence.verdict.text}\n`);
        return 0;
      } finally {
        await session.close();
      }
    }
    case 'status': {
      const report = await statusReport(loadClientConfig(flags, process.env, CONNECT));
      process.stdout.write(values.json ? JSON.stringify(report, null, 2) + '\n' : report.text);
      return 0;
    }
    case 'issues':
      return runIssuesCommand(loadClientConfig(flags, process.env, CONNECT), positionals.slice(1), flags, values.resource ?? [], Boolean(values.json));
    default:
      process.stderr.write(`unknown command "${command}"\n\n${HELP}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`dtm-client: ${err.message}\n`);
    process.exit(err instanceof ClientConfigError ? 2 : 1);
  },
);
