// `npm start`: the weekend cutover rehearsal. Prints progress as it goes and ends with the evidence
// report's location and a one-line verdict.
import { parseArgs } from 'node:util';
import path from 'node:path';
import { rehearse } from './rehearsal.ts';

const HELP = `Usage: npm start [-- --patients N] [--ticks-per-day N] [--dir DIR]

Rehearses a whole weekend cutover of a synthetic practice on this machine, with simulated time:
the Source's DTM (embedded PostgreSQL), the Target's sync client, migration registration, initial
extract, a working week of live changes, readiness confirmation, Friday 17:00 freeze, drain,
verification by digest, Monday 08:00 go-live. Writes an evidence report (HTML and JSON).

  --patients N        practice size (default 1000)
  --ticks-per-day N   batches of live changes per simulated working day (default 80)
  --dir DIR           where the rehearsal keeps its data and report (default ./.dtm-rehearsal; wiped first)
  --baseline          also time the old way: a full final extract into an empty Target, then verification
`;

const { values } = parseArgs({ options: { patients: { type: 'string' }, 'ticks-per-day': { type: 'string' }, dir: { type: 'string' }, baseline: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
if (values.help) {
  process.stdout.write(HELP);
  process.exit(0);
}
const patients = Number(values.patients ?? 1000);
const ticksPerDay = Number(values['ticks-per-day'] ?? 80);
if (!Number.isInteger(patients) || patients < 1 || patients > 100_000 || !Number.isInteger(ticksPerDay) || ticksPerDay < 1) {
  process.stderr.write(`--patients must be 1-100000 and --ticks-per-day a positive whole number\n\n${HELP}`);
  process.exit(2);
}
const dir = path.resolve(values.dir ?? '.dtm-rehearsal');
// What a supplier's engineer does after a first run (README sections by name).
const NEXT_STEPS = `
Next: open the evidence report in a browser. \`npm run demo\` keeps a DTM running to try the API by hand;
README.md "Running the server" (Source suppliers) and "The sync client" (Target suppliers) say how to
run each against your own PostgreSQL; "Conformance kit" tests any DTM.
`;
const started = Date.now();
process.stdout.write(`Weekend cutover rehearsal: ${patients} patients, data in ${dir}\n\n`);
rehearse({ patients, ticksPerDay, dir, baseline: Boolean(values.baseline), log: (l) => process.stdout.write(`${l}\n`) }).then(
  (r) => {
    process.stdout.write(`\nEvidence: ${r.evidenceHtml}\n          ${r.evidenceJson}\n${r.verdict} (${((Date.now() - started) / 1000).toFixed(0)} s)\n`);
    process.stdout.write(NEXT_STEPS);
    process.exit(r.pass ? 0 : 1);
  },
  (err: Error) => {
    process.stderr.write(`\nREHEARSAL FAILED: ${err.message}\n`);
    process.exit(1);
  },
);
