// Entry point of the dtm-conformance command (bin/dtm-conformance.js imports this module).
import { main } from './command.ts';

process.exitCode = await main(process.argv.slice(2));
