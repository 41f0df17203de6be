// dtm-conformance's command line: parse, run, print, write the reports, exit 1 on any failure.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { ODS_CODE_PATTERN } from '@dtm/shared';
import { CHECKS, selectChecks } from './registry.ts';
import { KIT, exitCodeOf, runConformance } from './runner.ts';
import { header, resultLine, summary, writeReports } from './report/index.ts';
import { GROUPS } from './types.ts';

export const HELP = `dtm-conformance: the technical conformance checks NHS England assurance teams run against a Source
supplier's Data Transfer Mechanism (DTM), Assurance Milestone 1. It needs nothing but the DTM's base URL
and client credentials.

Usage:
  dtm-conformance run --base-url URL --client-id ID --private-key FILE --practice ODS [options]
  dtm-conformance list          every check: id, group, title and the requirement it traces to
  dtm-conformance --help

Required:
  --base-url URL               the DTM (e.g. https://dtm.source.example)
  --client-id ID               a consumer (Target side) client registered with the DTM
  --private-key FILE           its private key (JWK or PKCS#8 PEM)
  --practice ODS               a practice the consumer is granted

Options:
  --publisher-client-id ID     a publisher (Source side) client, to run the write checks
  --publisher-key FILE         its private key. Write checks publish, change and delete probe
                               resources (List/dtmc-*) and upload a binary: use a TEST practice.
  --rate-client-id ID          a consumer with tight agreed terms (e.g. 5 requests/minute) for the
  --rate-key FILE              rate check; without it the main consumer is used (usually: warning)
  --other-practice ODS         a practice the consumer is NOT granted (expects 403)
  --only LIST                  groups or check ids, comma-separated: ${GROUPS.join(',')}
  --duration D                 availability probe length: 10s (default), 3s, 10m, 1h
  --sample N                   validate a random sample of N resources instead of all
  --page-size N                page size of the full read (default 1000)
  --timeout D                  per-request timeout (default 30s; long-polls add their wait)
  --cutover                    run the cutover checks (freeze the test practice) when the DTM's
                               contract has the migration routes
  --out DIR                    report directory (default ./conformance-report)

Output: a summary on the terminal; conformance.html (self-contained, evidence redacted to ids and
counts), conformance.junit.xml and conformance.json in --out.
Exit codes: 0 no failure (warnings and skips allowed), 1 at least one check failed, 2 usage error.
`;

export interface Io {
  out(line: string): void;
  err(line: string): void;
  colour?: boolean;
}

const consoleIo: Io = { out: (l) => process.stdout.write(`${l}\n`), err: (l) => process.stderr.write(`${l}\n`), colour: process.stdout.isTTY };

class UsageError extends Error {}

/** `10s`, `3s`, `10m`, `1h`, or plain seconds. */
export function parseDuration(s: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(s.trim());
  if (!m) throw new UsageError(`not a duration: ${s} (use e.g. 10s, 10m, 1h)`);
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  return unit === 'ms' ? n / 1000 : unit === 's' ? n : unit === 'm' ? n * 60 : n * 3600;
}

function positiveInt(name: string, s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  if (!/^[1-9]\d*$/.test(s)) throw new UsageError(`--${name} must be a positive integer`);
  return Number(s);
}

async function readKey(flag: string, file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    throw new UsageError(`--${flag}: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

export async function main(argv: string[], io: Io = consoleIo): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        'base-url': { type: 'string' }, 'client-id': { type: 'string' }, 'private-key': { type: 'string' }, practice: { type: 'string' },
        'publisher-client-id': { type: 'string' }, 'publisher-key': { type: 'string' },
        'rate-client-id': { type: 'string' }, 'rate-key': { type: 'string' },
        'other-practice': { type: 'string' }, only: { type: 'string' }, duration: { type: 'string' }, sample: { type: 'string' },
        'page-size': { type: 'string' }, timeout: { type: 'string' }, cutover: { type: 'boolean' }, out: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    const command = positionals[0];
    if (values.help || !command) {
      io.out(HELP);
      return command || values.help ? 0 : 2;
    }
    if (command === 'list') {
      for (const c of CHECKS) io.out(`${c.id.padEnd(34)} ${c.group.padEnd(10)} ${c.title}\n${' '.repeat(35)}${c.requirement}`);
      return 0;
    }
    if (command !== 'run') throw new UsageError(`unknown command "${command}" (run, list)`);
    const only = values.only?.split(',');
    try {
      selectChecks(only);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const need = ['base-url', 'client-id', 'private-key', 'practice'] as const;
    const missing = need.filter((k) => !values[k]);
    if (missing.length) throw new UsageError(`missing ${missing.map((m) => `--${m}`).join(', ')}`);
    const baseUrl = values['base-url']!;
    if (!/^https?:\/\/[^/]+/.test(baseUrl)) throw new UsageError('--base-url must be an http(s) URL');
    for (const k of ['practice', 'other-practice'] as const) {
      if (values[k] && !ODS_CODE_PATTERN.test(values[k])) throw new UsageError(`--${k} must be an ODS code (upper-case letters and digits, 3 to 10)`);
    }
    if (!!values['publisher-client-id'] !== !!values['publisher-key']) throw new UsageError('give both --publisher-client-id and --publisher-key, or neither');
    if (!!values['rate-client-id'] !== !!values['rate-key']) throw new UsageError('give both --rate-client-id and --rate-key, or neither');
    const durationSeconds = values.duration ? parseDuration(values.duration) : 10;
    if (durationSeconds <= 0 || durationSeconds > 24 * 3600) throw new UsageError('--duration must be more than 0 and at most 24h');
    const timeout = values.timeout ? parseDuration(values.timeout) : undefined;
    const outDir = values.out ?? 'conformance-report';
    const opts = {
      baseUrl,
      practice: values.practice!,
      consumer: { clientId: values['client-id']!, privateKey: await readKey('private-key', values['private-key']!) },
      publisher: values['publisher-client-id'] ? { clientId: values['publisher-client-id'], privateKey: await readKey('publisher-key', values['publisher-key']!) } : undefined,
      rate: values['rate-client-id'] ? { clientId: values['rate-client-id'], privateKey: await readKey('rate-key', values['rate-key']!) } : undefined,
      otherPractice: values['other-practice'],
      only,
      durationSeconds,
      sample: positiveInt('sample', values.sample),
      pageSize: positiveInt('page-size', values['page-size']),
      timeoutMs: timeout ? Math.round(timeout * 1000) : undefined,
      cutover: values.cutover ?? false,
    };
    io.out(header({ kit: KIT, target: { baseUrl, practice: opts.practice, clientId: opts.consumer.clientId, publisherClientId: opts.publisher?.clientId ?? null, rateClientId: null, otherPractice: null } }));
    const report = await runConformance(opts, { onResult: (r) => io.out(resultLine(r, io.colour)) });
    await writeReports(report, outDir);
    io.out(summary(report, outDir));
    return exitCodeOf(report);
  } catch (e) {
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`dtm-conformance: ${(e as Error).message}\nRun dtm-conformance --help for usage.`);
      return 2;
    }
    io.err(`dtm-conformance: ${(e as Error).stack ?? String(e)}`);
    return 1;
  }
}
